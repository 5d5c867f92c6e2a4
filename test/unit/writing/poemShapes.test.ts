// Stanza patterns on hand-made poems, one per form (test/fixtures/forms, written for these tests):
// each line is planned from its position in the stanza — length, indentation, rhyme partner,
// refrain — and free verse gets no target. Metre from the CMU dictionary.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { planLine, type LinePlan } from '../../../src/writing/verse/lines/linePlan';
import { dominantMetre, keepsFoot, lineStresses } from '../../../src/writing/verse/sound/metre';
import { analyzePoemForm } from '../../../src/writing/verse/poem/poemForm';
import { loadPronouncingDictionary } from '../../../src/writing/verse/sound/pronouncingDictionary';
import { repoRoot } from '../../support/paths';

const form = (name: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'forms', name), 'utf8');
/** The plan for the next line after `text` plus `more` lines of the poem as written. */
const plan = (text: string): LinePlan => planLine(text, { rhyme: true });
const partner = (p: LinePlan) => p.rhymeWith?.word ?? null;

before(() => loadPronouncingDictionary());

describe('ballad metre (8-6-8-6, ABCB, short lines indented)', () => {
  const ballad = form('ballad.txt');

  test('the third line is long, unindented and free of rhyme; the fourth short, indented and rhyming with the second', () => {
    const third = plan(ballad);
    assert.equal(third.target, 8);
    assert.equal(third.indent, '');
    assert.equal(partner(third), null, 'ABCB: the third line opens no rhyme with the first');
    assert.equal(third.lineInStanza, 2);
    const fourth = plan(`${ballad}She would not weep, she would not smile,\n`);
    assert.equal(fourth.target, 6);
    assert.equal(fourth.indent, '  ');
    assert.equal(partner(fourth), 'eyes');
    assert.equal(fourth.endsStanza, true);
  });

  test('its metre is iambic', () => {
    assert.equal(analyzePoemForm(ballad).metre?.foot, 'iamb');
  });
});

describe('common metre hymn (8.6.8.6, ABAB)', () => {
  const hymn = form('hymn.txt');

  test('alternate rhymes by position: the third line rhymes with the first, the fourth with the second', () => {
    const third = plan(hymn);
    assert.equal(third.target, 8);
    assert.equal(partner(third), 'field');
    const fourth = plan(`${hymn}Be strength within the yield,\n`);
    assert.equal(fourth.target, 6);
    assert.equal(partner(fourth), 'door');
  });
});

describe('the Burns stanza (AAABAB, 8-8-8-4-8-4, the short lines indented)', () => {
  const burns = form('burns-stanza.txt');

  test('the fourth line is short and indented and opens the B rhyme', () => {
    const fourth = plan(burns);
    assert.equal(fourth.target, 4);
    assert.equal(fourth.indent, '    ');
    assert.equal(partner(fourth), null);
  });

  test('the fifth is long, unindented, on the A rhyme; the sixth short and indented, on the B rhyme', () => {
    const fifth = plan(`${burns}    And all is done;\n`);
    assert.equal(fifth.target, 8);
    assert.equal(fifth.indent, '');
    assert.equal(partner(fifth), 'way');
    const sixth = plan(`${burns}    And all is done;\nThe stars came out to light the hay\n`);
    assert.equal(sixth.target, 4);
    assert.equal(sixth.indent, '    ');
    assert.equal(partner(sixth), 'done');
    assert.equal(sixth.endsStanza, true);
  });
});

describe('stanzas whose last line is indented and short', () => {
  test('the short last line takes its length and indentation from the stanzas before', () => {
    const p = plan(form('short-last-lines.txt'));
    assert.equal(p.target, 3);
    assert.equal(p.indent, '       ');
    assert.equal(partner(p), 'bare');
    assert.equal(p.endsStanza, true);
  });

  test('the line after it opens the next stanza at the margin, at full length', () => {
    const p = plan(`${form('short-last-lines.txt')}       Nor anywhere.\n`);
    assert.equal(p.needsStanzaBreak, true);
    assert.equal(p.target, 10);
    assert.equal(p.indent, '');
  });
});

describe('refrains', () => {
  test('a line every stanza repeats at the same place comes back word for word', () => {
    const p = plan(form('refrain.txt'));
    assert.deepEqual(p.refrain, { text: 'And never comes again.', whole: true });
    assert.equal(p.rhymeWith, null, 'the refrain brings its own rhyme');
  });

  test('a closing phrase every stanza repeats at a place is what that line ends with', () => {
    const p = plan(`${form('refrain-phrase.txt')}`);
    assert.equal(p.lineInStanza, 1);
    assert.deepEqual(p.refrain, { text: 'down by the sea,', whole: false });
  });

  test('one stanza is not enough to call a line a refrain', () => {
    const one = form('refrain.txt').split('\n\n')[0]! + '\n\nThe daughter sang beside the door\nA song of summer rain,\nShe sang it once and sings no more,\n';
    assert.equal(plan(one).refrain ?? null, null);
  });
});

