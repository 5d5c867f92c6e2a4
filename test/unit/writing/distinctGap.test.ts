// eval-form's distinct-2 beside plain sampling: the gap, and how often label swaps give one as low.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { distinctGap, type ArmPair } from '../../../src/writing/verse/distinctGap';
import { distinctN } from '../../../src/writing/verse/formMetrics';

/** A line of words no other line has: every bigram in it is new. */
const line = (k: number) => ['river', 'stone', 'candle', 'harbour'].map((w) => `${w}${k}`).join(' ');

describe('distinct-2 gap to plain sampling', () => {
  test('the same continuations in both arms: no gap, and every swap gives one as low', () => {
    const poems: ArmPair[] = Array.from({ length: 10 }, (_, k) => [[line(k)], [line(k)]]);
    assert.deepEqual(distinctGap(poems), { gap: 0, chanceAsLow: 1 });
  });

  test('an arm that repeats itself in every poem lies well below plain, and swaps seldom give a gap that low', () => {
    const poems: ArmPair[] = Array.from({ length: 20 }, (_, k) => [['of the night and the day of the night'], [line(k)]]);
    const { gap, chanceAsLow } = distinctGap(poems);
    assert.ok(gap < -0.5, `gap ${gap}`);
    assert.ok(chanceAsLow < 0.01, `chance ${chanceAsLow}`);
  });

  test('an arm more varied than plain: a positive gap that swaps give as low most of the time', () => {
    const poems: ArmPair[] = Array.from({ length: 20 }, (_, k) => [[line(k)], ['of the night and the day of the night']]);
    const { gap, chanceAsLow } = distinctGap(poems);
    assert.ok(gap > 0.5, `gap ${gap}`);
    assert.ok(chanceAsLow > 0.99, `chance ${chanceAsLow}`);
  });

  test('the same seed gives the same chance (a report can be reproduced), and the gap is distinct-n\'s own', () => {
    const poems: ArmPair[] = Array.from({ length: 12 }, (_, k) => [[line(k), line(k + 1)], [line(k + 2), k % 3 ? line(k) : 'of the night']]);
    assert.deepEqual(distinctGap(poems, 2, 7), distinctGap(poems, 2, 7));
    for (const n of [1, 2, 3]) {
      const expected = distinctN(poems.flatMap((p) => p[0]), n) - distinctN(poems.flatMap((p) => p[1]), n);
      assert.ok(Math.abs(distinctGap(poems, n).gap - expected) < 1e-12, `n = ${n}`);
    }
  });
});
