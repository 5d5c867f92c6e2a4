// Form-keeping decoding on hand-made logits over a hand-made vocabulary: each constraint shapes
// exactly the tokens it should (line length, stanza breaks, rhyme trie, back-off, CJK marks).
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { FAR_BOOST, FormSteering, NEAR_BOOST, RHYME_NUDGE, type SteeringContext } from '../../../src/engine/form/formSteering';
import type { FormConstraint } from '../../../src/common/generation';
import { buildTokenTrie, type TrieNode } from '../../../src/engine/tokens/tokenTrie';
import { VocabularyIndex } from '../../../src/engine/tokens/vocabularyIndex';
import type { LinePlan } from '../../../src/writing/verse/lines/linePlan';
import { loadPronouncingDictionary } from '../../../src/writing/verse/sound/pronouncingDictionary';
import { rhymeKey } from '../../../src/writing/verse/sound/rhyme';

// prettier-ignore
const PIECES = [
  '', '', '',                          // 0 unk, 1 bos, 2 eos (special tokens decode to nothing)
  '\n', '\n\n', ' the', ' cat', ' sat', // 3–7
  ' on', ' mat', ' hat', ' b', 'at',    // 8–12
  ',', '.', 'ter', ' fl', 'ow',         // 13–17
  ' dog', '\uFFFD', '\uFFFD', '\uFFFD', // 18, 19–21 lone bytes of a multi-byte character
  '，', '西', '陸',                      // 22–24
];
const NL = 3;
const BLANK = 4;
const EOS = 2;
const vocab = new VocabularyIndex(PIECES);

function plan(overrides: Partial<LinePlan> = {}): LinePlan {
  return { unit: 'syllable', target: 4, rhymeWith: null, endsStanza: false, needsStanzaBreak: false, ...overrides };
}

function context(p: LinePlan, rhymeTrie: TrieNode | null = null, marks: TrieNode = buildTokenTrie([])): SteeringContext {
  return { vocab, eosIds: new Set([EOS]), plan: () => p, rhymeTrie: () => rhymeTrie, clauseMarks: () => marks };
}

function row(p: LinePlan, constraint: FormConstraint = {}, prompt = 'An opening line\n', rhymeTrie: TrieNode | null = null, marks?: TrieNode) {
  return new FormSteering(context(p, rhymeTrie, marks), constraint, prompt).row();
}

/** Every token at logit 0 (a flat distribution). */
function flat(): Float32Array {
  return new Float32Array(PIECES.length);
}

function finite(logits: Float32Array): number[] {
  return [...logits.keys()].filter((id) => logits[id]! > -Infinity);
}

/** Feeds `row` eight more pieces `id` ("ter") after a four-syllable line: past its length and its last word's allowance, it must end. */
function runPastLength(row: ReturnType<ReturnType<typeof rowsOver>>, id: number): string {
  let text = 'The cat sat down';
  for (let i = 0; i < 8; i++) {
    text += 'ter';
    row.accept(id, text);
  }
  return text;
}

/** Rows over a vocabulary of a test's own (no rhyme trie, no clause marks; 2 is the end of text). */
function rowsOver(words: VocabularyIndex) {
  return (p: LinePlan, prompt = 'An opening line\n') => new FormSteering({ vocab: words, eosIds: new Set([2]), plan: () => p, rhymeTrie: () => null, clauseMarks: () => buildTokenTrie([]) }, {}, prompt).row();
}

before(() => loadPronouncingDictionary());

