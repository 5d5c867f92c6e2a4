/**
 * Token probabilities from Inkling's worker (word alternatives, the CLI's --json): each reported
 * probability is the model's own, after the writer's sampling filters — recomputed here from the
 * model's logits in this process — and asking for them changes nothing about the text, a command's
 * verse lines chosen for the metre included.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineClient } from '../../src/client/engineClient';
import { LanguageModel } from '../../src/engine/model/languageModel';
import { emptyCache } from '../../src/engine/model/kvCache';
import { applyRepetitionPenalty, candidateDistribution } from '../../src/engine/decode/sampling';
import { validateSampling } from '../../src/writing/settings/samplingSettings';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alignTokens } from '../../src/writing/history/wordChoices';
import { cliPath, corpusDir, testModelDir, workerPath } from '../support/paths';

const prompt = 'Once upon a time, there was a little girl named Lily. She';
const spec = { dir: testModelDir, dtype: 'fp32' as const, threads: 1 };

describe('token probabilities', () => {
  let client: EngineClient;
  let model: LanguageModel;
  before(async () => {
    client = new EngineClient({ workerPath });
    await client.load(spec);
    model = await LanguageModel.load(spec);
  });
  after(async () => {
    await client.dispose();
    await model.dispose();
  });

  for (const sampling of [{ strategy: 'greedy' as const, topK: 5, repetitionPenalty: 1 }, { seed: 4, temperature: 0.9, topK: 20, topP: 0.9, repetitionPenalty: 1.2 }]) {
    test(`equal the softmax of the model's logits after the filters (${sampling.strategy ?? 'sample'})`, async () => {
      const settings = validateSampling({ ...sampling, maxNewTokens: 12 }).settings;
      const r = await client.generate({ prompt, sampling: settings, probabilities: 5 });
      const plain = await client.generate({ prompt, sampling: settings });
      assert.equal(r.text, plain.text, 'asking for probabilities changes nothing about the text');
      assert.equal(r.tokens?.length, r.stats.newTokens);
      assert.equal(r.tokens!.map((t) => t.text).join(''), r.text);
      assert.ok(r.meanLogProb < 0, 'the mean log-probability is reported with them');
      // Recompute: the model's logits at each step, the same penalty and filters.
      const ids = model.encode(prompt);
      let out = await model.forward([ids], emptyCache(model.layout));
      const history = ids.slice();
      for (const t of r.tokens!) {
        const logits = out.logits.slice();
        applyRepetitionPenalty(logits, history, settings.repetitionPenalty);
        const cands = candidateDistribution(logits, settings.strategy === 'sample' ? settings : { ...settings, temperature: 1 });
        const chosen = model.encodeContinuation(t.text) ?? [];
        const id = cands.find((c) => (model.pieces[c.id] ?? '') === t.text)?.id ?? chosen[0]!;
        const expected = cands.find((c) => c.id === id)?.prob ?? 0;
        assert.ok(Math.abs(t.probability - expected) < 1e-3, `${JSON.stringify(t.text)}: reported ${t.probability}, the model's ${expected}`);
        assert.deepEqual(t.alternatives.map((a) => a.text), cands.slice(0, 5).map((c) => model.pieces[c.id] ?? ''), 'the likeliest choices, in order');
        for (const [i, a] of t.alternatives.entries()) assert.ok(Math.abs(a.probability - cands[i]!.prob) < 1e-3);
        history.push(id);
        out = await model.forward([[id]], out.cache);
      }
    });
  }

  test('a command\'s verse continuation asked for them writes the same lines, chosen for the metre, and reports the chosen lines\' tokens', async () => {
    const poem = readFileSync(join(corpusDir, 'sonnets-001-077.txt'), 'utf8').split('\n').slice(0, 12).join('\n') + '\n';
    let chosenNotSampled = 0;
    for (const seed of [11, 22, 33, 44]) {
      const sampling = validateSampling({ seed, maxNewTokens: 120 }).settings;
      const r = await client.generate({ prompt: poem, sampling, form: { lines: 4 }, probabilities: 5 });
      const plain = await client.generate({ prompt: poem, sampling, form: { lines: 4 } });
      assert.equal(r.text, plain.text, `seed ${seed}: asking for probabilities changes nothing about the text`);
      assert.ok(r.tokens?.length, 'the tokens are reported');
      // Each line's tokens, in order; the line breaks between lines are in none of them.
      assert.equal(r.tokens!.map((t) => t.text).join('').replace(/\s+/g, ''), r.text.replace(/\s+/g, ''));
      assert.equal(alignTokens(r.tokens!, r.text).length, r.tokens!.length, 'every token finds its place in the text');
      const sampled = await client.generate({ prompt: poem, sampling, form: { lines: 4, lineCandidates: 1 } });
      if (sampled.text !== r.text) chosenNotSampled++;
    }
    assert.ok(chosenNotSampled > 0, 'the lines were chosen, not written as sampled');
  });

  test('the CLI\'s --json reports them as tokens: text, probability, the likeliest alternatives', () => {
    const run = (...extra: string[]) =>
      JSON.parse(execFileSync(process.execPath, [cliPath, 'continue', '-', '--model', testModelDir, '--form', 'free', '--max-tokens', '16', '--seed', '3', '--json', ...extra], { input: prompt, encoding: 'utf8' })) as { text: string; tokens?: { text: string; probability: number; alternatives: { text: string; probability: number }[] }[] };
    const r = run('--probabilities', '4');
    assert.equal(r.tokens?.length, 16);
    assert.equal(r.tokens!.map((t) => t.text).join(''), r.text);
    for (const t of r.tokens!) {
      assert.ok(t.probability > 0 && t.probability <= 1);
      assert.ok(t.alternatives.length >= 1 && t.alternatives.length <= 4);
      for (let i = 1; i < t.alternatives.length; i++) assert.ok(t.alternatives[i - 1]!.probability >= t.alternatives[i]!.probability, 'likeliest first');
    }
    assert.equal(run('--probabilities', '0').tokens, undefined, '0: none asked for');
    assert.equal(run('--probabilities', '0').text, r.text, 'the same text either way');
  });
});
