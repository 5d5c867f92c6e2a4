/**
 * Ollama's `POST /api/generate` with `raw: true` (the prompt as it is, no chat template) and the
 * sampling settings in `options`; the answer streams as NDJSON, durations in nanoseconds. Ollama
 * takes no grammar (its `format` is a JSON schema) and one sample per request.
 */
import type { StopReason } from '../../common/generation';
import { classifyError, fromLogProb, num, serverTemperature, type CompletionCall, type ReadOut, type ServerDialect } from './dialect';

interface OllamaLine {
  response?: unknown;
  done?: unknown;
  done_reason?: unknown;
  prompt_eval_count?: unknown;
  eval_count?: unknown;
  total_duration?: unknown;
  error?: unknown;
  logprobs?: { token?: unknown; logprob?: unknown; top_logprobs?: { token?: unknown; logprob?: unknown }[] }[];
}

export const ollamaDialect: ServerDialect = {
  kind: 'ollama',
  streamFormat: 'ndjson',
  capabilities: {
    grammar: false,
    logitSteering: false,
    // From Ollama 0.12.11; earlier versions answer without them.
    tokenProbabilities: true,
    batch: false,
    samplers: ['temperature', 'topK', 'topP', 'minP', 'typicalP', 'repetitionPenalty', 'seed', 'stopStrings', 'bannedPhrases'],
  },
  request(call: CompletionCall) {
    const s = call.sampling;
    const options: Record<string, unknown> = {
      num_predict: call.maxTokens,
      temperature: serverTemperature(s),
      top_k: s.strategy === 'sample' ? s.topK : 1,
      top_p: s.topP,
      min_p: s.minP,
      typical_p: s.typicalP,
      repeat_penalty: s.repetitionPenalty,
    };
    if (s.seed !== null) options.seed = s.seed;
    if (call.stop.length) options.stop = [...call.stop];
    const body: Record<string, unknown> = { model: call.model, prompt: call.prompt, raw: true, stream: call.stream, options };
    // Ollama 0.12.11 and later: earlier versions ignore these fields.
    if (call.probabilities) Object.assign(body, { logprobs: true, top_logprobs: Math.min(20, call.probabilities) });
    return { path: '/api/generate', body };
  },
  read(event: unknown): ReadOut {
    return readLine(event as OllamaLine);
  },
  readAll(body: unknown): ReadOut {
    return { ...readLine(body as OllamaLine), done: true };
  },
  error: classifyError,
};

function readLine(l: OllamaLine): ReadOut {
  if (typeof l.error === 'string') return { pieces: [], ends: [], done: true, error: { message: l.error } };
  const out: ReadOut = { pieces: typeof l.response === 'string' && l.response ? [{ index: 0, text: l.response }] : [], ends: [], done: false };
  if (Array.isArray(l.logprobs) && l.logprobs.length) {
    out.tokens = l.logprobs.map((p) => ({ index: 0, token: { text: String(p.token ?? ''), probability: fromLogProb(p.logprob), alternatives: (p.top_logprobs ?? []).map((q) => ({ text: String(q.token ?? ''), probability: fromLogProb(q.logprob) })) } }));
  }
  if (l.done === true) {
    out.done = true;
    out.ends.push({ index: 0, stop: doneReason(l.done_reason) });
    const total = num(l.total_duration);
    out.usage = { promptTokens: num(l.prompt_eval_count), newTokens: num(l.eval_count), serverMs: total === undefined ? undefined : Math.round(total / 1e5) / 10 };
  }
  return out;
}

function doneReason(reason: unknown): StopReason {
  // Ollama says "stop" for the end of the text and for a stop string alike.
  return reason === 'length' ? 'length' : 'eos';
}