describe('line length', () => {
  test('the line break is suppressed well before the target, and the end of text with it', () => {
    const logits = flat();
    row(plan()).shape(logits, 'The cat'); // 2 of 4 syllables
    assert.equal(logits[NL], -Infinity);
    assert.equal(logits[BLANK], -Infinity);
    assert.equal(logits[EOS], -Infinity);
    assert.equal(logits[6], 0, 'words are untouched');
  });

  test('near the target the line break is boosted', () => {
    const logits = flat();
    row(plan()).shape(logits, 'The cat sat'); // 3 of 4: inside the band
    assert.equal(logits[NL], NEAR_BOOST);
    assert.equal(logits[7], 0);
  });

  test('at the target the line break is boosted hard and no new word may start', () => {
    const logits = flat();
    row(plan()).shape(logits, 'The cat sat down');
    assert.equal(logits[NL], FAR_BOOST);
    for (const id of [5, 6, 9, 11, 16, 18]) assert.equal(logits[id], -Infinity, `new word ${JSON.stringify(PIECES[id])} banned`);
    assert.equal(logits[13], 0, 'punctuation may close the line');
    assert.equal(logits[15], 0, 'the word in progress may finish');
  });

  test('a word that runs on past the target is cut off by a forced line break after a few tokens', () => {
    const r = row(plan());
    let text = 'The cat sat down';
    for (let i = 0; i < 7; i++) {
      text += 'ter';
      r.accept(15, text);
    }
    let logits = flat();
    r.shape(logits, text);
    assert.equal(logits[15], 0, 'a word the dictionary does not know may go on being spelled');
    text += 'ter';
    r.accept(15, text);
    logits = flat();
    r.shape(logits, text);
    assert.deepEqual(finite(logits), [NL, 13, 14, 22], 'the line break or punctuation');
  });

  test('a whole word past the target may take an ending, then the line ends', () => {
    const r = row(plan());
    for (let i = 0; i < 3; i++) r.accept(15, 'The cat sat down');
    const logits = flat();
    r.shape(logits, 'The cat sat down');
    assert.deepEqual(finite(logits), [NL, 13, 14, 22]);
  });

  test('the first line of a prompt that ends mid-line counts the words already there', () => {
    const logits = flat();
    row(plan(), {}, 'An opening line\nThe cat').shape(logits, ' sat down');
    assert.equal(logits[NL], FAR_BOOST);
  });

  test('a line does not end on "the": one more word may come while the band allows', () => {
    const logits = flat();
    row(plan({ target: 5 })).shape(logits, 'The cat sat on the'); // 5 of 5, band up to 6
    assert.equal(logits[NL], -Infinity);
    assert.equal(logits[9], 0, 'a new word may start');
    const over = flat();
    row(plan({ target: 4 })).shape(over, 'The cat sat on the'); // 5 of 4: the band (up to 5) is spent
    assert.equal(over[NL], FAR_BOOST);
  });

  test('lineLength: false leaves the line break alone', () => {
    const logits = flat();
    row(plan(), { lineLength: false }).shape(logits, 'The cat');
    assert.equal(logits[NL], 0);
  });
});

describe('a line that opens a rhyme', () => {
  // "The cat sat on the mat" is six syllables: the band for six runs from five to seven.
  const opener = (overrides: Partial<LinePlan> = {}) => plan({ target: 6, opensRhyme: true, takenRhymes: [rhymeKey('hat')!], ...overrides });
  const rowOf = (p: LinePlan, constraint: FormConstraint = { rhyme: true }) => new FormSteering({ ...context(p), canAnswer: (key) => key.word !== 'dog' }, constraint, 'An opening line\n').row();
  const shaped = (p: LinePlan, text: string, constraint?: FormConstraint) => {
    const logits = flat();
    rowOf(p, constraint).shape(logits, text);
    return logits;
  };

  test('does not end on a sound the stanza has used, nor close its sentence there; a comma may follow, then a new word', () => {
    const taken = shaped(opener(), 'The cat sat on the mat');
    assert.equal(taken[NL], -Infinity, '"mat" rhymes with "hat", taken');
    assert.equal(taken[14], -Infinity, 'no full stop');
    assert.equal(taken[13], 0, 'a comma');
    assert.equal(taken[18], 0, 'another word');
    assert.deepEqual(finite(shaped(opener(), 'The cat sat on the mat,')), [5, 6, 7, 8, 9, 10, 11, 16, 18], 'after the comma a new word');
    assert.equal(shaped(opener(), 'The cat sat on the mat.')[NL], FAR_BOOST, 'a sentence the model closed anyway may end the line');
    assert.equal(shaped(opener(), 'The cat sat on the sea')[NL], FAR_BOOST, 'a fresh sound');
  });

  test('does not end on a slant rhyme of a sound the stanza has used: the scheme reader would hear it as that rhyme', () => {
    assert.equal(shaped(opener({ takenRhymes: [rhymeKey('be')!] }), 'The cat sat on any')[NL], -Infinity, '"any" under "be"');
    assert.equal(shaped(opener({ takenRhymes: [rhymeKey('hence')!] }), 'A cat with a difference')[NL], -Infinity, '"difference" under "hence"');
    assert.equal(shaped(opener({ takenRhymes: [rhymeKey('be')!] }), 'The cat sat on the mat')[NL], FAR_BOOST, 'another sound');
  });

  test('does not end on a word with (almost) no rhymes', () => {
    assert.equal(shaped(opener({ takenRhymes: [] }), 'The cat sat on the dog')[NL], -Infinity);
  });

  test('only in rhyme mode, only on an opening line, only while the band has room', () => {
    assert.equal(shaped(opener(), 'The cat sat on the mat', {})[NL], FAR_BOOST, 'rhyme off');
    assert.equal(shaped(opener({ opensRhyme: undefined }), 'The cat sat on the mat')[NL], FAR_BOOST, 'not an opening line');
    assert.equal(shaped(opener({ target: 5 }), 'The cat sat on the mat')[NL], FAR_BOOST, 'six of five: the band (up to six) is spent');
  });
});