describe('the Spenserian stanza (ABABBCBCC, an alexandrine to close)', () => {
  test('the ninth line is two syllables longer and rhymes with the eighth', () => {
    const p = plan(form('spenserian.txt'));
    assert.equal(p.target, 12);
    assert.equal(partner(p), 'sky');
    assert.equal(p.endsStanza, true);
  });

  test('in the first stanza, once the form shows, the alexandrine is known too', () => {
    const first = form('spenserian.txt').split('\n').slice(0, 8).join('\n') + '\n';
    const p = plan(first);
    assert.equal(p.target, 12);
    assert.equal(partner(p), 'still');
  });
});

describe('sonnets', () => {
  const sonnet = (couplet: readonly string[] = []) =>
    [
      'When I consider how the seasons turn,',
      'And how the summer leaves the meadow bare,',
      'I think of all the fires that used to burn',
      'And all the roses that were growing there;',
      'The swallows leave, the river running slow',
      'Forgets the boats that sailed it in the spring,',
      'The orchard drops its apples in a row,',
      'And no one hears the nightingale to sing.',
      'Yet I have kept one ember from the blaze,',
      'One rose I pressed between the pages tight,',
      'One song I learned to sing in other days,',
      'And I will keep them burning through the night:',
      ...couplet,
    ].join('\n') + '\n';

  test('a sonnet in one block: the couplet rhymes with itself, not with the quatrains', () => {
    const thirteenth = plan(sonnet());
    assert.equal(partner(thirteenth), null);
    assert.equal(thirteenth.target, 10);
    const fourteenth = plan(`${sonnet()}For what is loved is never wholly gone,\n`);
    assert.equal(partner(fourteenth), 'gone');
    assert.equal(fourteenth.endsStanza, true);
  });

  test('after sonnets with indented couplets, the couplet is indented', () => {
    // Two sonnets with different couplets (the same couplet twice would be a refrain).
    const two = `${sonnet(['  So let the year go down into the cold,', '  I have a fire that never will grow old.'])}\n${sonnet(['  For what is loved is never wholly gone,', '  But in the keeping it is carried on.'])}\n${sonnet()}`;
    const thirteenth = plan(two);
    assert.equal(thirteenth.indent, '  ');
    assert.equal(thirteenth.target, 10);
    const fourteenth = plan(`${two}  For what is loved is never wholly gone,\n`);
    assert.equal(fourteenth.indent, '  ');
    assert.equal(partner(fourteenth), 'gone');
  });
});

describe('free verse', () => {
  test('no target, but the spread of its own lines', () => {
    const p = plan(form('free-verse.txt'));
    assert.equal(p.target, null);
    assert.ok(p.range && p.range.low >= 1 && p.range.high >= 10, JSON.stringify(p.range));
    assert.equal(p.rhymeWith, null);
    assert.equal(analyzePoemForm(form('free-verse.txt')).metre, null, 'free verse has no metre');
  });

  test('a poem of one short stanza so far is given the benefit of the doubt: its median', () => {
    const p = plan('The rain came down\nacross the yard,\nand then it stopped.\n');
    assert.equal(p.target, 4);
    assert.equal(p.range ?? null, null);
  });

  test('lines that alternate in the first stanza alternate on', () => {
    const p = plan('The miller rode at break of day\n  Along the river road,\nAnd every bell in Ashby rang\n');
    assert.equal(p.target, 6);
    assert.equal(p.indent, '  ');
  });
});

describe('metre', () => {
  test('reads stresses from the dictionary; monosyllables fit either', () => {
    assert.equal(lineStresses('The miller rode at break of day'), 'wSUxwxwx');
    assert.ok(keepsFoot('Shall I compare thee to a summer’s day?', 'iamb'));
    assert.ok(!keepsFoot('Tyger, tyger, burning bright', 'iamb'));
    assert.ok(keepsFoot('Tyger, tyger, burning bright', 'trochee'));
  });

  test('finds the dominant foot: iambic, trochaic, anapestic', () => {
    assert.equal(dominantMetre(form('hymn.txt').split('\n'))?.foot, 'iamb');
    const trochees = ['Tyger, tyger, burning bright', 'In the forests of the night', 'What immortal hand or eye', 'Could frame thy fearful symmetry?', 'In what distant deeps or skies', 'Burnt the fire of thine eyes?'];
    assert.equal(dominantMetre(trochees)?.foot, 'trochee');
    const anapests = [
      'The Assyrian came down like the wolf on the fold,',
      'And his cohorts were gleaming in purple and gold;',
      'And the sheen of their spears was like stars on the sea,',
      'When the blue wave rolls nightly on deep Galilee.',
    ];
    assert.equal(dominantMetre(anapests)?.foot, 'anapest');
  });
});
