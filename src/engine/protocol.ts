/**
 * The host ⇄ worker protocol: one discriminated union each way. Every request carries an id
 * and every event echoes it. Bump PROTOCOL_VERSION on any incompatible change; the client
 * refuses a worker that answers `hello` with another version.
 */
import type { SamplingSettings } from '../writing/samplingSettings';

export const PROTOCOL_VERSION = 1;

export type ModelDtype = 'q8' | 'fp32' | 'fp16' | 'int8' | 'uint8' | 'q4' | 'bnb4' | 'q4f16';
export const MODEL_DTYPES: readonly ModelDtype[] = ['q8', 'fp32', 'fp16', 'int8', 'uint8', 'q4', 'bnb4', 'q4f16'];

export interface ModelSpec {
  /** Absolute path of a folder in the Hugging Face layout (config.json, tokenizer.json, onnx/). */
  dir: string;
  dtype: ModelDtype;
  /** Intra-op threads for ONNX Runtime; 0 lets the worker choose. */
  threads: number;
}

/**
 * Form-keeping decoding (verse): the worker plans each line from the poem as it grows (its
 * typical length, whether it closes a stanza, which earlier line it rhymes with) and shapes the
 * logits to keep that form. Every switch defaults to on; `{}` keeps lines and stanzas, no rhyme.
 * With lineLength, stanzas and rhyme all off only `lines` applies: plain sampling that stops
 * after N lines.
 */
export interface FormConstraint {
  /** Steer each line toward the poem's length (syllables; characters in CJK text). */
  lineLength?: boolean;
  /** A blank line where the form's stanza ends, and none inside a stanza. */
  stanzas?: boolean;
  /** Rhyme mode: a line the scheme rhymes with an earlier one ends in a strict rhyme of it. Default off. */
  rhyme?: boolean;
  /** Target length of the first line (the one the continuation completes or starts), overriding the worker's plan. */
  firstLineLength?: number;
  /** Word the first line should rhyme with (rhyme mode; null: none), overriding the worker's plan. */
  firstLineRhyme?: string | null;
  /** Stop after this many lines (blank lines not counted), at the line break: stop reason 'form'. */
  lines?: number;
}

export interface GenerateParams {
  prompt: string;
  sampling: Partial<SamplingSettings>;
  /** Number of distinct samples to return (alternatives); 1 for a single continuation. */
  n?: number;
  /** Requests with the same caller supersede each other: the older ends as cancelled. */
  caller?: string;
  /** Stream `token` events (the CLI and commands do; ghost text only needs `done`). */
  stream?: boolean;
  /** Keep the poem's form while decoding (see FormConstraint); absent: plain sampling. */
  form?: FormConstraint;
}

export type HostMessage =
  | { type: 'hello'; protocolVersion: number }
  | { type: 'load'; id: number; model: ModelSpec }
  | { type: 'generate'; id: number; params: GenerateParams }
  | { type: 'cancel'; id: number }
  | { type: 'tokenize'; id: number; text: string }
  | { type: 'shutdown' };

export type StopReason = 'eos' | 'length' | 'stop' | 'cancelled' | 'form';

export interface GenerationStats {
  promptTokens: number;
  /** Prompt tokens whose KV cache was reused from the previous request. */
  reusedTokens: number;
  newTokens: number;
  timeToFirstTokenMs: number;
  totalMs: number;
  tokensPerSecond: number;
  seed: number;
  model: string;
  /** When cancelled: tokens the worker generated after the cancel reached it. */
  tokensAfterCancel?: number;
}

export interface GeneratedSample {
  text: string;
  stopReason: StopReason;
  seed: number;
  /** Mean log-probability per new token under the unmodified model (before penalties and filters). */
  meanLogProb: number;
  /** Beam search only: the length-normalised score the beams were ranked by. */
  score?: number;
}

export interface GenerationResult {
  text: string;
  stopReason: StopReason;
  meanLogProb: number;
  /** With n > 1 samples, or beam search: every sample (beams best first); `text` is the first. */
  alternatives?: GeneratedSample[];
  stats: GenerationStats;
}

export interface ModelInfo {
  name: string;
  dir: string;
  dtype: ModelDtype;
  vocabSize: number;
  contextLength: number;
  loadMs: number;
}

export type ErrorCode =
  | 'model-missing'
  | 'model-invalid'
  | 'model-load-failed'
  | 'no-model'
  | 'bad-request'
  | 'generation-failed'
  | 'protocol-mismatch'
  | 'worker-crashed';

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
      return typeof m.id === 'number' && typeof model === 'object' && model !== null && typeof model.dir === 'string';
    }
    case 'generate': {
      const p = m.params as Record<string, unknown> | undefined;
      return typeof m.id === 'number' && typeof p === 'object' && p !== null && typeof p.prompt === 'string';
    }
    default:
      return false;
  }
}