describe('the end of the token budget', () => {
  test('near the end a line closes: no new word, then only the line break', () => {
    const r = row(plan({ target: 10 }));
    const closing = flat();
    r.shape(closing, 'The cat sat', 4);
    assert.equal(closing[NL], FAR_BOOST);
    assert.equal(closing[9], -Infinity, 'no new word');
    assert.equal(closing[15], 0, 'the word may finish');
    const last = flat();
    r.shape(last, 'The cat sat', 1);
    assert.deepEqual(finite(last), [NL]);
  });

  test('a new line is not begun when it cannot be finished, unless nothing has been written yet', () => {
    const after = flat();
    row(plan()).shape(after, 'The cat sat down\n', 3);
    assert.deepEqual(finite(after), [EOS]);
    const first = flat();
    row(plan()).shape(first, '', 3);
    assert.equal(first[12], 0, 'a word may begin the first line');
    assert.equal(first[6], -Infinity, 'at the margin: an unindented position takes no leading space');
  });
});

describe('stanzas', () => {
  test('a complete stanza is followed by a blank line and nothing else', () => {
    const logits = flat();
    row(plan({ needsStanzaBreak: true }), {}, 'one\ntwo\n').shape(logits, '');
    assert.deepEqual(finite(logits), [NL, BLANK]);
  });

  test('after the blank line the break is made, even if stray marks followed it', () => {
    const logits = flat();
    row(plan({ needsStanzaBreak: true }), {}, 'one\ntwo\n').shape(logits, '\n"\n');
    assert.equal(logits[NL], -Infinity);
  });

  test('inside a stanza a line never starts with another line break', () => {
    const logits = flat();
    row(plan(), {}, 'one\ntwo\n').shape(logits, '');
    assert.equal(logits[NL], -Infinity);
    assert.equal(logits[BLANK], -Infinity);
    assert.equal(logits[EOS], 0, 'the text may end at a line boundary');
  });

  test('stanzas: false does not force the blank line', () => {
    const logits = flat();
    row(plan({ needsStanzaBreak: true }), { stanzas: false }, 'one\ntwo\n').shape(logits, '');
    assert.equal(logits[NL], -Infinity);
  });

  test('a line that ends its stanza may end in a blank line; another may not', () => {
    const ending = flat();
    row(plan({ endsStanza: true })).shape(ending, 'The cat sat down');
    assert.equal(ending[BLANK], FAR_BOOST);
    const inside = flat();
    row(plan()).shape(inside, 'The cat sat down');
    assert.equal(inside[BLANK], -Infinity);
  });
});

