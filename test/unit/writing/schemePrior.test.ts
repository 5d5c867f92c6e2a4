// The stanza-scheme prior: how a first stanza's next line rhymes, judged by what its lines have
// shown so far (counts over the tuning files, src/writing/verse/scheme/schemePrior.ts) and by how the
// poems before it in the document went on from there (schemeHabit.ts), on hand-made stanzas;
// and a poem whose finished stanzas rhyme still counts as rhymed while a new stanza has not
// rhymed yet.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { planLine, type LinePlan } from '../../../src/writing/verse/lines/linePlan';
import { analyzePoemForm } from '../../../src/writing/verse/poem/poemForm';
import { loadPronouncingDictionary } from '../../../src/writing/verse/sound/pronouncingDictionary';
import { documentHabit, HABIT_CHARS } from '../../../src/writing/verse/scheme/schemeHabit';
import { priorKeys, priorPartner, schemeCues, schemeState } from '../../../src/writing/verse/scheme/schemePrior';
import { repoRoot } from '../../support/paths';

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

describe('the stanza prior narrowed by the lines\' shape (indentation, length)', () => {
  const lines = (indents: number[], lengths: number[]) => indents.map((n, i) => ({ indent: ' '.repeat(n), length: lengths[i]! }));

  test('cues: the last four lines\' indentation relettered, and their lengths against the stanza\'s median', () => {
    assert.deepEqual(schemeCues(lines([0, 2, 0], [8, 6, 8])), { indent: 'ABA', length: 'MSM' });
    assert.deepEqual(schemeCues(lines([4, 4, 0, 4, 0], [10, 10, 10, 10, 13])), { indent: 'ABAB', length: 'MMML' }, 'the last four only');
    assert.deepEqual(priorKeys(['A', 'B'], lines([0, 2], [8, 6])), ['AB|i:AB|l:MS', 'AB|l:MS', 'AB|i:AB', 'AB']);
    assert.deepEqual(priorKeys(['A', 'B'], null), ['AB'], 'no shape: the state alone');
    assert.deepEqual(priorKeys(['A', 'B'], lines([0], [8])), ['AB'], 'a shape that does not match the letters is not read');
  });

  test('a ballad\'s short second line makes ABCB likely enough to aim at even at one half', () => {
    assert.equal(priorPartner(['A', 'B', 'C'], 0.5), null, 'the state alone: ABCB is 38 %');
    assert.equal(priorPartner(['A', 'B', 'C'], 0.5, null, lines([0, 0, 0], [8, 6, 8])), 2);
  });

  test('a short first line (a call, an epigraph) makes the third rhyme nothing', () => {
    assert.equal(priorPartner(['A', 'B', 'C'], 0.35, null, lines([0, 0, 0], [4, 10, 10])), null);
  });

  test('in a poem: three unrhymed lines after a short first one get no rhyme forced on the fourth', () => {
    assert.equal(partner(plan('Hark, hark, the wind!\nThe miller rode at break of day along the road,\nAnd every bell in Ashby rang for him at noon\n')), null);
    assert.equal(partner(plan('The miller rode at break of day\nAlong the river road,\nAnd every bell in Ashby rang\n')), 'road', 'balanced lines: ABCB');
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

describe('the document before the poem: how its earlier poems rhymed their stanzas', () => {
  // Three envelope quatrains (ABCA), then the first three lines of a fourth poem.
  const collection = readFileSync(join(repoRoot, 'test', 'fixtures', 'forms', 'envelope-collection.txt'), 'utf8');
  const envelope = collection.slice(0, collection.indexOf('THE ROAD'));
  const road = collection.slice(collection.indexOf('THE ROAD'));
  const unrhymed = [
    'MORNING\n\nThe light comes slowly over the field\nand finds the kettle on the stove,\nthe dog asleep beside the door,\nthe letters waiting to be read.\n',
    'NOON\n\nThe heat has settled on the roofs\nand no one walks along the street;\nthe baker closes up his shop,\nthe river barely seems to move.\n',
    'EVENING\n\nThe swallows gather on the wire,\nthe children call across the yard;\na window opens, and a voice\nis singing something half remembered.\n',
  ].join('\n');
  const night = 'NIGHT\n\nThe moon is caught among the elms,\nthe owl is calling from the barn,\n';

  test('counts each state of the earlier stanzas and how the next line went on from it', () => {
    const habit = documentHabit(collection);
    assert.deepEqual(habit?.get('ABC'), [0, 0, 0, 3, 0], 'three quatrains whose fourth line rhymed with the first');
    assert.deepEqual(habit?.get('AB'), [3, 0, 0, 0, 0]);
    assert.equal(documentHabit(road), null, 'nothing before the first poem');
  });

  test("a poet's envelope quatrains (ABCA): the new poem's fourth line rhymes with its first, not its second", () => {
    assert.equal(partner(plan(road)), null, 'alone: three even lines that never rhymed go on unrhymed as often as not');
    assert.equal(partner(plan(collection)), 'sea');
  });

  test('the document can come apart from the text planned (a request formContext, the prompt its end)', () => {
    const p = planLine(road, { rhyme: true, context: collection });
    assert.equal(partner(p), 'sea');
    assert.equal(partner(planLine(road, { rhyme: false, context: collection })), null, 'rhyme mode only');
  });

  test('a collection that does not rhyme: no rhyme forced on the third line of a new poem', () => {
    assert.equal(partner(plan(night)), 'elms', 'alone: ABA, the likeliest in general');
    assert.equal(partner(plan(`${unrhymed}\n${night}`)), null);
  });

  test('prose before a poem is not counted as unrhymed stanzas', () => {
    const story = 'CHAPTER ONE\n\nThe rain had not stopped for three days, and the road\nto the village was a river of mud. Nobody came\nand nobody went, and the miller sat by his fire\nreading the letters his brother had sent from the coast.\n\n';
    assert.equal(documentHabit(`${story}${road}`), null);
    assert.equal(partner(plan(`${story}${road}`)), partner(plan(road)), 'the poem is planned as if alone');
    assert.equal(partner(plan(`${story}${road.replace('Past orchards, farms and garden walls', 'Past farms and walls')}`)), 'walls', 'a ballad\'s short second line: ABCB');
  });

  test('a state the general prior has not seen is judged by the document only once it has shown it three times', () => {
    const state = ['A', 'B', 'C', 'A'];
    assert.equal(priorPartner(state, 0.35), null, 'ABCA: too rare a state for the prior');
    assert.equal(priorPartner(state, 0.35, new Map([['ABCA', [0, 0, 0, 0, 2]]])), null, 'two stanzas say too little');
    assert.equal(priorPartner(state, 0.35, new Map([['ABCA', [0, 0, 0, 0, 3]]])), 4);
  });

  test('one short poem before weighs less than the general prior: its lone ABCA only makes ABCB too unsure to force', () => {
    const one = envelope.split('\n\n').slice(0, 2).join('\n\n');
    assert.deepEqual(documentHabit(`${one}\n\n${road}`)?.get('ABC'), [0, 0, 0, 1, 0]);
    assert.equal(priorPartner(['A', 'B', 'C'], 0.35, documentHabit(`${one}\n\n${road}`)), null);
    assert.equal(priorPartner(['A', 'B', 'C'], 0.25, documentHabit(`${one}\n\n${road}`)), 2, 'ABCB is still the likeliest rhyme');
  });

  test('only the text just before the poem is read, however long the document', () => {
    const long = `${unrhymed}\n${'\n'.repeat(2)}${'FILLER\n\nA line of prose that goes on and on without rhyme or measure at all here.\n\n'.repeat(600)}${collection}`;
    const habit = documentHabit(long);
    assert.ok(long.length > 3 * HABIT_CHARS);
    assert.deepEqual(habit?.get('ABC'), [0, 0, 0, 3, 0]);
    assert.equal(partner(plan(long)), 'sea');
  });
});
