// The pure side of form-keeping: line plans and budgets, rhyme candidates, the form settings,
// splitting a folder's files into poems, and the eval-form metrics.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { distinctN, longestSharedRun, scoreSample, summarize, tokensOf } from '../../../src/writing/verse/formMetrics';
import { DEFAULT_FORM_SETTINGS, formConstraintFor, formKind, ghostForm, validateFormSettings } from '../../../src/writing/verse/lines/formRequest';
import { formContextOf } from '../../../src/writing/verse/scheme/schemeHabit';
import { completedLines, lengthBand, lineEnds, lineInProgress, lineLength, planLine } from '../../../src/writing/verse/lines/linePlan';
import { cutPoem, samplePoems, splitPoems } from '../../../src/writing/verse/poem/poemCollection';
import { loadPronouncingDictionary } from '../../../src/writing/verse/sound/pronouncingDictionary';
import { rhymeKey, rhymes } from '../../../src/writing/verse/sound/rhyme';
import { readersWords, RhymeLexicon } from '../../../src/writing/verse/sound/rhymeLexicon';
import { corpusDir, repoRoot } from '../../support/paths';

const corpus = (name: string) => readFileSync(join(corpusDir, name), 'utf8');
const ROAD = corpus('road-not-taken.txt');

before(() => loadPronouncingDictionary());

describe('line plan', () => {
  test('plans the next line of a rhymed stanza: length, partner, stanza end', () => {
    // After a whole ABAAB stanza and "fair / claim / wear / there", the fifth line closes the stanza rhyming with "claim".
    const plan = planLine(ROAD.split('\n').slice(0, 5).join('\n') + '\n\n' + ROAD.split('\n').slice(6, 10).join('\n') + '\n', { rhyme: true });
    assert.equal(plan.unit, 'syllable');
    assert.ok(plan.target! >= 8 && plan.target! <= 10, `target ${plan.target}`);
    assert.equal(plan.rhymeWith?.word, 'claim');
    assert.equal(plan.endsStanza, true);
  });

  test('without rhyme the plan names no partner; a finished stanza asks for a break first', () => {
    const stanza = ROAD.split('\n').slice(0, 5).join('\n');
    const twoStanzas = `${stanza}\n\n${ROAD.split('\n').slice(6, 11).join('\n')}\n`;
    assert.equal(planLine(twoStanzas).rhymeWith, null);
    assert.equal(planLine(twoStanzas).needsStanzaBreak, true);
  });

  test('a line that opens a rhyme a later line answers is told so, with the sounds the stanza has taken', () => {
    const quatrain = "Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:\nRough winds do shake the darling buds of May,\nAnd summer's lease hath all too short a date:\n";
    const fifth = planLine(quatrain, { rhyme: true });
    assert.equal(fifth.opensRhyme, true, 'ABAB CDCD: line 5 opens C');
    assert.deepEqual(fifth.takenRhymes?.map((k) => k.word), ['day', 'temperate', 'date'], 'each sound once ("May" is "day"\'s)');
    const sixth = planLine(`${quatrain}Sometime too hot the eye of heaven shines,\n`, { rhyme: true });
    assert.equal(sixth.opensRhyme, true, 'line 6 opens D');
    const seventh = planLine(`${quatrain}Sometime too hot the eye of heaven shines,\nAnd often is his gold complexion dimm'd;\n`, { rhyme: true });
    assert.equal(seventh.opensRhyme, undefined, 'line 7 answers line 5');
    assert.equal(seventh.rhymeWith?.word, 'shines');
    assert.equal(planLine(quatrain).opensRhyme, undefined, 'not in rhyme mode');
    const couplets = 'The sun is down, the day is done,\nThe stars come out, and one by one\nThe lamps are lit along the street,\nAnd home the children run to eat.\n';
    assert.equal(planLine(couplets, { rhyme: true }).opensRhyme, true, 'AABB: a couplet\'s first line');
    assert.equal(planLine(`${couplets}The wind is still upon the hill,\n`, { rhyme: true }).opensRhyme, undefined, 'and not its second');
  });

  test('CJK verse counts characters per clause', () => {
    const plan = planLine('西陸蟬聲唱，南冠客思侵。\n那堪玄鬢影，來對白頭吟。\n');
    assert.equal(plan.unit, 'character');
    assert.equal(plan.target, 5);
  });

  test('the line in progress, its length, and the lines a text completes', () => {
    assert.equal(lineInProgress('one\ntwo th', 'syllable'), 'two th');
    assert.equal(lineInProgress('西陸蟬聲唱，南冠', 'character'), '南冠');
    assert.equal(lineLength('Two roads diverged in a yellow wood,', 'syllable'), 9);
    assert.equal(lineLength('西陸 cat 唱', 'character'), 4);
    assert.equal(completedLines('The cat', ' sat\n\nA dog\n', 'syllable'), 2);
    assert.deepEqual(lineEnds('', '西陸，南冠。\n那', 'character'), [3, 6]);
    assert.equal(completedLines('', '\n\n', 'syllable'), 0);
  });

  test('the length band keeps within a quarter of the target', () => {
    assert.deepEqual(lengthBand(10), { low: 8, high: 12 });
    assert.deepEqual(lengthBand(5), { low: 4, high: 6 });
    assert.deepEqual(lengthBand(1), { low: 1, high: 2 });
  });
});