describe('rhyme', () => {
  const bat = () =>
    buildTokenTrie([
      { ids: [9], word: 'mat', syllables: 1 },
      { ids: [10], word: 'hat', syllables: 1 },
      { ids: [11, 12], word: 'bat', syllables: 1 },
    ]);
  const rhymed = () => plan({ rhymeWith: rhymeKey('cat') });

  test('while there is room the line is free but cannot end', () => {
    const logits = flat();
    row(rhymed(), { rhyme: true }, 'x\n', bat()).shape(logits, 'The'); // 1 of 4
    assert.equal(logits[NL], -Infinity);
    assert.equal(logits[18], 0, 'any word may come');
  });

  test('with two syllables left any word may come, the rhymes that fit nudged: taken, it ends the line', () => {
    const r = row(rhymed(), { rhyme: true }, 'x\n', bat());
    const logits = flat();
    r.shape(logits, 'The dog'); // 2 of 4: another word, or a rhyme now
    assert.equal(logits[NL], -Infinity, 'the line cannot end yet');
    assert.equal(logits[18], 0, 'another word may come');
    for (const id of [9, 10, 11]) assert.equal(logits[id], RHYME_NUDGE, `rhyme root ${id} nudged`);
    r.accept(9, 'The dog mat');
    const after = flat();
    r.shape(after, 'The dog mat');
    assert.deepEqual(finite(after), [NL, 13, 14, 22], 'the rhyme was taken: punctuation or the line break');
  });

  test('with one syllable left only the rhymes may start, then only their continuations, then the line ends', () => {
    const r = row(rhymed(), { rhyme: true }, 'x\n', bat());
    let logits = flat();
    r.shape(logits, 'The dog ran'); // 3 of 4: the last word must rhyme
    assert.deepEqual(finite(logits), [9, 10, 11, 13, 22], 'the rhymes’ first tokens, or a comma before them — no full stop, which would leave the rhyme to begin a sentence in lower case');
    r.accept(11, 'The dog ran b');
    logits = flat();
    r.shape(logits, 'The dog ran b');
    assert.deepEqual(finite(logits), [12], 'inside "bat" only its next token');
    r.accept(12, 'The dog ran bat');
    logits = flat();
    r.shape(logits, 'The dog ran bat');
    assert.deepEqual(finite(logits), [NL, 13, 14, 22], 'after the rhyme: punctuation or the line break');
    r.accept(14, 'The dog ran bat.');
    logits = flat();
    r.shape(logits, 'The dog ran bat.');
    assert.deepEqual(finite(logits), [NL, 13, 14, 22]);
  });

  test('a line that already ends in a rhyme may end', () => {
    const logits = flat();
    row(rhymed(), { rhyme: true }, 'x\n', bat()).shape(logits, 'The dog sat on a mat');
    assert.ok(logits[NL]! > 0);
  });

  test('backs off to free sampling when the model gives the rhymes almost no chance', () => {
    const r = row(rhymed(), { rhyme: true }, 'x\n', bat());
    const logits = flat();
    for (const id of [9, 10, 11]) logits[id] = -40;
    r.shape(logits, 'The dog ran');
    assert.equal(logits[9], -40, 'the rhymes are not forced');
    assert.equal(logits[18], 0, 'other words stay possible');
    assert.equal(logits[NL], NEAR_BOOST, 'the line may end by length alone');
    // Backed off for the rest of the line: a later step is shaped by length only.
    const later = flat();
    r.shape(later, 'The dog ran down');
    assert.equal(later[NL], FAR_BOOST);
    assert.equal(later[9], -Infinity, 'a new word is banned by the length rule, not offered as a rhyme');
  });

  test('a word the model is still spelling may finish first, without backing off', () => {
    const r = row(rhymed(), { rhyme: true }, 'x\n', bat());
    const logits = flat();
    for (const id of [9, 10, 11]) logits[id] = -40;
    logits[12] = 10; // "aga" is a word to the dictionary, but the model wants to go on: "aga|at"
    r.shape(logits, 'The dog ran aga');
    assert.deepEqual(finite(logits), [9, 10, 11, 12, 13, 15, 17, 22, 23, 24], 'the rhymes, a comma, or the word going on');
  });

  test('a word the model goes on spelling past the length cannot hold the line open: after the allowance, a rhyme or (backed off) the line end', () => {
    const spelled = (rhymes: number) => {
      const r = row(rhymed(), { rhyme: true }, 'x\n', bat());
      let text = 'The dog ran aga';
      let logits = flat();
      for (let i = 0; i < 8; i++) {
        logits = flat();
        for (const id of [9, 10, 11]) logits[id] = rhymes;
        logits[15] = 10; // the model would always rather go on spelling ("agaterter…")
        r.shape(logits, text);
        if (i === 0) assert.ok(logits[15]! > -Infinity, 'at first the word may go on');
        text += 'ter';
        r.accept(15, text);
      }
      logits = flat();
      for (const id of [9, 10, 11]) logits[id] = rhymes;
      logits[15] = 10;
      r.shape(logits, text);
      return finite(logits);
    };
    assert.deepEqual(spelled(5), [9, 10, 11, 13, 22], 'the rhymes, or a comma before them');
    assert.deepEqual(spelled(-40), [NL, 13, 14, 22], 'backed off: the line break or punctuation');
  });

  test('without rhyme mode the plan’s rhyme is ignored', () => {
    const logits = flat();
    row(rhymed(), {}, 'x\n', bat()).shape(logits, 'The dog ran');
    assert.equal(logits[18], 0);
    assert.equal(logits[NL], NEAR_BOOST);
  });

  test('a cloned row walks the trie on its own', () => {
    const r = row(rhymed(), { rhyme: true }, 'x\n', bat());
    r.shape(flat(), 'The dog ran');
    const copy = r.clone();
    copy.accept(11, 'The dog ran b');
    r.accept(9, 'The dog ran mat');
    const a = flat();
    copy.shape(a, 'The dog ran b');
    assert.deepEqual(finite(a), [12]);
    const b = flat();
    r.shape(b, 'The dog ran mat');
    assert.deepEqual(finite(b), [NL, 13, 14, 22]);
  });
});

