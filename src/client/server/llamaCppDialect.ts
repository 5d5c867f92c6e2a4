/**
 * llama.cpp's `llama-server`, on its native `POST /completion`: every sampler Inkling has but
 * the n-gram ban, a GBNF `grammar`, `cache_prompt` (a growing prompt reuses the server's KV
 * cache), SSE streaming without a closing `[DONE]`, and `timings` to measure the client against.
 */
import type { GeneratedToken, StopReason } from '../../common/generation';
import { classifyError, fromLogProb, num, serverTemperature, type CompletionCall, type ReadOut, type ServerDialect } from './dialect';

interface LlamaAnswer {
  content?: unknown;
  stop?: unknown;
  stop_type?: unknown;
  tokens_predicted?: unknown;
  tokens_evaluated?: unknown;
  tokens_cached?: unknown;
  timings?: { prompt_n?: unknown; prompt_ms?: unknown; predicted_n?: unknown; predicted_ms?: unknown; cache_n?: unknown };
  error?: { code?: unknown; message?: unknown; type?: unknown };
  index?: unknown;
  completion_probabilities?: LlamaProb[];
}

interface LlamaProb {
  token?: unknown;
  prob?: unknown;
  logprob?: unknown;
  top_probs?: LlamaProb[];
  top_logprobs?: LlamaProb[];
}

export const llamaCppDialect: ServerDialect = {
  kind: 'llama.cpp',
  streamFormat: 'sse',
  capabilities: {
    grammar: true,
    logitSteering: false,
    tokenProbabilities: true,
    batch: false,
    samplers: ['temperature', 'topK', 'topP', 'minP', 'typicalP', 'repetitionPenalty', 'seed', 'stopStrings'],
  },

  request(call: CompletionCall) {
    const s = call.sampling;
    const body: Record<string, unknown> = {
      prompt: call.prompt,
      n_predict: call.maxTokens,
      temperature: serverTemperature(s),
      top_k: s.strategy === 'sample' ? s.topK : 1,
      top_p: s.topP,
      min_p: s.minP,
      typical_p: s.typicalP,
      repeat_penalty: s.repetitionPenalty,
      seed: s.seed ?? -1,
      // `stop` is read only as an array.
      stop: [...call.stop],
      cache_prompt: true,
      stream: call.stream,
    };
    if (call.grammar) body.grammar = call.grammar;
    // Probabilities after the sampling filters: what the writer's settings let through.
    if (call.probabilities) Object.assign(body, { n_probs: call.probabilities, post_sampling_probs: true });
    return { path: '/completion', body };
  },

  read(event: unknown): ReadOut {
    if (event === '[DONE]') return { pieces: [], ends: [], done: true };
    return readAnswer(event as LlamaAnswer);
  },

  readAll(body: unknown): ReadOut {
    return { ...readAnswer(body as LlamaAnswer), done: true };
  },

  error: classifyError,
};

function readAnswer(a: LlamaAnswer): ReadOut {
  if (a.error) return { pieces: [], ends: [], done: true, error: { status: num(a.error.code), message: String(a.error.message ?? 'error'), type: typeof a.error.type === 'string' ? a.error.type : undefined } };
  const text = typeof a.content === 'string' ? a.content : '';
  const out: ReadOut = { pieces: text ? [{ index: 0, text }] : [], ends: [], done: false };
  if (Array.isArray(a.completion_probabilities) && a.completion_probabilities.length) out.tokens = a.completion_probabilities.map((p) => ({ index: 0, token: llamaToken(p) }));
  if (a.stop === true) {
    out.ends.push({ index: 0, stop: stopReason(a.stop_type) });
    out.done = true;
    const t = a.timings ?? {};
    const promptMs = num(t.prompt_ms) ?? 0;
    const predictedMs = num(t.predicted_ms) ?? 0;
    out.usage = {
      promptTokens: (num(t.prompt_n) ?? num(a.tokens_evaluated) ?? 0) + (num(t.cache_n) ?? 0),
      newTokens: num(t.predicted_n) ?? num(a.tokens_predicted),
      cachedTokens: num(t.cache_n),
      serverMs: a.timings ? Math.round((promptMs + predictedMs) * 10) / 10 : undefined,
    };
  }
  return out;
}

function stopReason(type: unknown): StopReason {
  if (type === 'eos') return 'eos';
  if (type === 'word') return 'stop';
  return 'length';
}

function llamaToken(p: LlamaProb): GeneratedToken {
  const probability = (q: LlamaProb) => (typeof q.prob === 'number' ? q.prob : fromLogProb(q.logprob));
  const top = p.top_probs ?? p.top_logprobs ?? [];
  return { text: String(p.token ?? ''), probability: probability(p), alternatives: top.map((q) => ({ text: String(q.token ?? ''), probability: probability(q) })) };
}