describe('rhyme lexicon', () => {
  const lexicon = new RhymeLexicon(['the', 'day', 'say', 'cat', 'way', 'may', 'hat', 'play', 's', "can't", 'grey', 'flat', 'monday']);

  test('offers strict rhymes, commonest first, without the partner itself', () => {
    const words = lexicon.candidates(rhymeKey('day')!).map((c) => c.word);
    assert.deepEqual(words, ['say', 'way', 'may', 'play', 'grey', 'monday'], 'MON-day ends in a stressed "ay" too');
    for (const w of words) assert.ok(rhymes(rhymeKey(w)!, rhymeKey('day')!, 'strict'));
  });

  test('counts syllables and honours the limit', () => {
    assert.deepEqual(lexicon.candidates(rhymeKey('that')!, 2), [
      { word: 'cat', syllables: 1 },
      { word: 'hat', syllables: 1 },
    ]);
  });

  test('a partner the dictionary lacks rhymes by spelling', () => {
    const made = rhymeKey('zorblat')!;
    assert.equal(made.endings.length, 0);
    assert.deepEqual(lexicon.candidates(made).map((c) => c.word), ['cat', 'hat', 'flat']);
  });

  test('abbreviations (no vowel) end no line', () => {
    assert.deepEqual(new RhymeLexicon(['st', 'mr', 'street', 'mrs']).candidates(rhymeKey('sweet')!).map((c) => c.word), ['street']);
  });

  test('a word can be answered when the lexicon has three rhymes for it', () => {
    const small = new RhymeLexicon(['day', 'say', 'way', 'hill', 'still']);
    assert.equal(small.canAnswer(rhymeKey('may')!), true, 'day, say, way');
    assert.equal(small.canAnswer(rhymeKey('mill')!), false, 'hill, still: two');
  });

  test('a word a line does not end on is no rhyme to offer ("of" for "love")', () => {
    assert.deepEqual(new RhymeLexicon(['of', 'above', 'dove', 'the', 'be', 'see']).candidates(rhymeKey('love')!).map((c) => c.word), ['above', 'dove']);
    assert.deepEqual(new RhymeLexicon(['of', 'above', 'dove', 'the', 'be', 'see']).candidates(rhymeKey('free')!).map((c) => c.word), ['be', 'see']);
  });

  test('of the two-letter words, only English ones are offered ("be", "ye"; not "si", "mi")', () => {
    assert.deepEqual(new RhymeLexicon(['be', 'si', 'ye', 'mi', 'tree']).candidates(rhymeKey('free')!).map((c) => c.word), ['be', 'ye', 'tree']);
  });

  test('a vulgar word is never offered as a rhyme', () => {
    assert.deepEqual(new RhymeLexicon(['more', 'whore', 'door', 'ass', 'glass']).candidates(rhymeKey('before')!).map((c) => c.word), ['more', 'door']);
    assert.deepEqual(new RhymeLexicon(['more', 'whore', 'door', 'ass', 'glass']).candidates(rhymeKey('grass')!).map((c) => c.word), ['glass']);
  });
});