describe('CJK clauses', () => {
  // "，" spelled in two byte tokens (19, 20), "。" in (19, 21), and "，" also as one token (22).
  const marks = () =>
    buildTokenTrie([
      { ids: [19, 20], word: '，', syllables: 1 },
      { ids: [19, 21], word: '。', syllables: 1 },
      { ids: [22], word: '，', syllables: 1 },
    ]);
  const clause = (constraint: FormConstraint = {}) => row(plan({ unit: 'character', target: 5 }), constraint, '西陸蟬聲唱，', null, marks());

  test('a short clause may not end: single-token marks and the last byte of a mark are banned', () => {
    const r = clause();
    const logits = flat();
    r.shape(logits, '西陸');
    assert.equal(logits[22], -Infinity);
    assert.equal(logits[NL], -Infinity);
    assert.equal(logits[19], 0, 'a lead byte may start any character');
    r.accept(19, '西陸\uFFFD');
    const inside = flat();
    r.shape(inside, '西陸\uFFFD');
    assert.equal(inside[20], -Infinity);
    assert.equal(inside[21], -Infinity);
  });

  test('a full clause must end in a mark, spelled byte by byte', () => {
    const r = clause();
    const logits = flat();
    r.shape(logits, '西陸蟬聲唱');
    assert.deepEqual(finite(logits), [19, 22], 'verse whose clauses end in marks: a mark, not a bare line break');
    r.accept(19, '西陸蟬聲唱\uFFFD');
    const inside = flat();
    r.shape(inside, '西陸蟬聲唱\uFFFD');
    assert.deepEqual(finite(inside), [20, 21]);
  });

  test('counts characters, and a word in another script as one', () => {
    const logits = flat();
    clause().shape(logits, '西 cat 陸 dog 唱'); // 3 characters + 2 words
    assert.deepEqual(finite(logits), [19, 22]);
  });

  test('verse whose lines end without marks may end a full line with a line break', () => {
    const logits = flat();
    row(plan({ unit: 'character', target: 5 }), {}, '西陸蟬聲唱\n', null, marks()).shape(logits, '南冠客思侵');
    assert.deepEqual(finite(logits), [NL, 19, 22]);
  });

  test('stops after the clauses asked for, keeping the mark', () => {
    const r = clause({ lines: 2 });
    assert.equal(r.stopAt('西陸蟬聲唱，南冠'), null);
    assert.equal(r.stopAt('西陸蟬聲唱，南冠客思侵。\n那'), '西陸蟬聲唱，南冠客思侵。');
  });
});

