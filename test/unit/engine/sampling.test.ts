import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyDry,
  applyNoRepeatNgram,
  applyRepetitionPenalty,
  argmax,
  bannedByNgram,
  candidateDistribution,
  drawCandidate,
  excludeTopChoices,
  logSoftmax,
  logSumExp,
  Rng,
  selectScored,
  selectToken,
  topIndices,
} from '../../../src/engine/decode/sampling';
import { DEFAULT_SAMPLING, type SamplingSettings } from '../../../src/writing/settings/samplingSettings';

/** Logits whose softmax is exactly `probs`. */
function logitsOf(probs: number[]): Float32Array {
  return Float32Array.from(probs.map((p) => (p > 0 ? Math.log(p) : -Infinity)));
}

const off = { temperature: 1, topK: 0, topP: 1, minP: 0, typicalP: 1 };
const ids = (c: { id: number }[]) => c.map((x) => x.id);

test('Rng is deterministic per seed and uniform-ish', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const xs = Array.from({ length: 1000 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.next()));
  assert.notDeepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => new Rng(43).next()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
});

test('topIndices returns the k largest, largest first, ties by id', () => {
  const v = [0.1, 0.9, 0.3, 0.9, 0.5];
  assert.deepEqual(topIndices(v, 3), [1, 3, 4]);
  assert.deepEqual(topIndices(v, 10), [1, 3, 4, 2, 0]);
  const big = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 10);
  const expected = Array.from(big.keys()).sort((a, b) => big[b]! - big[a]!).slice(0, 20);
  assert.deepEqual(topIndices(big, 20), expected);
});

test('topIndices agrees with a full sort on random rows with ties and banned entries', () => {
  let seed = 5;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let t = 0; t < 200; t++) {
    const n = 1 + Math.floor(rand() * 300);
    const row = Float32Array.from({ length: n }, () => (rand() < 0.2 ? -Infinity : Math.round(rand() * 8) / 2));
    const k = Math.floor(rand() * (n + 3));
    const expected = Array.from(row.keys()).sort((a, b) => (row[b]! === row[a]! ? a - b : row[b]! > row[a]! ? 1 : -1)).slice(0, k);
    assert.deepEqual(topIndices(row, k), expected, `n ${n}, k ${k}`);
  }
});

test('no filter keeps the whole distribution', () => {
  const c = candidateDistribution(logitsOf([0.5, 0.3, 0.2]), off);
  assert.deepEqual(ids(c), [0, 1, 2]);
  c.forEach((x, i) => assert.ok(Math.abs(x.prob - [0.5, 0.3, 0.2][i]!) < 1e-6));
});

test('temperature sharpens below 1 and flattens above', () => {
  const base = logitsOf([0.6, 0.3, 0.1]);
  const cold = candidateDistribution(base, { ...off, temperature: 0.5 });
  const hot = candidateDistribution(base, { ...off, temperature: 2 });
  assert.ok(cold[0]!.prob > 0.6 + 0.1);
  assert.ok(hot[0]!.prob < 0.6 - 0.1);
  // p^(1/T) renormalised
  const z = 0.6 ** 2 + 0.3 ** 2 + 0.1 ** 2;
  assert.ok(Math.abs(cold[0]!.prob - 0.36 / z) < 1e-6);
});

test('top-k keeps exactly k, renormalised', () => {
  const c = candidateDistribution(logitsOf([0.1, 0.4, 0.2, 0.3]), { ...off, topK: 2 });
  assert.deepEqual(ids(c), [1, 3]);
  assert.ok(Math.abs(c[0]!.prob - 0.4 / 0.7) < 1e-6);
});

