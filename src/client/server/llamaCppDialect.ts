/**
 * llama.cpp's `llama-server`, on its native `POST /completion`: every sampler Inkling has but
 * the n-gram ban (DRY and XTC as `dry_*` and `xtc_*`), a GBNF `grammar`, `cache_prompt` (a growing prompt reuses the server's KV
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

/** How far back DRY looks for a repetition, in tokens (the worker's range). */
export const DRY_RANGE = 1024;

export const llamaCppDialect: ServerDialect = {
  kind: 'llama.cpp',
  streamFormat: 'sse',
  capabilities: {
    grammar: true,
    logitSteering: false,
    tokenProbabilities: true,
    batch: false,
    samplers: ['temperature', 'topK', 'topP', 'minP', 'typicalP', 'repetitionPenalty', 'seed', 'stopStrings', 'dry', 'xtc', 'bannedPhrases'],
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
    // DRY and XTC are llama.cpp's own samplers, the same algorithms as Inkling's worker; DRY looks
    // back as far as the worker does (the server's default is only 64 tokens).
    if (s.dryMultiplier > 0) Object.assign(body, { dry_multiplier: s.dryMultiplier, dry_base: s.dryBase, dry_allowed_length: s.dryAllowedLength, dry_penalty_last_n: DRY_RANGE, dry_sequence_breakers: [...s.drySequenceBreakers] });
    if (s.xtcProbability > 0 && s.strategy === 'sample') Object.assign(body, { xtc_probability: s.xtcProbability, xtc_threshold: s.xtcThreshold });
    if (call.grammar) body.grammar = call.grammar;
    // Probabilities after the sampling filters: what the writer's settings let through.
    if (call.probabilities) Object.assign(body, { n_probs: call.probabilities, post_sampling_probs: !call.rawProbabilities });
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
