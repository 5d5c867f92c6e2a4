// The request each server gets for Inkling's settings, and how its answers and errors read, on
// the shapes its documentation and source give (test/fixtures/servers/shapes.ts). vLLM, Ollama and
// LM Studio cannot run on these machines; llama.cpp is also tested against a real server
// (test/engine/serverEngine.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SAMPLING, validateSampling } from '../../../src/writing/settings/samplingSettings';
import { ignoredSettings, type CompletionCall } from '../../../src/client/server/dialect';
import { llamaCppDialect } from '../../../src/client/server/llamaCppDialect';
import { vllmDialect } from '../../../src/client/server/vllmDialect';
import { ollamaDialect } from '../../../src/client/server/ollamaDialect';
import { openaiDialect } from '../../../src/client/server/openaiDialect';
import * as shapes from '../../fixtures/servers/shapes';

const sampling = validateSampling({ temperature: 0.7, topK: 40, topP: 0.9, minP: 0.05, typicalP: 0.95, repetitionPenalty: 1.1, seed: 42, maxNewTokens: 64 }).settings;
const call: CompletionCall = { prompt: 'Shall I compare thee', model: 'm', sampling, maxTokens: 64, stop: ['\n'], n: 1, stream: true };

describe('llama.cpp /completion', () => {
  it('maps every sampler, the grammar, probabilities; stop as an array; the prompt cache on', () => {
    const { path, body } = llamaCppDialect.request({ ...call, grammar: 'root ::= "x"', probabilities: 5 });
    assert.equal(path, '/completion');
    assert.deepEqual(body, { prompt: 'Shall I compare thee', n_predict: 64, temperature: 0.7, top_k: 40, top_p: 0.9, min_p: 0.05, typical_p: 0.95, repeat_penalty: 1.1, seed: 42, stop: ['\n'], cache_prompt: true, stream: true, grammar: 'root ::= "x"', n_probs: 5, post_sampling_probs: true });
  });

  it('DRY and XTC as llama.cpp\'s dry_* and xtc_* (DRY over the worker\'s range); off, they are not sent; raw probabilities on request', () => {
    const on = { ...sampling, dryMultiplier: 0.8, dryBase: 1.75, dryAllowedLength: 2, drySequenceBreakers: ['\n', ':'], xtcProbability: 0.5, xtcThreshold: 0.1 };
    const { body } = llamaCppDialect.request({ ...call, sampling: on, probabilities: 8, rawProbabilities: true });
    assert.deepEqual(
      { dry_multiplier: body.dry_multiplier, dry_base: body.dry_base, dry_allowed_length: body.dry_allowed_length, dry_penalty_last_n: body.dry_penalty_last_n, dry_sequence_breakers: body.dry_sequence_breakers, xtc_probability: body.xtc_probability, xtc_threshold: body.xtc_threshold, post_sampling_probs: body.post_sampling_probs },
      { dry_multiplier: 0.8, dry_base: 1.75, dry_allowed_length: 2, dry_penalty_last_n: 1024, dry_sequence_breakers: ['\n', ':'], xtc_probability: 0.5, xtc_threshold: 0.1, post_sampling_probs: false },
    );
    const off = llamaCppDialect.request(call).body;
    assert.ok(!Object.keys(off).some((k) => k.startsWith('dry_') || k.startsWith('xtc_')));
    assert.ok(!('xtc_probability' in llamaCppDialect.request({ ...call, sampling: { ...on, strategy: 'greedy' } }).body), 'XTC is a sampler: not sent for greedy');
  });

  it('greedy is temperature 0 and top-k 1; a random seed is -1', () => {
    const { body } = llamaCppDialect.request({ ...call, sampling: { ...DEFAULT_SAMPLING, strategy: 'greedy', seed: null } });
    assert.equal(body.temperature, 0);
    assert.equal(body.top_k, 1);
    assert.equal(body.seed, -1);
  });

  it('reads a stream: pieces, the final chunk\'s stop type and timings (cached tokens included in the prompt)', () => {
    const events = shapes.LLAMA_STREAM.filter((l) => l.startsWith('data:')).map((l) => JSON.parse(l.slice(5)));
    const outs = events.map((e) => llamaCppDialect.read(e));
    assert.deepEqual(outs.flatMap((o) => o.pieces.map((p) => p.text)), [' Plan', ' your']);
    const last = outs.at(-1)!;
    assert.equal(last.done, true);
    assert.deepEqual(last.ends, [{ index: 0, stop: 'length' }]);
    assert.deepEqual(last.usage, { promptTokens: 12, newTokens: 2, cachedTokens: 3, serverMs: 68.7 });
  });

  it('reads post-sampling token probabilities', () => {
    const out = llamaCppDialect.read(shapes.LLAMA_PROBS_CHUNK);
    assert.deepEqual(out.tokens, [{ index: 0, token: { text: ' Plan', probability: 0.71, alternatives: [{ text: ' Plan', probability: 0.71 }, { text: ' Choose', probability: 0.29 }] } }]);
  });

  it('sorts its errors: grammar, context, credentials', () => {
    assert.equal(llamaCppDialect.error(400, shapes.LLAMA_GRAMMAR_ERROR).kind, 'grammar-rejected');
    assert.equal(llamaCppDialect.error(400, shapes.LLAMA_CONTEXT_ERROR).kind, 'context-exceeded');
    assert.equal(llamaCppDialect.error(401, shapes.LLAMA_AUTH_ERROR).kind, 'unauthorized');
    assert.equal(llamaCppDialect.error(500, 'boom').kind, 'other');
  });
});