test('top-p keeps the smallest head reaching p', () => {
  const probs = [0.5, 0.25, 0.15, 0.1];
  assert.deepEqual(ids(candidateDistribution(logitsOf(probs), { ...off, topP: 0.5 })), [0]);
  assert.deepEqual(ids(candidateDistribution(logitsOf(probs), { ...off, topP: 0.7 })), [0, 1]);
  assert.deepEqual(ids(candidateDistribution(logitsOf(probs), { ...off, topP: 0.8 })), [0, 1, 2]);
});

test('top-p grows its sorted head on a large flat vocabulary', () => {
  const V = 1000;
  const c = candidateDistribution(new Float32Array(V), { ...off, topP: 0.5 });
  assert.equal(c.length, 500);
});

test('min-p drops tokens below a fraction of the top one', () => {
  const c = candidateDistribution(logitsOf([0.5, 0.3, 0.15, 0.05]), { ...off, minP: 0.2 });
  assert.deepEqual(ids(c), [0, 1, 2]); // 0.05 < 0.2 × 0.5
});

test('typical-p keeps tokens whose surprise is near the entropy', () => {
  // One very likely token and many unlikely ones: the typical set excludes the mode when p is small.
  const probs = [0.4, ...Array(12).fill(0.05)];
  const c = candidateDistribution(logitsOf(probs), { ...off, typicalP: 0.5 });
  const H = -probs.reduce((s, p) => s + p * Math.log(p), 0);
  assert.ok(Math.abs(-Math.log(0.05) - H) < Math.abs(-Math.log(0.4) - H));
  assert.ok(!ids(c).includes(0), `kept ${ids(c)}`);
  assert.ok(c.length >= 10);
});

test('repetition penalty divides positive and multiplies negative logits of seen tokens', () => {
  const l = Float32Array.from([2, -2, 1, 4]);
  applyRepetitionPenalty(l, [0, 1, 1], 2);
  assert.deepEqual(Array.from(l), [1, -4, 1, 4]);
});

test('repetition penalty touches each distinct seen token once, ignores ids outside the row, and forgets between calls', () => {
  const reference = (l: Float32Array, history: number[], p: number) => {
    for (const id of new Set(history)) if (id >= 0 && id < l.length) l[id] = l[id]! > 0 ? l[id]! / p : l[id]! * p;
  };
  let seed = 9;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let t = 0; t < 100; t++) {
    const n = 1 + Math.floor(rand() * 50);
    const row = Float32Array.from({ length: n }, () => rand() * 10 - 5);
    const history = Array.from({ length: Math.floor(rand() * 80) }, () => Math.floor(rand() * (n + 6)) - 3);
    const ours = row.slice();
    const theirs = row.slice();
    applyRepetitionPenalty(ours, history, 1.3);
    reference(theirs, history, 1.3);
    assert.deepEqual(Array.from(ours), Array.from(theirs), JSON.stringify(history));
  }
});

test('no-repeat n-gram bans the token that would repeat an n-gram', () => {
  // history: a b c a b → with n=3 the next token may not be c
  assert.deepEqual(bannedByNgram([1, 2, 3, 1, 2], 3), [3]);
  assert.deepEqual(bannedByNgram([1, 2, 3, 1, 2], 4), []);
  assert.deepEqual(bannedByNgram([5, 5, 5], 2), [5, 5]);
  const l = new Float32Array(5);
  applyNoRepeatNgram(l, [1, 2, 3, 1, 2], 3);
  assert.equal(l[3], -Infinity);
  assert.equal(l[4], 0);
});

test('greedy picks the argmax after penalties', () => {
  const s: SamplingSettings = { ...DEFAULT_SAMPLING, strategy: 'greedy', repetitionPenalty: 3 };
  const l = Float32Array.from([3, 2.5, 0]);
  assert.equal(selectToken(l, [0], s, new Rng(1)), 1); // 3/3 = 1 < 2.5
  assert.equal(argmax([0, 5, 5, 1]), 1);
});

