/**
 * The OpenAI legacy `POST /v1/completions` as LM Studio and hosted APIs serve it, and, with
 * extra fields, as vLLM serves it: `choices[].text` with an `index` per sample, SSE streaming
 * ending in `data: [DONE]`, errors as `{"error": {"message", "type", "code"}}`.
 */
import type { EngineCapabilities, StopReason } from '../../common/generation';
import { classifyError, fromLogProb, num, serverTemperature, type CompletionCall, type ReadOut, type ServerDialect } from './dialect';

interface Choice {
  index?: unknown;
  text?: unknown;
  finish_reason?: unknown;
  stop_reason?: unknown;
  logprobs?: { tokens?: unknown[]; token_logprobs?: unknown[]; top_logprobs?: (Record<string, unknown> | null)[] } | null;
}

interface CompletionAnswer {
  choices?: Choice[];
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
  error?: { message?: unknown; type?: unknown; code?: unknown };
}

/** The request body every OpenAI-style server takes (dialects add their own fields). */
export function openaiBody(call: CompletionCall, n: number): Record<string, unknown> {
  const s = call.sampling;
  const body: Record<string, unknown> = {
    prompt: call.prompt,
    max_tokens: call.maxTokens,
    temperature: serverTemperature(s),
    top_p: s.topP,
    n,
    stream: call.stream,
  };
  if (call.model) body.model = call.model;
  if (call.stop.length) body.stop = call.stop.slice(0, 4);
  if (s.seed !== null) body.seed = s.seed;
  if (call.probabilities) body.logprobs = call.probabilities;
  return body;
}

export function readCompletion(a: CompletionAnswer, whole: boolean): ReadOut {
  if (a.error) return { pieces: [], ends: [], done: true, error: { status: num(a.error.code), message: String(a.error.message ?? 'error'), type: typeof a.error.type === 'string' ? a.error.type : undefined } };
  const out: ReadOut = { pieces: [], ends: [], done: whole };
  for (const c of a.choices ?? []) {
    const index = num(c.index) ?? 0;
    if (typeof c.text === 'string' && c.text) out.pieces.push({ index, text: c.text });
    if (typeof c.finish_reason === 'string' && c.finish_reason) out.ends.push({ index, stop: finishReason(c.finish_reason, c.stop_reason) });
    const lp = c.logprobs;
    if (lp && Array.isArray(lp.tokens)) {
      out.tokens ??= [];
      lp.tokens.forEach((t, i) => {
        const top = Object.entries(lp.top_logprobs?.[i] ?? {}).map(([text, v]) => ({ text, probability: fromLogProb(v) })).sort((a, b) => b.probability - a.probability);
        out.tokens!.push({ index, token: { text: String(t), probability: fromLogProb(lp.token_logprobs?.[i]), alternatives: top } });
      });
    }
  }
  if (a.usage) out.usage = { promptTokens: num(a.usage.prompt_tokens), newTokens: num(a.usage.completion_tokens) };
  return out;
}

function finishReason(finish: string, stopReason: unknown): StopReason {
  if (finish === 'length') return 'length';
  if (finish === 'abort') return 'cancelled';
  // "stop": a stop string (vLLM names it in stop_reason) or the end of the text.
  return typeof stopReason === 'string' ? 'stop' : 'eos';
}

const OPENAI_CAPABILITIES: EngineCapabilities = {
  grammar: false,
  logitSteering: false,
  tokenProbabilities: false,
  batch: false,
  samplers: ['temperature', 'topP', 'seed', 'stopStrings', 'bannedPhrases'],
};

export const openaiDialect: ServerDialect = {
  kind: 'openai',
  streamFormat: 'sse',
  capabilities: OPENAI_CAPABILITIES,
  request(call) {
    return { path: '/v1/completions', body: openaiBody(call, 1) };
  },
  read(event) {
    if (event === '[DONE]') return { pieces: [], ends: [], done: true };
    return readCompletion(event as CompletionAnswer, false);
  },
  readAll(body) {
    return readCompletion(body as CompletionAnswer, true);
  },
  error: classifyError,
};
