// The stanza-scheme prior: how a first stanza's next line rhymes, judged by what its lines have
// shown so far (counts over the tuning files, src/writing/verse/schemePrior.ts), on hand-made
// stanzas; and a poem whose finished stanzas rhyme still counts as rhymed while a new stanza
// has not rhymed yet.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { planLine, type LinePlan } from '../../../src/writing/verse/linePlan';
import { analyzePoemForm } from '../../../src/writing/verse/poemForm';
import { loadPronouncingDictionary } from '../../../src/writing/verse/pronouncingDictionary';
import { priorPartner, schemeState } from '../../../src/writing/verse/schemePrior';

const plan = (text: string): LinePlan => planLine(text, { rhyme: true });
const partner = (p: LinePlan) => p.rhymeWith?.word ?? null;

before(() => loadPronouncingDictionary());

describe('stanza-scheme prior', () => {
  test('states: the last four letters relettered, marked when earlier lines came first and whether they rhymed', () => {
    assert.equal(schemeState(['C', 'D']), 'AB');
    assert.equal(schemeState(['A', 'B', 'C', 'D', 'C', 'E']), '+ABAC');
    assert.equal(schemeState(['A', 'A', 'B', 'C', 'D', 'E']), '*ABCD');
    assert.equal(schemeState(['A', null, 'A']), 'A-A');
  });

  test('aims at the likeliest partner only when it is likely enough, never before the stanza began', () => {
    assert.equal(priorPartner(['A', 'B'], 0.35), 2, 'AB → ABA');
    assert.equal(priorPartner(['A', 'B', 'C'], 0.35), 2, 'ABC → ABCB');
    assert.equal(priorPartner(['A', 'B', 'C'], 0.5), null, 'ABCB is 38 %, not half');
    assert.equal(priorPartner(['A', 'B', 'C', 'D'], 0.35), null, 'four lines that never rhymed: none');
    assert.equal(priorPartner(['A', 'B', 'C', 'A'], 0.35), null, 'ABCA: too rare a state to judge');
    assert.equal(priorPartner(['A', 'A', 'B', 'B', 'C'], 0.35), 1, 'couplets: the fifth line opens one, the sixth closes it');
  });

  test('a first stanza begun with two lines that do not rhyme: the third rhymes with the first (ABA…)', () => {
    const p = plan('The morning light upon the hill\nCame slowly through the trees,\n');
    assert.equal(partner(p), 'hill');
  });

  test('three lines that do not rhyme: the fourth rhymes with the second (ABCB)', () => {
    const p = plan('The miller rode at break of day\nAlong the river road,\nAnd every bell in Ashby rang\n');
    assert.equal(partner(p), 'road');
  });

  test('after one line, or four that never rhymed, no rhyme is forced', () => {
    assert.equal(partner(plan('The morning light upon the hill\n')), null);
    assert.equal(partner(plan('The miller rode at break of day\nAlong the river road,\nAnd every bell in Ashby rang\nFor one who would not come again,\n')), null);
  });

  test('a pattern the stanza has shown wins over the prior: couplets go on in couplets', () => {
    const p = plan('The morning light upon the hill\nWas lying golden, warm and still;\nThe swallows turned above the trees\nAnd wheeled upon the evening breeze.\nThe shepherd called his flock to fold\n');
    assert.equal(partner(p), 'fold');
  });
});

describe('a rhymed poem in a new stanza that has not rhymed yet', () => {
  const ballad = 'It was a lady of the north\nWho rode a milk-white steed,\nHer eyes were like the winter stars,\nHer heart was cold indeed.\n\nShe rode along the river bank\nBeneath the willow trees,\nAnd every bird that saw her pass\n';

  test('is still rhymed: its finished stanza rhymes', () => {
    assert.notEqual(analyzePoemForm(ballad).scheme, null);
  });

  test('the fourth line rhymes with the second, as in the stanza before (ABCB)', () => {
    assert.equal(partner(plan(ballad)), 'trees');
  });
});