describe('stopping after N lines', () => {
  test('cuts at the Nth line break, counting the line the prompt left unfinished', () => {
    const r = row(plan(), { lines: 2 }, 'x\nThe cat');
    assert.equal(r.stopAt(' sat\nA dog'), null);
    assert.equal(r.stopAt(' sat\nA dog ran\nand'), ' sat\nA dog ran');
  });

  test('blank lines between stanzas are not lines', () => {
    const r = row(plan(), { lines: 2 }, 'x\n');
    assert.equal(r.stopAt('one\n\n'), null);
    assert.equal(r.stopAt('one\n\ntwo\n'), 'one\n\ntwo');
  });

  test('without `lines` it never stops', () => {
    assert.equal(row(plan()).stopAt('a\nb\nc\nd\n'), null);
  });
});

describe('vocabulary index', () => {
  test('classifies pieces by what they do to a line', () => {
    assert.deepEqual(vocab.lineBreaks, [NL]);
    assert.deepEqual(vocab.blankLines, [BLANK]);
    assert.equal(vocab.startsWord[6], 1);
    assert.equal(vocab.startsWithLetter[12], 1);
    assert.equal(vocab.punctuation[13], 1);
    assert.equal(vocab.punctuation[19], 0, 'a lone byte is not punctuation');
    assert.equal(vocab.addsCjk[23], 1);
  });
});

describe('shape: indentation, refrains, free verse', () => {
  // A vocabulary of its own: a space piece, words with and without a leading space.
  const pieces = ['', '', '', '\n', '\n\n', ' ', ' The', 'The', ' sea', ' by', ' down', ' the', ',', ' cat', ' sat'];
  const v = new VocabularyIndex(pieces);
  const spelled: Record<string, number[]> = { ' down by the sea,': [10, 9, 11, 8, 12], 'And never comes again.': [7, 13, 14], '[Chorus]': [7, 14] };
  const ctx = (p: LinePlan): SteeringContext => ({
    vocab: v,
    eosIds: new Set([2]),
    plan: () => p,
    rhymeTrie: () => null,
    clauseMarks: () => buildTokenTrie([]),
    spell: (text) => spelled[text] ?? null,
  });
  const rowOf = (p: LinePlan, constraint: FormConstraint = {}) => new FormSteering(ctx(p), constraint, 'x\n').row();

  test('an indented position: spaces first, then a word whose own space completes the indent', () => {
    const r = rowOf(plan({ indent: '  ' }));
    const first = new Float32Array(pieces.length);
    r.shape(first, '');
    assert.deepEqual(finite(first), [5], 'two spaces to go: only a space');
    const second = new Float32Array(pieces.length);
    r.shape(second, ' ');
    assert.deepEqual(finite(second), [5, 6, 8, 9, 10, 11, 13, 14], 'one to go: a space, or a word after one');
    const third = new Float32Array(pieces.length);
    r.shape(third, '  ');
    assert.deepEqual(finite(third), [0, 1, 2, 7, 12], 'indented: a word with no space of its own (or the end)');
  });

  test('an unindented position starts at the margin', () => {
    const logits = new Float32Array(pieces.length);
    rowOf(plan()).shape(logits, '');
    assert.equal(logits[6], -Infinity);
    assert.equal(logits[7], 0);
  });

  test('a whole-line refrain is spelled token by token, then only the line break follows', () => {
    const r = rowOf(plan({ refrain: { text: 'And never comes again.', whole: true } }));
    let text = '';
    for (const id of [7, 13, 14]) {
      const logits = new Float32Array(pieces.length);
      r.shape(logits, text);
      assert.deepEqual(finite(logits), [id]);
      text += pieces[id];
      r.accept(id, text);
    }
    const end = new Float32Array(pieces.length);
    r.shape(end, text);
    assert.deepEqual(finite(end), [3], 'no mark after a refrain');
  });

  test('a section label comes after its blank line, never without one (ghost text leaves stanzas alone)', () => {
    const label = plan({ target: null, refrain: { text: '[Chorus]', whole: true }, label: true, needsStanzaBreak: true });
    const song = rowOf(label);
    const blank = new Float32Array(pieces.length);
    song.shape(blank, '');
    assert.deepEqual(finite(blank), [3, 4], 'first the stanza break');
    const after = new Float32Array(pieces.length);
    song.shape(after, '\n');
    assert.deepEqual(finite(after), [7], 'then the label');
    const ghost = new Float32Array(pieces.length);
    rowOf(label, { stanzas: false }).shape(ghost, '');
    assert.ok(finite(ghost).length > 1, 'no label forced on the line right after the verse');
  });

  test('a refrain phrase: the line may not end before it, and it is spelled once the line has room only for it', () => {
    const r = rowOf(plan({ target: 8, refrain: { text: 'down by the sea,', whole: false } }));
    const early = new Float32Array(pieces.length);
    r.shape(early, 'The cat');
    assert.equal(early[3], -Infinity, 'no line end before the phrase');
    assert.equal(early[13], 0);
    const late = new Float32Array(pieces.length);
    r.shape(late, 'The cat sat sat');
    assert.deepEqual(finite(late), [10], 'four syllables left: the phrase begins');
  });

  test('a refrain phrase waits for a word being spelled to finish, not for ever: past the allowance the phrase begins', () => {
    const r = rowOf(plan({ target: 8, refrain: { text: 'down by the sea,', whole: false } }));
    let text = 'The cat sat sat';
    const waiting = (): number[] => {
      const logits = new Float32Array(pieces.length);
      r.shape(logits, text);
      return finite(logits);
    };
    text += 'The';
    r.accept(7, text);
    assert.ok(waiting().length > 1, 'a word in progress ("satThe") may go on');
    for (let i = 0; i < 16; i++) {
      text += 'The';
      r.accept(7, text);
    }
    assert.deepEqual(waiting(), [10], 'the phrase begins, whatever the word in progress');
  });

  test('free verse: no line end below the poem’s shortest lines, none forced between', () => {
    const r = rowOf(plan({ target: null, range: { low: 3, high: 6 } }));
    const short = new Float32Array(pieces.length);
    r.shape(short, 'The cat');
    assert.equal(short[3], -Infinity);
    const middle = new Float32Array(pieces.length);
    r.shape(middle, 'The cat sat down');
    assert.equal(middle[3], 0, 'the model decides');
    const long = new Float32Array(pieces.length);
    r.shape(long, 'The cat sat down by the');
    assert.equal(long[3], FAR_BOOST);
    assert.equal(long[13], -Infinity, 'past the longest: no new word');
  });
});