test('seeded sampling is reproducible and follows the distribution', () => {
  const s: SamplingSettings = { ...DEFAULT_SAMPLING, temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1 };
  const probs = [0.7, 0.2, 0.1];
  const draw = (seed: number) => {
    const rng = new Rng(seed);
    return Array.from({ length: 3000 }, () => selectToken(logitsOf(probs), [], s, rng));
  };
  assert.deepEqual(draw(9), draw(9));
  const counts = [0, 0, 0];
  for (const t of draw(9)) counts[t]!++;
  counts.forEach((c, i) => assert.ok(Math.abs(c / 3000 - probs[i]!) < 0.03, `token ${i}: ${c}`));
});

test('drawCandidate maps the unit interval onto cumulative mass', () => {
  const c = [{ id: 7, prob: 0.5 }, { id: 8, prob: 0.5 }];
  assert.equal(drawCandidate(c, 0.1), 7);
  assert.equal(drawCandidate(c, 0.6), 8);
  assert.equal(drawCandidate(c, 0.9999999), 8);
});

test('selectScored reports the log-probability under the unmodified model', () => {
  const s: SamplingSettings = { ...DEFAULT_SAMPLING, strategy: 'greedy', repetitionPenalty: 1 };
  const { token, logProb } = selectScored(logitsOf([0.25, 0.75]), [], s, new Rng(1));
  assert.equal(token, 1);
  assert.ok(Math.abs(logProb - Math.log(0.75)) < 1e-6);
  assert.ok(Math.abs(logSumExp([0, 0]) - Math.log(2)) < 1e-9);
  const ls = logSoftmax([1, 1, 1, 1]);
  assert.ok(Math.abs(ls[0]! - Math.log(0.25)) < 1e-6);
});

test('a fully banned row is an error, not a silent pick', () => {
  assert.throws(() => candidateDistribution(Float32Array.from([-Infinity, -Infinity]), off), /banned/);
});

test('selectScored reports the unpenalised log-probability even for a penalised token', () => {
  const s: SamplingSettings = { ...DEFAULT_SAMPLING, strategy: 'greedy', repetitionPenalty: 1.5 };
  const probs = [0.9, 0.1];
  const logits = logitsOf(probs);
  // token 0 was seen: its logit log(0.9) < 0 is multiplied by 1.5, still the larger one
  const { token, logProb } = selectScored(logits, [0], s, new Rng(1));
  assert.equal(token, 0);
  assert.ok(Math.abs(logProb - Math.log(0.9)) < 1e-6, `${logProb}`);
});

const dry = { dryMultiplier: 0.8, dryBase: 1.75, dryAllowedLength: 2 };

test('DRY penalises the token that would extend a repetition, growing with its length', () => {
  // History "1 2 3 4 ... 1 2 3": token 4 would repeat a run of 3 (1 2 3 → 4).
  const history = [1, 2, 3, 4, 9, 8, 1, 2, 3];
  const logits = new Float32Array(10);
  const penalties = applyDry(logits, history, dry, undefined);
  assert.ok(Math.abs(logits[4]! - -(0.8 * Math.pow(1.75, 3 - 2))) < 1e-6, `${logits[4]}`);
  // Nothing else was penalised: 9 followed "4", which the end of the history is not.
  for (const id of [0, 1, 2, 3, 5, 6, 7, 8, 9]) assert.equal(logits[id], 0, `token ${id}`);
  assert.deepEqual([...penalties!.keys()], [4]);

  // A longer repeat costs more: base^(n - allowed).
  const longer = new Float32Array(10);
  applyDry(longer, [5, 1, 2, 3, 4, 9, 5, 1, 2, 3], dry, undefined);
  assert.ok(longer[4]! < logits[4]!, `${longer[4]} < ${logits[4]}`);
  assert.ok(Math.abs(longer[4]! - -(0.8 * Math.pow(1.75, 4 - 2))) < 1e-6);
});