describe('vLLM /v1/completions', () => {
  it('adds top_k, min_p, repetition_penalty, n, logprobs and structured_outputs.grammar (not the removed guided_grammar); always max_tokens', () => {
    const { path, body } = vllmDialect.request({ ...call, n: 3, grammar: 'root ::= "x"', probabilities: 2 });
    assert.equal(path, '/v1/completions');
    assert.deepEqual(body, { prompt: 'Shall I compare thee', max_tokens: 64, temperature: 0.7, top_p: 0.9, n: 3, stream: true, model: 'm', stop: ['\n'], seed: 42, logprobs: 2, top_k: 40, min_p: 0.05, repetition_penalty: 1.1, structured_outputs: { grammar: 'root ::= "x"' } });
    assert.ok(!('guided_grammar' in body) && !('typical_p' in body));
    assert.equal(vllmDialect.request({ ...call, sampling: { ...sampling, topK: 0 } }).body.top_k, -1, 'no top-k is -1');
  });

  it('banned phrases as bad_words, as written and capitalised (vLLM matches case)', () => {
    const { body } = vllmDialect.request({ ...call, sampling: { ...sampling, bannedPhrases: ['a testament to', 'shivers down'] } });
    assert.deepEqual(body.bad_words, ['a testament to', 'A testament to', 'shivers down', 'Shivers down']);
    assert.ok(!('bad_words' in vllmDialect.request(call).body));
  });

  it('reads a stream (with the usage chunk) and a whole answer with n samples and logprobs', () => {
    const outs = shapes.VLLM_STREAM.map((l) => l.slice(6).trim()).map((d) => vllmDialect.read(d === '[DONE]' ? '[DONE]' : JSON.parse(d)));
    assert.deepEqual(outs.flatMap((o) => o.pieces.map((p) => p.text)), ['\n', '    if']);
    assert.deepEqual(outs[1]!.ends, [{ index: 0, stop: 'length' }]);
    assert.deepEqual(outs[2]!.usage, { promptTokens: 5, newTokens: 2 });
    assert.equal(outs[3]!.done, true);
    const whole = vllmDialect.readAll(shapes.VLLM_ANSWER);
    assert.deepEqual(whole.pieces, [{ index: 0, text: '\n    if n < 2:' }, { index: 1, text: ' return n' }]);
    assert.deepEqual(whole.ends, [{ index: 0, stop: 'stop' }, { index: 1, stop: 'length' }], 'a stop string named in stop_reason');
    assert.equal(whole.tokens!.length, 2);
    assert.ok(Math.abs(whole.tokens![0]!.token.probability - Math.exp(-0.02)) < 1e-9);
    assert.equal(whole.tokens![0]!.token.alternatives[1]!.text, ' ');
  });

  it('sorts its errors: an unknown model, the context', () => {
    assert.equal(vllmDialect.error(404, shapes.VLLM_MODEL_ERROR).kind, 'model-missing');
    assert.equal(vllmDialect.error(400, shapes.VLLM_CONTEXT_ERROR).kind, 'context-exceeded');
  });
});

