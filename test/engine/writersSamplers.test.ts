/**
 * The samplers fiction writers use, on the real test model: banned phrases rewind and never
 * appear (streamed or not, one sample or several, beam search too), DRY lowers the repeats of a
 * prompt that loops, XTC steers away from the obvious choice.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EngineClient } from '../../src/client/engineClient';
import { validateSampling } from '../../src/writing/settings/samplingSettings';
import { BannedPhrases } from '../../src/writing/settings/bannedPhrases';
import { execFileSync } from 'node:child_process';
import { cliPath, testModelDir, workerPath } from '../support/paths';

const prompt = 'Once upon a time, there was a little girl named Lily. She loved to play outside. One day,';
const spec = { dir: testModelDir, dtype: 'fp32' as const, threads: 1 };

/** Word 4-grams of `text` already seen (in it or in its prompt), per 1,000 words: how much a text loops. */
function repeatsPerThousand(text: string, promptText = ''): number {
  const words = text.toLowerCase().match(/[\p{L}']+/gu) ?? [];
  const before = promptText.toLowerCase().match(/[\p{L}']+/gu) ?? [];
  const seen = new Set<string>();
  for (let i = 0; i + 4 <= before.length; i++) seen.add(before.slice(i, i + 4).join(' '));
  let repeats = 0;
  for (let i = 0; i + 4 <= words.length; i++) {
    const gram = words.slice(i, i + 4).join(' ');
    if (seen.has(gram)) repeats++;
    seen.add(gram);
  }
  return words.length ? (repeats * 1000) / words.length : 0;
}

describe('samplers for fiction', () => {
  let client: EngineClient;
  before(async () => {
    client = new EngineClient({ workerPath });
    await client.load(spec);
  });
  after(async () => {
    await client.dispose();
  });

  test('a phrase the model writes with a fixed seed is absent once banned, and the text still reads', async () => {
    const base = { seed: 11, temperature: 0.8, topK: 40, maxNewTokens: 80 };
    const plain = await client.generate({ prompt, sampling: validateSampling(base).settings });
    // Ban a two- and a three-word phrase the model wrote (found in its own text, so the test
    // holds for any test model): each takes several tokens, so a per-token ban could not stop it.
    const words = plain.text.match(/[A-Za-z]+/g) ?? [];
    assert.ok(words.length >= 12, plain.text);
    const phrases = [words.slice(2, 4).join(' '), words.slice(6, 9).join(' ')];
    const before = new BannedPhrases(phrases);
    assert.ok(before.find(plain.text, true), `the unbanned text contains a phrase: ${phrases.join(' | ')}`);

    const streamed: string[] = [];
    const sampling = validateSampling({ ...base, bannedPhrases: phrases }).settings;
    const banned = await client.generate({ prompt, sampling, stream: true }, { onToken: (t) => streamed.push(t) });
    assert.equal(before.find(banned.text, true), null, `no banned phrase in: ${banned.text}`);
    assert.ok((banned.text.match(/[A-Za-z]+/g) ?? []).length >= 8, `the text goes on past the ban: ${JSON.stringify(banned.text)}`);
    assert.equal(streamed.join(''), banned.text, 'what was streamed is exactly the final text: a rewind never takes back what was shown');
    assert.notEqual(banned.text, plain.text);

    // The same request is reproducible.
    const again = await client.generate({ prompt, sampling });
    assert.equal(again.text, banned.text);
  });

  test('alternatives and beam search keep the ban too', async () => {
    const base = { seed: 5, temperature: 0.9, topK: 40, maxNewTokens: 40 };
    const plain = await client.generate({ prompt, sampling: validateSampling(base).settings, n: 3 });
    const texts = (plain.alternatives ?? []).map((a) => a.text);
    const words = texts.join(' ').match(/[A-Za-z]+/g) ?? [];
    // The word the three samples use most, banned alone.
    const counts = new Map<string, number>();
    for (const w of words) counts.set(w.toLowerCase(), (counts.get(w.toLowerCase()) ?? 0) + 1);
    const common = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    const ban = new BannedPhrases([common]);
    assert.ok(texts.some((t) => ban.find(t, true)));
    const r = await client.generate({ prompt, sampling: validateSampling({ ...base, bannedPhrases: [common] }).settings, n: 3 });
    assert.equal(r.alternatives?.length, 3);
    for (const a of r.alternatives!) {
      assert.equal(ban.find(a.text, true), null, `"${common}" in ${a.text}`);
      assert.ok(a.text.trim().length > 0);
    }
    const beam = await client.generate({ prompt, sampling: validateSampling({ strategy: 'beam', numBeams: 3, maxNewTokens: 24, bannedPhrases: [common] }).settings });
    assert.equal(ban.find(beam.text, true), null, beam.text);
    assert.ok(beam.text.trim().length > 0);
  });

  test('DRY lowers the repeats of a prompt that loops', async () => {
    const loop = 'The cat sat on the mat. The dog sat on the log. The cat sat on the mat. The dog sat on the log. The cat sat on the mat.';
    const base = { strategy: 'greedy' as const, repetitionPenalty: 1, maxNewTokens: 160 };
    const plain = await client.generate({ prompt: loop, sampling: validateSampling(base).settings });
    const dry = await client.generate({ prompt: loop, sampling: validateSampling({ ...base, dryMultiplier: 0.8 }).settings });
    const a = repeatsPerThousand(plain.text, loop);
    const b = repeatsPerThousand(dry.text, loop);
    console.log(`repeated 4-grams per 1,000 words: ${a.toFixed(0)} without DRY, ${b.toFixed(0)} with DRY 0.8/1.75/2`);
    assert.ok(a > 60, `the text loops without DRY (${a.toFixed(0)}): ${plain.text}`);
    assert.ok(b < a / 2, `DRY at least halves the repeats: ${a.toFixed(0)} → ${b.toFixed(0)}: ${dry.text}`);
  });

  test('XTC takes a less obvious turn: lower model probability over the same seeds', async () => {
    const base = { temperature: 1, topK: 0, topP: 1, minP: 0.02, repetitionPenalty: 1, maxNewTokens: 60 };
    // The mean log-probability under the unmodified model is reported with token probabilities.
    const mean = async (extra: object) => {
      let sum = 0;
      for (const seed of [1, 2, 3, 4]) sum += (await client.generate({ prompt, sampling: validateSampling({ ...base, ...extra, seed }).settings, probabilities: 1 })).meanLogProb;
      return sum / 4;
    };
    const plain = await mean({});
    const xtc = await mean({ xtcProbability: 1, xtcThreshold: 0.1 });
    console.log(`mean log-probability per token: ${plain.toFixed(3)} plain, ${xtc.toFixed(3)} with XTC 1/0.1`);
    assert.ok(plain < 0 && xtc < plain - 0.1, `${xtc} < ${plain}`);
  });

  test('the CLI takes --ban (repeatable), --dry and --xtc', () => {
    const run = (...extra: string[]) =>
      JSON.parse(execFileSync(process.execPath, [cliPath, 'continue', '-', '--model', testModelDir, '--form', 'free', '--seed', '11', '--max-tokens', '40', '--json', ...extra], { input: 'Once upon a time', encoding: 'utf8' })) as { text: string };
    const plain = run().text;
    const bans = new BannedPhrases(['little girl', 'named lily']);
    assert.ok(bans.find(plain, true), plain);
    const banned = run('--ban', 'little girl', '--ban', 'Named Lily').text;
    assert.equal(bans.find(banned, true), null, banned);
    assert.ok(banned.length > 40, banned);
    assert.notEqual(run('--dry', '0.8', '--xtc', '1').text, plain);
  });
});
