/**
 * The host ⇄ worker protocol: one discriminated union each way. Every request carries an id
 * and every event echoes it. Bump PROTOCOL_VERSION on any incompatible change; the client
 * refuses a worker that answers `hello` with another version.
 */
import type { ErrorCode, GenerateParams, GenerationResult } from '../common/generation';

export const PROTOCOL_VERSION = 1;

export type ModelDtype = 'q8' | 'fp32' | 'fp16' | 'int8' | 'uint8' | 'q4' | 'bnb4' | 'q4f16';
export const MODEL_DTYPES: readonly ModelDtype[] = ['q8', 'fp32', 'fp16', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16'];

export interface ModelSpec {
  /** Absolute path of a folder in the Hugging Face layout (config.json, tokenizer.json, onnx/). */
  dir: string;
  dtype: ModelDtype;
  /** Intra-op threads for ONNX Runtime; 0 lets the worker choose. */
  threads: number;
  /** `standard`: the transformers.js graph even where the folder has Inkling's copy-free one (benchmarks, comparisons). */
  layout?: 'auto' | 'standard';
  /**
   * A copy-free graph of this folder's weights kept elsewhere (Inkling's storage, for a folder it
   * does not write to): run instead of the folder's own graph unless `layout` is `standard`.
   */
  graph?: string;
}

/** Whether two specs load the same graph the same way (the one comparison the worker, its client and the service make). */
export function sameModelSpec(a: ModelSpec, b: ModelSpec): boolean {
  return a.dir === b.dir && a.dtype === b.dtype && a.threads === b.threads && (a.layout ?? 'auto') === (b.layout ?? 'auto') && a.graph === b.graph;
}

export type HostMessage =
  | { type: 'hello'; protocolVersion: number }
  | { type: 'load'; id: number; model: ModelSpec }
  | { type: 'generate'; id: number; params: GenerateParams }
  | { type: 'cancel'; id: number }
  | { type: 'tokenize'; id: number; text: string }
  | { type: 'shutdown' };

export interface ModelInfo {
  name: string;
  dir: string;
  dtype: ModelDtype;
  vocabSize: number;
  contextLength: number;
  loadMs: number;
}

export type WorkerMessage =
  | { type: 'hello'; protocolVersion: number; pid: number }
  | { type: 'state'; state: 'loading' | 'ready' | 'generating' }
  | { type: 'loaded'; id: number; model: ModelInfo }
  | { type: 'token'; id: number; text: string; index: number }
  | { type: 'done'; id: number; result: GenerationResult }
  | { type: 'tokens'; id: number; count: number }
  | { type: 'error'; id: number | null; code: ErrorCode; message: string }
  | { type: 'log'; level: 'trace' | 'debug' | 'info' | 'warn' | 'error'; message: string };

/** A structural check of an incoming host message; the worker drops anything else. */
export function isHostMessage(value: unknown): value is HostMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'hello':
      return typeof m.protocolVersion === 'number';
    case 'shutdown':
      return true;
    case 'cancel':
      return typeof m.id === 'number';
    case 'tokenize':
      return typeof m.id === 'number' && typeof m.text === 'string';
    case 'load': {
      const model = m.model as Record<string, unknown> | undefined;
      return typeof m.id === 'number' && typeof model === 'object' && model !== null && typeof model.dir === 'string' && (model.graph === undefined || typeof model.graph === 'string');
    }
    case 'generate': {
      const p = m.params as Record<string, unknown> | undefined;
      return typeof m.id === 'number' && typeof p === 'object' && p !== null && typeof p.prompt === 'string';
    }
    default:
      return false;
  }
}
