/**
 * The copy-free decode loop (a model whose KV cache is input-only buffers the loop owns, see
 * models/recipe/export_kvin.py) against the transformers.js graph of the same weights, on the
 * test model: the same logits, and every decoding path — greedy past several buffer growths,
 * seeded samples in a batch, beam search, a banned phrase's rewind, token probabilities, the
 * prompt cache — gives the same text.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EngineClient } from '../../src/client/engineClient';
import { LanguageModel } from '../../src/engine/model/languageModel';
import { emptyCache } from '../../src/engine/model/kvCache';
import { Generator } from '../../src/engine/decode/generator';
import { repoRoot, testModelDir, workerPath } from '../support/paths';

const copyFreeDir = join(repoRoot, 'test', 'fixtures', 'kvin-stories260K');
const prompt = 'Once upon a time, there was a little girl named Lily. She';

describe('the copy-free decode loop', () => {
  let fast: EngineClient;
  let standard: EngineClient;
  before(async () => {
    fast = new EngineClient({ workerPath });
    standard = new EngineClient({ workerPath });
    await fast.load({ dir: copyFreeDir, dtype: 'fp32', threads: 1 });
    await standard.load({ dir: testModelDir, dtype: 'fp32', threads: 1 });
  });
  after(async () => {
    await fast.dispose();
    await standard.dispose();
  });

  test('the model reads as copy-free, and its logits match the standard graph through prefill and steps', async () => {
    const a = await LanguageModel.load({ dir: copyFreeDir, dtype: 'fp32', threads: 1 });
    const b = await LanguageModel.load({ dir: testModelDir, dtype: 'fp32', threads: 1 });
    try {
      assert.equal(a.copyFree, true);
      assert.equal(b.copyFree, false);
      const ids = a.encode(prompt);
      // Prefill in chunks of 5 (several buffer growths), then steps.
      let ra = await a.forward([ids], emptyCache(a.layout), 5);
      let rb = await b.forward([ids], emptyCache(b.layout), 5);
      let worst = 0;
      for (let step = 0; step < 80; step++) {
        for (let i = 0; i < ra.logits.length; i++) worst = Math.max(worst, Math.abs(ra.logits[i]! - rb.logits[i]!));
        let next = 0;
        for (let i = 1; i < ra.logits.length; i++) if (ra.logits[i]! > ra.logits[next]!) next = i;
        ra = await a.forward([[next]], ra.cache);
        rb = await b.forward([[next]], rb.cache);
      }
      assert.ok(worst < 1e-3, `largest logit difference ${worst}`);
      assert.equal(ra.cache.length, ids.length + 80);
      assert.ok(ra.cache.capacity! >= ra.cache.length && ra.cache.capacity! % 64 === 0, `capacity ${ra.cache.capacity} in steps of 64`);
    } finally {
      await a.dispose();
      await b.dispose();
    }
  });

  test('greedy, seeded batches, beam search and token probabilities give the standard graph\'s text', async () => {
    const requests = [
      { prompt, sampling: { strategy: 'greedy' as const, maxNewTokens: 150, repetitionPenalty: 1 } },
      { prompt, sampling: { seed: 5, temperature: 0.9, maxNewTokens: 40 }, n: 3 },
      { prompt, sampling: { strategy: 'beam' as const, numBeams: 3, maxNewTokens: 24 } },
      { prompt, sampling: { seed: 9, maxNewTokens: 20, dryMultiplier: 0.8 }, probabilities: 3 },
    ];
    for (const r of requests) {
      const x = await fast.generate(r);
      const y = await standard.generate(r);
      assert.equal(x.text, y.text, JSON.stringify(r.sampling));
      assert.deepEqual(x.alternatives?.map((s) => s.text), y.alternatives?.map((s) => s.text));
      if (r.probabilities) assert.deepEqual(x.tokens?.map((t) => t.text), y.tokens?.map((t) => t.text));
    }
  });

  test('a banned phrase rewinds the buffers and the prompt cache carries over to the next keystroke', async () => {
    const base = { seed: 11, temperature: 0.8, maxNewTokens: 60 };
    const plain = await fast.generate({ prompt, sampling: base });
    const words = plain.text.match(/[A-Za-z]+/g) ?? [];
    const ban = { ...base, bannedPhrases: [words.slice(3, 5).join(' ')] };
    const x = await fast.generate({ prompt, sampling: ban });
    const y = await standard.generate({ prompt, sampling: ban });
    assert.equal(x.text, y.text);
    assert.notEqual(x.text, plain.text);
    const next = await fast.generate({ prompt: `${prompt} went`, sampling: base });
    assert.ok(next.stats.reusedTokens >= next.stats.promptTokens - 2, `reused ${next.stats.reusedTokens} of ${next.stats.promptTokens}`);
    assert.equal(next.text, (await standard.generate({ prompt: `${prompt} went`, sampling: base })).text);
  });

  test('samples written one after another when a batch passes the cache budget are the batch\'s samples, each its own seed\'s', async () => {
    const model = await LanguageModel.load({ dir: copyFreeDir, dtype: 'fp32', threads: 1 });
    try {
      const hooks = { isCancelled: () => false };
      const sampling = { seed: 5, temperature: 0.9, maxNewTokens: 40 };
      // The rows of every pass the model runs: a batch runs three, one after another only one.
      const rows = new Set<number>();
      const forward = model.forward.bind(model);
      model.forward = (tokens, cache, chunk) => (rows.add(tokens.length), forward(tokens, cache, chunk));
      const batched = await new Generator(model).generate({ prompt, sampling, n: 3 }, hooks);
      assert.deepEqual([...rows].sort(), [1, 3], 'the default budget holds three rows of the test model');
      rows.clear();
      const tight = new Generator(model, { batchCacheBudget: 0 });
      const oneByOne = await tight.generate({ prompt, sampling, n: 3 }, hooks);
      assert.deepEqual([...rows], [1], 'over the budget, one row at a time');
      const texts = (r: typeof batched) => r.alternatives?.map((a) => a.text);
      assert.equal(new Set(texts(oneByOne)).size, 3, 'three different samples');
      assert.deepEqual(texts(oneByOne), texts(batched));
      assert.deepEqual(oneByOne.alternatives?.map((a) => a.seed), [5, 6, 7]);
      for (const [i, seed] of [5, 6, 7].entries()) {
        const single = await new Generator(model).generate({ prompt, sampling: { ...sampling, seed } }, hooks);
        assert.equal(single.text, texts(oneByOne)![i], `seed ${seed}`);
      }
      // The prompt's cache, written over by each sample in turn, still serves the next keystroke.
      const next = await tight.generate({ prompt: `${prompt} went`, sampling }, hooks);
      assert.ok(next.stats.reusedTokens >= next.stats.promptTokens - 2, `reused ${next.stats.reusedTokens} of ${next.stats.promptTokens}`);
      assert.equal(next.text, (await new Generator(model).generate({ prompt: `${prompt} went`, sampling }, hooks)).text);
    } finally {
      await model.dispose();
    }
  });

  test('key/value buffers grow in place, and every row\'s positions survive the move', async () => {
    const model = await LanguageModel.load({ dir: copyFreeDir, dtype: 'fp32', threads: 1 });
    try {
      const ids = model.encode(prompt);
      let { cache } = await model.forward([ids], emptyCache(model.layout));
      const buffers = cache.data.map((d) => d.buffer);
      // Past 64 positions the buffers grow to 128: in place, the four heads' rows moved apart.
      const fed = [...ids];
      let logits: Float32Array | null = null;
      while (cache.length < 100) {
        const token = fed.length % 7 + 3;
        fed.push(token);
        ({ cache, logits } = await model.forward([[token]], cache));
      }
      assert.equal(cache.capacity, 128);
      assert.ok(cache.data.every((d, i) => d.buffer === buffers[i]), 'the same buffers, grown: nothing left behind');
      // The same tokens in one fresh prefill (chunked, grown by copying from an empty cache) give the same next-token logits.
      const fresh = await model.forward([fed], emptyCache(model.layout));
      const gap = Math.max(...logits!.map((x, i) => Math.abs(x - fresh.logits[i]!)));
      assert.ok(gap < 1e-3, `largest logit gap ${gap}`);
    } finally {
      await model.dispose();
    }
  });

  test('the between-passes hook runs before every pass, a chunked prefill\'s and each decode step\'s, after any collection', async () => {
    const model = await LanguageModel.load({ dir: copyFreeDir, dtype: 'fp32', threads: 1 });
    try {
      const order: string[] = [];
      model.beforePass = () => order.push('hook');
      const tokens = model.encode(prompt);
      let { cache } = await model.forward([tokens], emptyCache(model.layout), 4);
      model.forgetOutgrown();
      model.collectOutgrown = { bytes: 1, collect: () => order.push('collect') };
      const prefillPasses = Math.ceil(tokens.length / 4);
      assert.equal(order.filter((o) => o === 'hook').length, prefillPasses, `${tokens.length} tokens in chunks of 4`);
      order.length = 0;
      // A cache let go counts as outgrown: collected before the next pass, then the hook, then the pass.
      model.letGo(cache);
      while (cache.length < 70) cache = (await model.forward([[1]], cache)).cache;
      assert.equal(order.filter((o) => o === 'hook').length, 70 - tokens.length, 'once a decode step');
      assert.deepEqual(order.slice(0, 2), ['collect', 'hook']);
      assert.equal(order.filter((o) => o === 'collect').length, 70 - tokens.length, "after the first, each pass's outputs count as outgrown");
    } finally {
      model.beforePass = null;
      model.collectOutgrown = null;
      await model.dispose();
    }
  });

  test('a prompt that shares nothing with the last one lets its cache go to the collector; a prompt that extends it keeps it', async () => {
    const model = await LanguageModel.load({ dir: copyFreeDir, dtype: 'fp32', threads: 1 });
    try {
      const hooks = { isCancelled: () => false };
      const sampling = { seed: 5, temperature: 0.9, maxNewTokens: 8 };
      const generator = new Generator(model);
      const let_go: number[] = [];
      const letGo = model.letGo.bind(model);
      model.letGo = (cache) => (let_go.push(cache.data.reduce((sum, d) => sum + d.byteLength, 0)), letGo(cache));
      await generator.generate({ prompt, sampling }, hooks);
      const grown = await generator.generate({ prompt: `${prompt} went`, sampling }, hooks);
      assert.ok(grown.stats.reusedTokens > 0);
      assert.deepEqual(let_go, [], 'the same buffers go on: nothing let go');
      // After a Continue's longer window (buffers grown past 64 positions), ghost text's shorter
      // one starts elsewhere in the text: only the beginning-of-text token is shared.
      await generator.generate({ prompt: `${prompt} ${'went to the park and played with her ball. '.repeat(4)}`, sampling: { ...sampling, maxNewTokens: 64 } }, hooks);
      assert.deepEqual(let_go, []);
      model.forgetOutgrown();
      const passes: string[] = [];
      model.collectOutgrown = { bytes: 1, collect: () => passes.push('collect') };
      const forward = model.forward.bind(model);
      model.forward = (tokens, cache, chunk) => (passes.push('pass'), forward(tokens, cache, chunk));
      const other = await generator.generate({ prompt: 'The dog ran to the park and barked at a big red ball.', sampling }, hooks);
      assert.equal(other.stats.reusedTokens, 0, 'the big buffers are not written over');
      assert.equal(let_go.length, 1);
      const small = await generator.generate({ prompt: 'Lily and Tom had a small red boat.', sampling }, hooks);
      assert.equal(small.stats.reusedTokens, 1, 'buffers that fit are written over from the shared first token');
      assert.equal(let_go.length, 1);
      assert.ok(let_go[0]! > 0, 'the old buffers are counted');
      assert.deepEqual(passes.slice(0, 2), ['pass', 'collect'], 'collected in the new prompt\'s first pass, before it runs the model');
      model.collectOutgrown = null;
    } finally {
      await model.dispose();
    }
  });
});
