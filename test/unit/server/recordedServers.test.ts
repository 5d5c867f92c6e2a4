// The server engine end to end over HTTP against servers that answer with the shapes vLLM, Ollama
// and LM Studio document (they cannot run here; llama.cpp runs for real in test/engine/): what it
// finds by probing, what it sends, what it makes of streams, and every failure a writer can meet
// as one clear error, after which the next request works.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ServerEngine } from '../../../src/client/server/serverEngine';
import { EngineRequestError } from '../../../src/client/writingEngine';
import { startRecordedServer, type RecordedServer } from '../../support/recordedServer';
import * as shapes from '../../fixtures/servers/shapes';
import { keepsFoot } from '../../../src/writing/verse/sound/metre';
import { loadPronouncingDictionary } from '../../../src/writing/verse/sound/pronouncingDictionary';

const servers: RecordedServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function server(routes: Parameters<typeof startRecordedServer>[0]): Promise<RecordedServer> {
  const s = await startRecordedServer(routes);
  servers.push(s);
  return s;
}

/** An Ollama server (recorded shapes) whose /api/generate answers `lines` in turn, one per request. */
async function ollamaAnswering(lines: readonly string[]): Promise<RecordedServer> {
  let calls = 0;
  return server({
    'GET /api/version': { json: shapes.OLLAMA_VERSION },
    'GET /api/tags': { json: shapes.OLLAMA_TAGS },
    'POST /api/show': { json: shapes.OLLAMA_SHOW },
    'POST /api/generate': () => ({ chunks: [`${JSON.stringify({ response: lines[calls++ % lines.length], done: false })}\n`, '{"response":"","done":true,"done_reason":"stop","eval_count":9}\n'], contentType: 'application/x-ndjson' }),
  });
}