test('DRY lets repeats up to the allowed length go free and is off at multiplier 0', () => {
  const logits = new Float32Array(10);
  applyDry(logits, [1, 4, 9, 1], dry, undefined); // a run of 1 before 4
  assert.equal(logits[4], 0);
  applyDry(logits, [1, 2, 3, 4, 1, 2, 3], { ...dry, dryMultiplier: 0 }, undefined);
  assert.ok(logits.every((x) => x === 0));
});

test('DRY does not reach across a sequence breaker', () => {
  const breakers = new Uint8Array(10);
  breakers[7] = 1; // say, a line break
  // Without the breaker "7 1 2" would be a run of 3 before 4; with it, the run is "1 2" (= allowed, penalised at base^0).
  const withBreak = new Float32Array(10);
  applyDry(withBreak, [7, 1, 2, 4, 0, 7, 1, 2], dry, breakers);
  const without = new Float32Array(10);
  applyDry(without, [7, 1, 2, 4, 0, 7, 1, 2], dry, undefined);
  assert.ok(Math.abs(withBreak[4]! - -0.8) < 1e-6, `${withBreak[4]}`);
  assert.ok(without[4]! < withBreak[4]!);
  // A breaker as the last token ends every repetition; a breaker is never penalised as the next token.
  const afterBreak = new Float32Array(10);
  applyDry(afterBreak, [1, 2, 7, 3, 1, 2], dry, breakers);
  assert.equal(afterBreak[7], 0);
  const endsInBreak = new Float32Array(10);
  applyDry(endsInBreak, [1, 7, 3, 1, 7], dry, breakers);
  assert.ok(endsInBreak.every((x) => x === 0));
});

test('selectScored undoes DRY when reporting the log-probability', () => {
  const s: SamplingSettings = { ...DEFAULT_SAMPLING, strategy: 'greedy', repetitionPenalty: 1, ...dry };
  const logits = logitsOf([0.05, 0.05, 0.05, 0.05, 0.8]);
  const { token, logProb } = selectScored(logits, [1, 2, 3, 4, 0, 1, 2, 3], s, new Rng(1));
  assert.equal(token, 4); // still the likeliest after a penalty of 0.8·1.75
  assert.ok(Math.abs(logProb - Math.log(0.8)) < 1e-6, `${logProb}`);
});

test('XTC sets aside every top choice above the threshold but the least likely of them', () => {
  const cands = [
    { id: 0, prob: 0.5 },
    { id: 1, prob: 0.3 },
    { id: 2, prob: 0.15 },
    { id: 3, prob: 0.05 },
  ];
  assert.deepEqual(ids(excludeTopChoices(cands, 0.1)), [2, 3]);
  const kept = excludeTopChoices(cands, 0.1);
  assert.ok(Math.abs(kept[0]!.prob - 0.75) < 1e-9 && Math.abs(kept[1]!.prob - 0.25) < 1e-9);
  // Only one choice above the threshold: nothing to exclude.
  assert.equal(excludeTopChoices(cands, 0.4), cands);
});

test('XTC at probability 1 never picks the likeliest of several strong choices; at 0 the draw is unchanged', () => {
  const probs = [0.4, 0.35, 0.2, 0.05];
  const s: SamplingSettings = { ...DEFAULT_SAMPLING, strategy: 'sample', topK: 0, topP: 1, minP: 0, repetitionPenalty: 1, xtcProbability: 1, xtcThreshold: 0.1 };
  const rng = new Rng(7);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) seen.add(selectToken(logitsOf(probs), [], s, rng));
  assert.deepEqual([...seen].sort(), [2, 3]);
  const a = new Rng(3);
  const b = new Rng(3);
  const offXtc = { ...s, xtcProbability: 0 };
  const plain = { ...DEFAULT_SAMPLING, strategy: 'sample' as const, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1 };
  for (let i = 0; i < 50; i++) assert.equal(selectToken(logitsOf(probs), [], offXtc, a), selectToken(logitsOf(probs), [], plain, b));
});
