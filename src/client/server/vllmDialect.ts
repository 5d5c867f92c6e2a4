/**
 * vLLM's OpenAI-compatible `POST /v1/completions`, with the sampling fields vLLM adds (top_k,
 * min_p, repetition_penalty), `n` samples in one request, and a grammar through
 * `structured_outputs.grammar` (the `guided_*` fields were removed in vLLM 0.12; vLLM ignores
 * unknown fields, so a stale name would silently sample unconstrained). vLLM has no typical-p.
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
    samplers: ['temperature', 'topK', 'topP', 'minP', 'repetitionPenalty', 'seed', 'stopStrings'],
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