describe("a reader's words", () => {
  // A subtitle list capitalises words that open sentences ("No", "Shore") and names; literature
  // writes the words in lower case mid-sentence and the names never.
  const everyday = ['you', 'No', 'more', 'soybean', 'Elizabeth', 'door', 'Shore', 'keen', 'tonight'];
  const literature = ['the', 'no', 'more', 'shore', 'door', 'tonight', 'keen', 'evermore', 'alas'];

  test('keeps the everyday words literature writes in lower case, and the words only literature has', () => {
    const words = readersWords(everyday, literature);
    assert.deepEqual([...words].sort(), [...literature].sort());
    for (const gone of ['soybean', 'elizabeth', 'you']) assert.ok(!words.includes(gone), gone);
  });

  test('orders by both ranks together: common in both first, literature-only words last', () => {
    const words = readersWords(everyday, literature);
    assert.deepEqual(words.slice(0, 3), ['no', 'more', 'the'], 'no: 2nd and 1st; more: 3rd and 3rd; the: missing (10th) and 1st');
    assert.deepEqual(words.slice(-2), ['evermore', 'alas']);
  });

  test('a capitalised entry is a rhyme once literature vouches for it; a name or a modern word is not', async () => {
    await loadPronouncingDictionary();
    const lexicon = new RhymeLexicon(readersWords(everyday, literature));
    assert.deepEqual(lexicon.candidates(rhymeKey('before')!).map((c) => c.word), ['more', 'shore', 'door', 'evermore']);
    assert.deepEqual(lexicon.candidates(rhymeKey('seen')!).map((c) => c.word), ['keen'], 'no "soybean"');
  });
});

describe('form settings', () => {
  test('reads the settings, defaulting anything unknown', () => {
    assert.deepEqual(validateFormSettings({}), DEFAULT_FORM_SETTINGS);
    assert.deepEqual(validateFormSettings({ mode: 'keep', rhyme: 'off' }), { mode: 'keep', rhyme: 'off', chorus: 'repeat' });
    assert.equal(validateFormSettings({ chorus: 'vary' }).chorus, 'vary');
    assert.deepEqual(validateFormSettings({ mode: 'sometimes', rhyme: 3 }), DEFAULT_FORM_SETTINGS);
  });

  test('verse gets a constraint, prose and free mode none; keep reads the text as verse', () => {
    assert.deepEqual(formConstraintFor('verse', DEFAULT_FORM_SETTINGS, { stanzas: false }), { rhyme: true, stanzas: false });
    assert.deepEqual(formConstraintFor('verse', { mode: 'auto', rhyme: 'off' }, { lines: 4 }), { rhyme: false, lines: 4 });
    assert.equal(formConstraintFor('prose', DEFAULT_FORM_SETTINGS), undefined);
    assert.equal(formConstraintFor('verse', { mode: 'free', rhyme: 'followScheme' }), undefined);
    assert.equal(formKind({ mode: 'keep', rhyme: 'off' }), 'verse');
    assert.equal(formKind(DEFAULT_FORM_SETTINGS), undefined);
  });

  test('ghost text sends the form without stanzas, and the text before the cursor only in rhyme mode', () => {
    const before = 'A poem.\n\nRoses are red,\nViolets are blue,\nSugar is sweet';
    assert.deepEqual(ghostForm('verse', DEFAULT_FORM_SETTINGS, before), { form: { rhyme: true, stanzas: false }, formContext: formContextOf(before) });
    assert.deepEqual(ghostForm('verse', { mode: 'auto', rhyme: 'off' }, before), { form: { rhyme: false, stanzas: false } });
    assert.deepEqual(ghostForm('prose', DEFAULT_FORM_SETTINGS, before), {});
  });
});