describe('Ollama /api/generate', () => {
  it('raw: true, settings in options, probabilities as logprobs/top_logprobs', () => {
    const { path, body } = ollamaDialect.request({ ...call, probabilities: 3 });
    assert.equal(path, '/api/generate');
    assert.deepEqual(body, { model: 'm', prompt: 'Shall I compare thee', raw: true, stream: true, options: { num_predict: 64, temperature: 0.7, top_k: 40, top_p: 0.9, min_p: 0.05, typical_p: 0.95, repeat_penalty: 1.1, seed: 42, stop: ['\n'] }, logprobs: true, top_logprobs: 3 });
  });

  it('reads NDJSON lines: text, logprobs, the last line\'s counts (durations in nanoseconds)', () => {
    const outs = shapes.OLLAMA_STREAM.map((l) => ollamaDialect.read(JSON.parse(l)));
    assert.deepEqual(outs.flatMap((o) => o.pieces.map((p) => p.text)), ['The', ' sky']);
    assert.equal(outs[1]!.tokens![0]!.token.alternatives[1]!.text, ' sea');
    assert.deepEqual(outs[2]!.ends, [{ index: 0, stop: 'eos' }]);
    assert.deepEqual(outs[2]!.usage, { promptTokens: 26, newTokens: 259, serverMs: 10706.8 });
    assert.equal(ollamaDialect.read({ error: "model 'llama9' not found" }).error?.message, "model 'llama9' not found");
    assert.equal(ollamaDialect.error(404, shapes.OLLAMA_MODEL_ERROR).kind, 'model-missing');
  });
});

describe('OpenAI-compatible /v1/completions (LM Studio)', () => {
  it('the subset: no top-k, min-p, typical-p or penalties; at most four stop strings', () => {
    const { body } = openaiDialect.request({ ...call, stop: ['a', 'b', 'c', 'd', 'e'] });
    assert.deepEqual(body, { prompt: 'Shall I compare thee', max_tokens: 64, temperature: 0.7, top_p: 0.9, n: 1, stream: true, model: 'm', stop: ['a', 'b', 'c', 'd'], seed: 42 });
    const outs = shapes.OPENAI_STREAM.map((l) => l.slice(6).trim()).map((d) => openaiDialect.read(d === '[DONE]' ? '[DONE]' : JSON.parse(d)));
    assert.equal(outs.flatMap((o) => o.pieces.map((p) => p.text)).join(''), ' to find your purpose, and once you have');
    assert.deepEqual(outs[1]!.ends, [{ index: 0, stop: 'length' }]);
  });

  it('the settings a server lacks are named (to be said once)', () => {
    assert.deepEqual(ignoredSettings(openaiDialect.capabilities, sampling), ['topK', 'minP', 'typicalP', 'repetitionPenalty']);
    assert.deepEqual(ignoredSettings(vllmDialect.capabilities, sampling), ['typicalP']);
    assert.deepEqual(ignoredSettings(llamaCppDialect.capabilities, { ...sampling, noRepeatNgramSize: 3 }), ['noRepeatNgramSize']);
    assert.deepEqual(ignoredSettings(llamaCppDialect.capabilities, DEFAULT_SAMPLING), [], 'defaults that are "off" are not mentioned');
    const fiction = { ...sampling, dryMultiplier: 0.8, xtcProbability: 0.5, bannedPhrases: ['tapestry of'] };
    assert.deepEqual(ignoredSettings(vllmDialect.capabilities, fiction), ['typicalP', 'dryMultiplier', 'xtcProbability'], 'banned phrases are kept on every server (by the client where the server cannot)');
    assert.deepEqual(ignoredSettings(llamaCppDialect.capabilities, fiction), []);
  });
});
