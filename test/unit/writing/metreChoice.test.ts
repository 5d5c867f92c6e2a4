import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseLineForMetre, lineKeepsForm } from '../../../src/writing/verse/sound/metreChoice';
import { keepsFoot } from '../../../src/writing/verse/sound/metre';
import { lineRhymeKey } from '../../../src/writing/verse/sound/rhyme';
import { loadPronouncingDictionary } from '../../../src/writing/verse/sound/pronouncingDictionary';
import { candidateSeed, lineCandidatesFor } from '../../../src/engine/form/linesByChoice';
import { SEED_MAX, validateSampling } from '../../../src/writing/settings/samplingSettings';

before(() => loadPronouncingDictionary());

// Iambic: "The summer evening settles on the lake"; against it: "Beautiful terrible happiness of everything".
const IAMBIC = 'The summer evening settles on the lake';
const OFF = 'Beautiful terrible happiness of everything';

describe('chooseLineForMetre', () => {
  test('the candidate keeping the foot, not merely the first', () => {
    assert.ok(keepsFoot(IAMBIC, 'iamb') && !keepsFoot(OFF, 'iamb'), 'the hand-made lines are what they claim');
    assert.equal(chooseLineForMetre([{ text: OFF, stopReason: 'form' }, { text: IAMBIC, stopReason: 'form' }], 'iamb'), 1);
  });

  test('a line the model finished before one cut by the token budget, whatever its metre', () => {
    assert.equal(chooseLineForMetre([{ text: IAMBIC, stopReason: 'length' }, { text: OFF, stopReason: 'form' }], 'iamb'), 1);
  });

  test('where the line is to rhyme, a rhyming candidate first; then the metre', () => {
    const partner = { partner: lineRhymeKey('And all the world was quiet as a cake')!, band: null, head: '' };
    const rhymingOff = 'Terribly beautifully everything awake';
    assert.equal(chooseLineForMetre([{ text: 'The summer evening settles on the hill', stopReason: 'form' }, { text: rhymingOff, stopReason: 'form' }], 'iamb', partner), 1);
    assert.equal(chooseLineForMetre([{ text: rhymingOff, stopReason: 'form' }, { text: IAMBIC, stopReason: 'form' }], 'iamb', partner), 1, 'both rhyme: the metrical one');
  });

  test('one within its length band before one outside it (the line in progress counted in the first line)', () => {
    const band = { low: 8, high: 12 };
    assert.equal(chooseLineForMetre([{ text: 'The summer evening settles on the lake and all the hills beyond', stopReason: 'form' }, { text: IAMBIC, stopReason: 'form' }], 'iamb', { partner: null, band, head: '' }), 1);
    // "settles on the lake" finishes "The summer evening": ten syllables with the head, five without.
    assert.equal(chooseLineForMetre([{ text: 'on', stopReason: 'form' }, { text: ' settles on the lake', stopReason: 'form' }], null, { partner: null, band, head: 'The summer evening' }), 1);
    assert.equal(lineKeepsForm({ text: ' settles on the lake', stopReason: 'form' }, 'iamb', { partner: null, band, head: 'The summer evening' }), true);
    assert.equal(lineKeepsForm({ text: IAMBIC, stopReason: 'length' }, 'iamb'), false, 'cut by the budget');
  });

  test('among equals the first (the request\'s own seed); a blank line before a candidate does not count as a line', () => {
    assert.equal(chooseLineForMetre([{ text: IAMBIC, stopReason: 'form' }, { text: IAMBIC, stopReason: 'form' }], 'iamb'), 0);
    assert.equal(chooseLineForMetre([{ text: OFF, stopReason: 'form' }, { text: `\n${IAMBIC}`, stopReason: 'form' }], 'iamb'), 1);
    assert.equal(chooseLineForMetre([{ text: OFF, stopReason: 'form' }, { text: IAMBIC, stopReason: 'form' }], null), 0, 'no foot, no rhyme: the first');
  });
});

describe('lineCandidatesFor', () => {
  const verse = { lines: 4 };
  test('a command\'s verse continuation: two candidates a line by default, as many as the form asks (1–8)', () => {
    assert.equal(lineCandidatesFor({ prompt: 'x', sampling: {} }, verse), 2);
    assert.equal(lineCandidatesFor({ prompt: 'x', sampling: {} }, { lines: 4, lineCandidates: 5 }), 5);
    assert.equal(lineCandidatesFor({ prompt: 'x', sampling: {} }, { lines: 4, lineCandidates: 50 }), 8);
  });

  test('one line as sampled for ghost text (no lines), alternatives, greedy and beam search; token probabilities change nothing', () => {
    assert.equal(lineCandidatesFor({ prompt: 'x', sampling: {} }, {}), 1);
    assert.equal(lineCandidatesFor({ prompt: 'x', sampling: {} }, undefined), 1);
    assert.equal(lineCandidatesFor({ prompt: 'x', sampling: {} }, { paragraph: true, lines: 1 }), 1, 'a prose paragraph has no metre');
    assert.equal(lineCandidatesFor({ prompt: 'x', sampling: {}, n: 3 }, verse), 1);
    assert.equal(lineCandidatesFor({ prompt: 'x', sampling: { strategy: 'greedy' } }, verse), 1);
    assert.equal(lineCandidatesFor({ prompt: 'x', sampling: { strategy: 'beam', numBeams: 3 } }, verse), 1);
    assert.equal(lineCandidatesFor({ prompt: 'x', sampling: {}, probabilities: 5 }, verse), 2, 'word alternatives on: the same lines, with their probabilities');
    assert.equal(lineCandidatesFor({ prompt: 'x', sampling: {}, probabilities: 1 }, { lines: 4, lineCandidates: 3 }), 3, 'eval-form sets it');
  });
});

describe('candidateSeed', () => {
  test('the request\'s own seed first, then seeds the sampler accepts (a rejected one would fall back to a random seed: the same request no longer wrote the same text)', () => {
    assert.equal(candidateSeed(3, 0, 0), 3);
    for (const seed of [0, 1, 3, 7, 2 ** 31 - 1, SEED_MAX]) {
      for (let line = 0; line < 12; line++) {
        for (let j = 0; j < 8; j++) {
          const s = candidateSeed(seed, line, j);
          assert.ok(Number.isInteger(s) && s >= 0 && s <= SEED_MAX, `${seed}/${line}/${j} → ${s}`);
          assert.equal(validateSampling({ seed: s }).settings.seed, s, 'kept as given');
        }
      }
    }
  });

  test('neighbouring requests\' seeds do not share candidates (alternatives, eval-form samples)', () => {
    const of = (seed: number) => new Set(Array.from({ length: 8 }, (_, line) => Array.from({ length: 3 }, (_, j) => candidateSeed(seed, line, j))).flat());
    const a = of(100);
    const b = of(101);
    assert.equal([...a].filter((s) => b.has(s)).length, 0);
  });
});