describe('poems in a folder', () => {
  test('blank-line blocks of fourteen lines are sonnets, one poem each', () => {
    const poems = splitPoems(corpus('sonnets-001-077.txt'), 'sonnets');
    assert.equal(poems.length, 77);
    assert.ok(poems[0]!.text.startsWith('From fairest creatures'));
    assert.ok(poems[0]!.text.endsWith('by the grave and thee.'));
    assert.ok(!poems[0]!.text.includes('\n\n'));
  });

  test('five-line blocks are the stanzas of one poem', () => {
    const poems = splitPoems(ROAD, 'road');
    assert.equal(poems.length, 1);
    assert.equal(poems[0]!.text.split('\n\n').length, 4);
  });

  test('headings start poems; a CJK author line under the heading is not verse', () => {
    const poems = splitPoems(corpus('tang-300-part1.txt'), 'tang');
    assert.equal(poems.length, 216);
    assert.equal(poems[0]!.title, '在嶽詠蟬');
    assert.ok(poems[0]!.text.startsWith('西陸蟬聲唱'), poems[0]!.text);
  });

  test('prose holds no poems', () => {
    assert.deepEqual(splitPoems(corpus('pride-and-prejudice-ch01-05.txt'), 'austen'), []);
  });

  test('the sample is deterministic, spread through each file and balanced across files', () => {
    const a = Array.from({ length: 10 }, (_, i) => `a${i}`);
    const b = ['b0'];
    const c = Array.from({ length: 4 }, (_, i) => `c${i}`);
    assert.deepEqual(samplePoems([a, b, c], 7), ['a0', 'b0', 'c0', 'a8', 'c2', 'a4', 'c1']);
    assert.deepEqual(samplePoems([a, b, c], 7), samplePoems([a, b, c], 7));
    assert.equal(samplePoems([b], 5).length, 1);
  });

  test('a poem is cut after two fifths of its lines, at a line end', () => {
    const sonnet = splitPoems(corpus('sonnets-001-077.txt'), 'sonnets')[0]!.text;
    const cut = cutPoem(sonnet, 4);
    assert.equal(cut.cutAfterLines, 6);
    assert.equal(cut.prompt.split('\n').length, 7);
    assert.ok(cut.prompt.endsWith('self-substantial fuel,\n'));
    assert.equal(cut.wanted, 4);
    assert.equal(cutPoem('a b c\nd e f\ng h i\n', 4).wanted, 1);
  });
});