describe('hyphens', () => {
  // prettier-ignore
  const pieces = [
    '', '', '',                    // 0 unk, 1 bos, 2 eos
    '\n', ' the', ' sea', '-',     // 3–6
    'bird', ' bird', '--', ',',    // 7–10
    'ter', "'s",                   // 11–12
  ];
  const words = new VocabularyIndex(pieces);
  const rowOf = rowsOver(words);

  test('a line does not end on a compound\'s hyphen; past its length the compound may go on, no new word', () => {
    const logits = new Float32Array(pieces.length);
    rowOf(plan({ target: 3 })).shape(logits, 'The salt sea-');
    assert.equal(logits[3], -Infinity, 'no line break after "sea-"');
    assert.equal(logits[7], 0, '"bird" may go on');
    assert.equal(logits[8], -Infinity, 'at the target no new word');
  });

  test('after a compound\'s hyphen its second half follows at once, and is finished first: no space, mark or dash', () => {
    const logits = new Float32Array(pieces.length);
    rowOf(plan({ target: 8 })).shape(logits, 'The sea-');
    assert.deepEqual(finite(logits), [7, 11, 12], '"bird", "ter" or "\'s" only');
    const half = new Float32Array(pieces.length);
    rowOf(plan({ target: 8 })).shape(half, 'The sea-wh');
    assert.deepEqual(finite(half), [7, 11, 12], 'its second half is finished first');
    const whole = new Float32Array(pieces.length);
    rowOf(plan({ target: 8 })).shape(whole, 'The sea-bird');
    assert.equal(whole[4], 0, 'a whole second half: a new word may follow');
  });

  test('a dash, or a hyphen after a space, is no half word: the line may end', () => {
    for (const text of ['The salt sea--', 'The salt sea -']) {
      const logits = new Float32Array(pieces.length);
      rowOf(plan({ target: 3 })).shape(logits, text);
      assert.equal(logits[3], FAR_BOOST, `${JSON.stringify(text)}: the line break`);
    }
  });

  test('a line that must end may close on a comma or a dash, not on a lone hyphen', () => {
    const r = rowOf(plan({ target: 4 }));
    const logits = new Float32Array(pieces.length);
    r.shape(logits, runPastLength(r, 11));
    assert.deepEqual(finite(logits), [3, 9, 10], 'the line break, "--" or ","');
    assert.ok(words.hyphensAfterWord.includes(6));
    assert.ok(!words.hyphensAfterWord.includes(9), 'a dash is no joint');
  });

  test('at its length, before it must end, a line may take a comma or a dash but not a lone hyphen', () => {
    const logits = new Float32Array(pieces.length);
    rowOf(plan({ target: 4 })).shape(logits, 'The cat sat down');
    assert.equal(logits[3], FAR_BOOST);
    assert.equal(logits[6], -Infinity, '"-"');
    assert.equal(logits[9], 0, '"--"');
    assert.equal(logits[10], 0, '","');
    const afterMark = new Float32Array(pieces.length);
    rowOf(plan({ target: 4 })).shape(afterMark, 'The cat sat down,');
    assert.equal(afterMark[6], 0, 'after a comma a hyphen leaves no word half written');
  });
});

