/**
 * What differs between servers: the request a completion becomes, how its streamed events and
 * whole answers read, and how its errors say what went wrong. Each dialect is pure (JSON in, JSON
 * out), so its mapping is tested on the shapes the servers' documentation and source give.
 */
import type { EngineCapabilities, GeneratedToken, SamplerName, SamplingSettings, StopReason } from '../../common/generation';
import type { ServerKind } from '../../writing/settings/serverSettings';

/** One completion as Inkling asks for it. */
export interface CompletionCall {
  prompt: string;
  /** Story notes before the prompt: the engine keeps them whole and cuts the prompt's start to fit (dialects never see them apart). */
  notes?: string;
  /** The model to ask for ('' where the server serves one model). */
  model: string;
  sampling: SamplingSettings;
  maxTokens: number;
  stop: readonly string[];
  /** A GBNF grammar the text must match (dialects with `grammar` capability only). */
  grammar?: string;
  /** Samples of the prompt in this request (dialects with `batch` only; otherwise 1). */
  n: number;
  stream: boolean;
  /** Report the N likeliest alternatives of each token (dialects with `tokenProbabilities`). */
  probabilities?: number;
  /** The alternatives as the model ranks them, before the sampling filters (to step past a banned phrase even when greedy). */
  rawProbabilities?: boolean;
}

export interface Usage {
  promptTokens?: number;
  newTokens?: number;
  /** Prompt tokens the server reused from its cache. */
  cachedTokens?: number;
  /** The server's own time for the request, ms. */
  serverMs?: number;
}

/** What one streamed event (or a whole answer) says. */
export interface ReadOut {
  /** New text per sample index. */
  pieces: { index: number; text: string }[];
  /** Samples that ended, and why. */
  ends: { index: number; stop: StopReason }[];
  /** Token probabilities, when asked for and given. */
  tokens?: { index: number; token: GeneratedToken }[];
  usage?: Usage;
  /** The stream is over. */
  done: boolean;
  /** The server reported an error inside the stream. */
  error?: { status?: number; message: string; type?: string };
}

export type ServerErrorKind = 'unauthorized' | 'model-missing' | 'context-exceeded' | 'grammar-rejected' | 'other';

export interface ServerDialect {
  readonly kind: ServerKind;
  readonly streamFormat: 'sse' | 'ndjson';
  readonly capabilities: EngineCapabilities;
  /** The path and body of a completion request. */
  request(call: CompletionCall): { path: string; body: Record<string, unknown> };
  /** One streamed event: SSE data (parsed JSON, or the string '[DONE]') or an NDJSON line (parsed). */
  read(event: unknown): ReadOut;
  /** A whole, non-streamed answer. */
  readAll(body: unknown): ReadOut;
  /** What an error answer means. */
  error(status: number, body: string): { kind: ServerErrorKind; message: string };
}

/** The sampling settings a writer has set that this server does not honour (each said once, not per request). */
export function ignoredSettings(capabilities: EngineCapabilities, s: SamplingSettings): string[] {
  const has = (name: SamplerName) => capabilities.samplers.includes(name);
  const out: string[] = [];
  if (!has('topK') && s.topK !== 0) out.push('topK');
  if (!has('minP') && s.minP !== 0) out.push('minP');
  if (!has('typicalP') && s.typicalP !== 1) out.push('typicalP');
  if (!has('repetitionPenalty') && s.repetitionPenalty !== 1) out.push('repetitionPenalty');
  if (!has('noRepeatNgramSize') && s.noRepeatNgramSize !== 0) out.push('noRepeatNgramSize');
  if (!has('beam') && s.strategy === 'beam') out.push('strategy "beam" (sampling greedily instead)');
  if (!has('seed') && s.seed !== null) out.push('seed');
  if (!has('dry') && s.dryMultiplier > 0) out.push('dryMultiplier');
  if (!has('xtc') && s.xtcProbability > 0 && s.strategy === 'sample') out.push('xtcProbability');
  return out;
}

/** The temperature to send: greedy and beam search are temperature 0 on a server. */
export function serverTemperature(s: SamplingSettings): number {
  return s.strategy === 'sample' ? s.temperature : 0;
}

/** Reads an error body's message in the shapes servers use: {"error":{"message"}}, {"error":"..."}, {"detail"}, or plain text. */
export function errorMessage(body: string): { message: string; type?: string } {
  try {
    const json = JSON.parse(body) as { error?: unknown; detail?: unknown; message?: unknown };
    if (typeof json.error === 'string') return { message: json.error };
    if (json.error && typeof json.error === 'object') {
      const e = json.error as { message?: unknown; type?: unknown };
      return { message: typeof e.message === 'string' ? e.message : JSON.stringify(e), type: typeof e.type === 'string' ? e.type : undefined };
    }
    if (typeof json.detail === 'string') return { message: json.detail };
    if (typeof json.message === 'string') return { message: json.message };
  } catch {
    // not JSON
  }
  return { message: body.trim().slice(0, 300) || 'no details' };
}

/** Sorts an error answer by status and wording, for dialects without a finer signal. */
export function classifyError(status: number, body: string): { kind: ServerErrorKind; message: string } {
  const { message, type } = errorMessage(body);
  if (status === 401 || status === 403) return { kind: 'unauthorized', message };
  if (type === 'exceed_context_size_error' || /context (length|size|window)|too long|exceeds? the (available )?context|maximum context/i.test(message)) return { kind: 'context-exceeded', message };
  if (/grammar/i.test(message)) return { kind: 'grammar-rejected', message };
  if (status === 404 && /model/i.test(message)) return { kind: 'model-missing', message };
  if (/model .*(not found|does not exist)|no such model/i.test(message)) return { kind: 'model-missing', message };
  return { kind: 'other', message };
}

/** `value` if it is a finite number, else undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export const NOTHING: ReadOut = { pieces: [], ends: [], done: false };

/** A log-probability as a probability (servers send log(0) as a huge negative number). */
export function fromLogProb(lp: unknown): number {
  return typeof lp === 'number' && Number.isFinite(lp) ? Math.exp(Math.max(-1e4, lp)) : 0;
}