describe('eval-form metrics', () => {
  const original = 'The cat sat on the mat,\nThe dog ran in the fog,\nThe cat wore a hat,\nThe dog sat on a log.\n\nA bird flew by the tree,\nAnd sang a song for me.';
  const prompt = 'The cat sat on the mat,\nThe dog ran in the fog,\n';

  test('a continuation in form: ends on a line, lengths in band, rhymes kept, stanza break where the poem has one', () => {
    const s = scoreSample({ prompt, original, wanted: 3, text: 'A big cat found the flat,\nA frog sat on the bog.\n\nThe sun was hot and free', stopReason: 'form' });
    assert.equal(s.endsOnLine, true);
    assert.deepEqual(s.lineDeviations, [0, 0, 0]);
    assert.equal(s.stanzaChecks, 3);
    assert.equal(s.stanzaHits, 3);
    assert.equal(s.originalRhymeDemanded, 2);
    assert.equal(s.originalRhymeKept, 2);
    // Read from the text so far, only "fog" is a partner the scheme has shown by then ("mat" has none yet).
    assert.ok(s.rhymeDemanded >= 1 && s.rhymeKept === s.rhymeDemanded, JSON.stringify(s));
  });

  test('text of the file before the poem (eval-form --before) changes what the plan reads, not which lines are scored', () => {
    const text = 'A big cat found the flat,\nA frog sat on the bog.\n\nThe sun was hot and free';
    const alone = scoreSample({ prompt, original, wanted: 3, text, stopReason: 'form' });
    const before = 'AN EARLIER POEM\n\nThe rain came down upon the town,\nThe wind went round and round,\nAnd every roof was wet and brown,\nAnd puddles on the ground.\n\nTHE CAT\n\n';
    const inFile = scoreSample({ prompt, before, original, wanted: 3, text, stopReason: 'form' });
    for (const k of ['lineDeviations', 'positionDeviations', 'stanzaChecks', 'stanzaHits', 'originalRhymeDemanded', 'originalRhymeKept', 'indentChecks'] as const) {
      assert.deepEqual(inFile[k], alone[k], k);
    }
    // Where the document changes the plan, "scheme as read" follows it: a collection of ABCA
    // quatrains asks the fourth line of a new poem to rhyme with its first.
    const collection = readFileSync(join(repoRoot, 'test', 'fixtures', 'forms', 'envelope-collection.txt'), 'utf8');
    const poem = collection.slice(collection.indexOf('THE ROAD'));
    const road = { prompt: poem.slice(poem.indexOf('The road')), original: `${poem.slice(poem.indexOf('The road'))}Beside the hedges, by the quay.\n`, wanted: 1, text: 'Beside the hedges, by the quay.\n', stopReason: 'form' };
    assert.equal(scoreSample(road).rhymeKept, 0, 'alone: the scheme reads ABCB, "quay" does not rhyme with "walls"');
    const withCollection = scoreSample({ ...road, before: `${collection.slice(0, collection.indexOf('THE ROAD'))}THE ROAD\n\n` });
    assert.equal(withCollection.rhymeDemanded, 1);
    assert.equal(withCollection.rhymeKept, 1, 'with the poems before it: ABCA, "quay" rhymes with "sea"');
  });

  test('a continuation out of form: runs on mid-line, no rhyme, no stanza break', () => {
    const s = scoreSample({ prompt, original, wanted: 3, text: 'Once upon a time there was a little girl who liked to play with her friends in the park every', stopReason: 'length' });
    assert.equal(s.endsOnLine, false);
    assert.equal(s.lineDeviations.length, 1);
    assert.ok(s.lineDeviations[0]! > 2);
    assert.equal(s.originalRhymeKept, 0);
    assert.equal(s.overlap, 2, '"in the"');
  });

  test('distinct-2, longest shared run, and the arm summary', () => {
    assert.equal(distinctN(['a b a b', 'a b'], 2), 2 / 4);
    assert.equal(distinctN([''], 2), 0);
    assert.equal(longestSharedRun(tokensOf('the cat sat on the mat'), tokensOf('a cat sat on a hat')), 3);
    assert.deepEqual(tokensOf('西陸 cat'), ['西', '陸', 'cat']);
    const good = scoreSample({ prompt, original, wanted: 1, text: 'A big cat found the flat', stopReason: 'form' });
    const bad = scoreSample({ prompt, original, wanted: 1, text: 'Once upon a time there was a little girl who liked to play', stopReason: 'length' });
    const summary = summarize([good, bad], ['A big cat found the flat', 'Once upon a time']);
    assert.equal(summary.samples, 2);
    assert.equal(summary.endsOnLine, 0.5);
    assert.equal(summary.linesWithinBand, 0.5);
    assert.equal(summary.originalRhymeKept, 0.5);
  });
});
