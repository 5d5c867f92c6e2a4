/**
 * One engine interface for the host: Inkling's own worker (a model in a child process) and a
 * server (llama.cpp, vLLM, Ollama, anything that speaks /v1/completions) both implement it, so
 * ghost text, the commands, the sampling panel, the CLI, eval-form and the benchmark work the
 * same on either. Node only: it never imports `vscode`.
 */
import type { EngineCapabilities, EngineDescription, EngineState, ErrorCode, GenerateParams, GenerationResult } from '../common/generation';

export type { EngineCapabilities, EngineDescription, EngineState };

export interface GenerateOptions {
  signal?: AbortSignal;
  onToken?: (text: string) => void;
}

/** What writes text: an engine, or the extension's service in front of one. */
export interface TextGenerator {
  generate(params: GenerateParams, options?: GenerateOptions): Promise<GenerationResult>;
}

export interface WritingEngine extends TextGenerator {
  readonly state: EngineState;
  /** What answers requests (model, context, server kind and version); null until known. */
  readonly description: EngineDescription | null;
  readonly capabilities: EngineCapabilities;
  /** Follows the state; returns the function that stops following. */
  onStateChange(listener: (state: EngineState, detail?: string) => void): () => void;
  /** Gets ready now (loads the model, or finds out what the server is) instead of on the first request. */
  prepare(): Promise<EngineDescription>;
  /** Tokens the model reads for `text` (an estimate where a server cannot count them). */
  countTokens(text: string): Promise<number>;
  /** Starts afresh: a new worker, or a new look at the server. */
  restart(): Promise<unknown>;
  dispose(): Promise<void>;
}

export class EngineRequestError extends Error {
  /** The engine has already written this error to the log (a crash is logged when it happens). */
  logged = false;

  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EngineRequestError';
  }
}

/**
 * How a failed request reaches the writer: errors they can act on (a model that cannot load, a
 * crashed worker, a server that cannot be reached) are shown, the rest only logged; an error the
 * engine has logged already is not logged twice.
 */
export function errorReport(e: { code: ErrorCode; logged?: boolean }): { show: boolean; log: boolean } {
  const show = e.code === 'worker-crashed' || e.code.startsWith('model-') || e.code === 'no-model' || e.code === 'protocol-mismatch' || e.code.startsWith('server-');
  return { show, log: !e.logged };
}

export interface EngineLogger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const SILENT_LOGGER: EngineLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** The result of a request that was cancelled before anything was generated. */
export function cancelledResult(model = ''): GenerationResult {
  return { text: '', stopReason: 'cancelled', meanLogProb: 0, stats: { promptTokens: 0, reusedTokens: 0, newTokens: 0, timeToFirstTokenMs: 0, totalMs: 0, tokensPerSecond: 0, seed: 0, model } };
}
