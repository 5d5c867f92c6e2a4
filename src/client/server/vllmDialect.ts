/**
 * vLLM's OpenAI-compatible `POST /v1/completions`, with the sampling fields vLLM adds (top_k,
 * min_p, repetition_penalty), `n` samples in one request, and a grammar through
 * `structured_outputs.grammar` (the `guided_*` fields were removed in vLLM 0.12; vLLM ignores
 * unknown fields, so a stale name would silently sample unconstrained), banned phrases as
 * `bad_words`. vLLM has no typical-p, DRY or XTC.
 */
import { classifyError, type ServerDialect } from './dialect';
import { openaiBody, readCompletion } from './openaiDialect';

export const vllmDialect: ServerDialect = {
  kind: 'vllm',
  streamFormat: 'sse',
  capabilities: {
    grammar: true,
    logitSteering: false,
    tokenProbabilities: true,
    batch: true,
    samplers: ['temperature', 'topK', 'topP', 'minP', 'repetitionPenalty', 'seed', 'stopStrings', 'bannedPhrases'],
  },
  request(call) {
    const s = call.sampling;
    const body = openaiBody(call, Math.max(1, call.n));
    // vLLM's max_tokens defaults to 16: always sent (openaiBody does). Its stop takes any number.
    if (call.stop.length) body.stop = [...call.stop];
    body.top_k = s.strategy === 'sample' ? (s.topK === 0 ? -1 : s.topK) : 1;
    body.min_p = s.minP;
    body.repetition_penalty = s.repetitionPenalty;
    if (call.grammar) body.structured_outputs = { grammar: call.grammar };
    // vLLM never completes a bad word's token sequence (case as written, so both cases are sent);
    // Inkling's client check after it catches what tokenization lets through.
    if (s.bannedPhrases.length) body.bad_words = badWords(s.bannedPhrases);
    return { path: '/v1/completions', body };
  },
  read(event) {
    if (event === '[DONE]') return { pieces: [], ends: [], done: true };
    return readCompletion(event as Parameters<typeof readCompletion>[0], false);
  },
  readAll(body) {
    return readCompletion(body as Parameters<typeof readCompletion>[0], true);
  },
  error: classifyError,
};

/** Banned phrases (kept lower case by the settings) as vLLM's case-sensitive bad words: as written and capitalised. */
export function badWords(phrases: readonly string[]): string[] {
  const out = new Set<string>();
  for (const p of phrases) {
    out.add(p);
    out.add(p.charAt(0).toUpperCase() + p.slice(1));
  }
  return [...out];
}