describe('apostrophes', () => {
  // prettier-ignore
  const pieces = [
    '', '', '',                    // 0 unk, 1 bos, 2 eos
    '\n', ' she', "'", 's',        // 3–6
    "'s", '.', ' go', 'ter',       // 7–10
  ];
  const words = new VocabularyIndex(pieces);
  const rowOf = rowsOver(words);

  test('in a poem that ends no word with an apostrophe, a line does not end on one; where it does ("o\'", "a\'"), it may', () => {
    const plain = new Float32Array(pieces.length);
    rowOf(plan({ target: 3 }), "Love's not Time's fool, though rosy lips\n").shape(plain, "And yet she'");
    assert.equal(plain[3], -Infinity, 'no line break after "she\'"');
    assert.equal(plain[6], 0, '"s" may follow');
    const scots = new Float32Array(pieces.length);
    rowOf(plan({ target: 3 }), "For a' that, an' a' that\n").shape(scots, "And yet she'");
    assert.equal(scots[3], FAR_BOOST);
  });

  test('a line that must end closes on a full stop, not an apostrophe, unless the poem ends words with them', () => {
    const closing = (prompt: string) => {
      const r = rowOf(plan({ target: 4 }), prompt);
      const logits = new Float32Array(pieces.length);
      r.shape(logits, runPastLength(r, 10));
      return finite(logits);
    };
    assert.deepEqual(closing('An opening line\n'), [3, 8]);
    assert.deepEqual(closing("Wi' a' the rest\n"), [3, 5, 8]);
  });

  test('a line that may not end yet goes on spelling the word its apostrophe began ("that\'|s"), unless the poem ends words with them', () => {
    // It opens a rhyme, and "that" would echo "hat", which the stanza has used: the line goes on.
    const opener = plan({ target: 7, opensRhyme: true, takenRhymes: [rhymeKey('hat')!] });
    const shaped = (prompt: string) => {
      const logits = new Float32Array(pieces.length);
      new FormSteering({ vocab: words, eosIds: new Set([2]), plan: () => opener, rhymeTrie: () => null, clauseMarks: () => buildTokenTrie([]) }, { rhyme: true }, prompt).row().shape(logits, "We go and sit by that'");
      return logits;
    };
    const plain = shaped('An opening line\n');
    assert.equal(plain[6], 0, '"s" finishes "that\'s"');
    assert.equal(plain[9], -Infinity, 'no new word after the apostrophe ("that\' go")');
    assert.equal(plain[8], -Infinity, 'no full stop');
    assert.equal(plain[3], -Infinity, 'no line break');
    const scots = shaped("For a' that, an' a' that\n");
    assert.equal(scots[9], 0, 'where the poem ends words in apostrophes, a new word may follow');
    assert.equal(scots[6], 0);
  });

  test('a quote opened in the line may close after its last word', () => {
    const atLength = (text: string) => {
      const logits = new Float32Array(pieces.length);
      rowOf(plan({ target: 4 }), 'An opening line\n').shape(logits, text);
      return logits;
    };
    assert.equal(atLength('The cat sat down')[5], -Infinity, 'no quote open: no apostrophe after the word');
    assert.equal(atLength("He said 'come down")[5], 0, 'the quote opened before "come" may close');
  });
});