async function rejectsWith(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof EngineRequestError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

describe('vLLM (recorded shapes)', () => {
  it('is found by /version, sends the writer\'s settings to /v1/completions, and streams the answer', async () => {
    const s = await server({ 'GET /version': { json: shapes.VLLM_VERSION }, 'GET /v1/models': { json: shapes.VLLM_MODELS }, 'POST /v1/completions': { chunks: shapes.VLLM_STREAM } });
    const engine = new ServerEngine({ url: s.url, kind: 'auto', model: '' });
    const d = await engine.prepare();
    assert.deepEqual(d, { kind: 'vllm', model: 'meta-llama/Llama-3.1-8B', contextLength: 8192, version: '0.12.1', url: s.url });
    assert.deepEqual(engine.capabilities.samplers.includes('typicalP'), false);
    let streamed = '';
    const r = await engine.generate({ prompt: 'def fib(n):', sampling: { seed: 7, maxNewTokens: 8, topK: 40 }, stream: true }, { onToken: (t) => (streamed += t) });
    assert.equal(r.text, '\n    if');
    assert.equal(streamed, r.text);
    assert.equal(r.stopReason, 'length');
    assert.equal(r.stats.promptTokens, 5);
    assert.equal(r.stats.seed, 7);
    const sent = s.requests.find((q) => q.path === '/v1/completions')!.body as Record<string, unknown>;
    assert.equal(sent.model, 'meta-llama/Llama-3.1-8B');
    assert.equal(sent.max_tokens, 8);
    assert.equal(sent.top_k, 40);
    assert.equal(sent.seed, 7);
    await engine.dispose();
  });

  it('a prompt ending in a space: the grammar asks for a new word, and the blank is not repeated', async () => {
    const s = await server({ 'GET /version': { json: shapes.VLLM_VERSION }, 'GET /v1/models': { json: shapes.VLLM_MODELS }, 'POST /v1/completions': { chunks: ['data: {"choices":[{"index":0,"text":" just","finish_reason":null}]}\n\n', 'data: {"choices":[{"index":0,"text":" so","finish_reason":"length"}]}\n\n', 'data: [DONE]\n\n'] } });
    const engine = new ServerEngine({ url: s.url, kind: 'vllm', model: '' });
    const r = await engine.generate({ prompt: 'of fj ', sampling: { maxNewTokens: 4 } });
    assert.equal(r.text, 'just so');
    const sent = s.requests.find((q) => q.path === '/v1/completions')!.body as { prompt: string; structured_outputs?: { grammar: string } };
    assert.equal(sent.prompt, 'of fj');
    assert.match(sent.structured_outputs!.grammar, /^root ::= " "/);
    await engine.dispose();
  });

  it('n alternatives in one request; a model it does not have is a clear error', async () => {
    const s = await server({ 'GET /version': { json: shapes.VLLM_VERSION }, 'GET /v1/models': { json: shapes.VLLM_MODELS }, 'POST /v1/completions': { chunks: [`data: ${JSON.stringify({ ...shapes.VLLM_ANSWER, choices: shapes.VLLM_ANSWER.choices.map((c) => ({ ...c, logprobs: null })) })}\n\n`, 'data: [DONE]\n\n'] } });
    const engine = new ServerEngine({ url: s.url, kind: 'auto', model: '' });
    const r = await engine.generate({ prompt: 'def fib(n):', sampling: { seed: 1, stopStrings: ['zz'] }, n: 2 });
    assert.deepEqual(r.alternatives!.map((a) => a.text), ['\n    if n < 2:', ' return n']);
    assert.equal((s.requests.find((q) => q.path === '/v1/completions')!.body as { n: number }).n, 2);
    const wrong = new ServerEngine({ url: s.url, kind: 'auto', model: 'llama-9000' });
    await rejectsWith(wrong.generate({ prompt: 'x', sampling: {} }), 'server-model-missing', /has no model "llama-9000"; it has meta-llama\/Llama-3\.1-8B/);
    await engine.dispose();
  });
});

describe('Ollama (recorded shapes)', () => {
  it('is found by /api/version; raw /api/generate with options; NDJSON; token probabilities', async () => {
    const s = await server({
      'GET /api/version': { json: shapes.OLLAMA_VERSION },
      'GET /api/tags': { json: shapes.OLLAMA_TAGS },
      'POST /api/show': { json: shapes.OLLAMA_SHOW },
      'POST /api/generate': { chunks: shapes.OLLAMA_STREAM, contentType: 'application/x-ndjson' },
    });
    const engine = new ServerEngine({ url: s.url, kind: 'auto', model: 'llama3.2' });
    const r = await engine.generate({ prompt: 'Why is the', sampling: { seed: 3, maxNewTokens: 20 }, probabilities: 2 });
    assert.equal(r.text, 'The sky');
    assert.equal(r.stopReason, 'eos');
    assert.deepEqual(engine.description, { kind: 'ollama', model: 'llama3.2:latest', contextLength: 131072, version: '0.12.11', url: s.url });
    assert.equal(r.tokens?.[0]?.alternatives[1]?.text, ' sea');
    const sent = s.requests.find((q) => q.path === '/api/generate')!.body as { raw: boolean; model: string; options: Record<string, unknown>; top_logprobs: number };
    assert.equal(sent.raw, true);
    assert.equal(sent.model, 'llama3.2:latest');
    assert.equal(sent.options.num_predict, 20);
    assert.equal(sent.options.seed, 3);
    assert.equal(sent.top_logprobs, 2);
    await engine.dispose();
  });

  it('verse without a grammar: candidates per line, the best kept, every line whole', async () => {
    const lines = ['The rose is red upon the garden wall', 'and all', 'The violets are blue beneath the sky'];
    const s = await ollamaAnswering(lines);
    const engine = new ServerEngine({ url: s.url, kind: 'ollama', model: '' });
    const poem = 'The morning light is soft upon the hill\nAnd every bird is singing in the tree\n';
    const r = await engine.generate({ prompt: poem, sampling: { seed: 1, maxNewTokens: 80 }, form: { lines: 2 } });
    const out = r.text.split('\n');
    assert.equal(out.length, 2, JSON.stringify(r.text));
    assert.ok(!out.includes('and all'), 'the short candidate is not kept');
    assert.equal(r.stopReason, 'form');
    assert.deepEqual((s.requests.filter((q) => q.path === '/api/generate')[0]!.body as { options: { stop: string[] } }).options.stop, ['\n']);
    await engine.dispose();
  });
});

describe('verse without a grammar keeps the poem\'s metre', () => {
  it('a Continue\'s line: a candidate in its band but off the foot is written again, the iambic one kept', async () => {
    await loadPronouncingDictionary();
    const off = 'Happiness terrible beautiful sorrow';
    const iambic = 'The summer evening settles on the lake';
    assert.ok(!keepsFoot(off, 'iamb') && keepsFoot(iambic, 'iamb'), 'the hand-made lines are what they claim');
    const s = await ollamaAnswering([off, iambic]);
    const engine = new ServerEngine({ url: s.url, kind: 'ollama', model: '' });
    const poem = 'Shall I compare thee to a summer day?\nThou art more lovely and more temperate.\nRough winds do shake the darling buds of May,\nAnd summer has too short a lease to stay.\n';
    const r = await engine.generate({ prompt: poem, sampling: { seed: 1, maxNewTokens: 80 }, form: { lines: 1 } });
    assert.equal(r.text, iambic);
    assert.equal(s.requests.filter((q) => q.path === '/api/generate').length, 2, 'the off-foot candidate, then one that keeps it');
    await engine.dispose();
  });
});

describe('verse without a grammar opens a rhyme well', () => {
  it('rhyme mode: a line a later one is to answer does not end on a sound the stanza has used', async () => {
    await loadPronouncingDictionary();
    const taken = 'The wind is blowing on the hill';
    const fresh = 'The summer sun is shining bright';
    const s = await ollamaAnswering([taken, fresh]);
    const engine = new ServerEngine({ url: s.url, kind: 'ollama', model: '' });
    // ABAB: the fifth line opens the next quatrain's first rhyme; "hill" is the first quatrain's.
    const quatrain = 'The morning light is on the hill,\nThe river runs along the stone,\nThe little birds are singing still,\nAnd I am walking all alone.\n';
    const r = await engine.generate({ prompt: quatrain, sampling: { seed: 1, maxNewTokens: 80 }, form: { lines: 1, rhyme: true } });
    assert.equal(r.text, fresh);
    assert.equal(s.requests.filter((q) => q.path === '/api/generate').length, 2, 'the taken sound, then a fresh one');
    await engine.dispose();
  });
});

describe('OpenAI-compatible (LM Studio, recorded shapes)', () => {
  it('falls back to /v1/models; a prompt ending in a space keeps it (no grammar there)', async () => {
    const s = await server({ 'GET /v1/models': { json: shapes.OPENAI_MODELS }, 'POST /v1/completions': { chunks: shapes.OPENAI_STREAM } });
    const engine = new ServerEngine({ url: s.url, kind: 'auto', model: '' });
    const r = await engine.generate({ prompt: 'The meaning of life is ', sampling: { maxNewTokens: 9 } });
    assert.equal(r.text, ' to find your purpose, and once you have');
    assert.equal(engine.description?.kind, 'openai');
    assert.equal((s.requests.find((q) => q.path === '/v1/completions')!.body as { prompt: string }).prompt, 'The meaning of life is ');
    await engine.dispose();
  });
});

describe('failures: one clear error, nothing kept, the next request works', () => {
  it('connection refused names the server and asks whether it is running', async () => {
    const s = await server({});
    const url = s.url;
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    const engine = new ServerEngine({ url, kind: 'llama.cpp', model: '' });
    await rejectsWith(engine.generate({ prompt: 'x', sampling: {} }), 'server-unreachable', /llama-server at 127\.0\.0\.1:\d+ refused the connection — is it running\?/);
    assert.equal(engine.state, 'error');
  });

  it('401 asks for the key; the key goes out as a bearer token and never into a message', async () => {
    const s = await server({ 'GET /v1/models': { json: shapes.OPENAI_MODELS }, 'POST /v1/completions': (body) => ({ status: 401, text: shapes.LLAMA_AUTH_ERROR, json: body }) });
    const engine = new ServerEngine({ url: s.url, kind: 'openai', model: '', apiKey: () => Promise.resolve('sk-secret-123') });
    await assert.rejects(engine.generate({ prompt: 'x', sampling: {} }), (e: EngineRequestError) => e.code === 'server-unauthorized' && /Set Server API Key/.test(e.message) && !e.message.includes('sk-secret'));
    assert.equal(s.requests.at(-1)!.headers.authorization, 'Bearer sk-secret-123');
  });

  it('a stream cut halfway is an error with nothing kept; the next request works', async () => {
    const s = await server({ 'GET /v1/models': { json: shapes.OPENAI_MODELS }, 'POST /v1/completions': { chunks: shapes.OPENAI_STREAM, cutAfter: 1 } });
    const engine = new ServerEngine({ url: s.url, kind: 'openai', model: '' });
    let streamed = '';
    await rejectsWith(engine.generate({ prompt: 'x', sampling: {}, stream: true }, { onToken: (t) => (streamed += t) }), 'server-failed', /stopped answering halfway; nothing was inserted/);
    s.route('POST /v1/completions', { chunks: shapes.OPENAI_STREAM });
    const r = await engine.generate({ prompt: 'x', sampling: {} });
    assert.equal(r.text, ' to find your purpose, and once you have');
    assert.equal(engine.state, 'ready');
  });

  it('a server that goes silent mid-stream times out; the caller\'s abort ends a request at once as cancelled', async () => {
    const s = await server({ 'GET /v1/models': { json: shapes.OPENAI_MODELS }, 'POST /v1/completions': { chunks: shapes.OPENAI_STREAM, pauseMs: 2000 } });
    const engine = new ServerEngine({ url: s.url, kind: 'openai', model: '', silenceTimeoutMs: 300 });
    await rejectsWith(engine.generate({ prompt: 'x', sampling: {} }), 'server-failed', /stopped answering halfway/);
    const abort = new AbortController();
    const started = Date.now();
    const pending = engine.generate({ prompt: 'x', sampling: {} }, { signal: abort.signal });
    setTimeout(() => abort.abort(), 100);
    const r = await pending;
    assert.equal(r.stopReason, 'cancelled');
    assert.ok(Date.now() - started < 1000, 'cancelled within a second');
  });

  it('a newer request from the same caller cancels the older (latest wins)', async () => {
    const s = await server({ 'GET /v1/models': { json: shapes.OPENAI_MODELS }, 'POST /v1/completions': { chunks: shapes.OPENAI_STREAM, pauseMs: 150 } });
    const engine = new ServerEngine({ url: s.url, kind: 'openai', model: '' });
    const first = engine.generate({ prompt: 'a', sampling: {}, caller: 'ghost:doc' });
    await new Promise((r) => setTimeout(r, 50));
    const second = engine.generate({ prompt: 'ab', sampling: {}, caller: 'ghost:doc' });
    assert.equal((await first).stopReason, 'cancelled');
    assert.equal((await second).text, ' to find your purpose, and once you have');
  });

  it('context exceeded and a rejected grammar say what happened', async () => {
    const s = await server({ 'GET /props': { json: shapes.LLAMA_PROPS }, 'POST /completion': { status: 400, text: shapes.LLAMA_CONTEXT_ERROR } });
    const engine = new ServerEngine({ url: s.url, kind: 'auto', model: '' });
    await rejectsWith(engine.generate({ prompt: 'x', sampling: {} }), 'server-context-exceeded', /does not fit its context \(request \(9412 tokens\) exceeds/);
    s.route('POST /completion', { status: 400, text: shapes.LLAMA_GRAMMAR_ERROR });
    await rejectsWith(engine.generate({ prompt: 'A line of verse,\nand another\n', sampling: {}, form: { lines: 1 } }), 'server-grammar-rejected', /rejected the grammar Inkling sent/);
  });
});
