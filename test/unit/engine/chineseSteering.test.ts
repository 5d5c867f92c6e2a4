// The worker's steering of regulated Chinese verse on hand-made logits over a hand-made
// vocabulary that, like a tokenizer that knows Chinese, spells some words in one piece: a clause
// keeps exactly its characters (a piece that would overshoot is banned), and in rhyme mode its
// last character is one of the rhyme characters, spelled byte by byte where the tokenizer must.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { FormConstraint } from '../../../src/common/generation';
import { FormResources } from '../../../src/engine/form/formResources';
import { FormSteering, type SteeringContext } from '../../../src/engine/form/formSteering';
import { buildTokenTrie, type TrieNode } from '../../../src/engine/tokens/tokenTrie';
import { VocabularyIndex } from '../../../src/engine/tokens/vocabularyIndex';
import { hanReadings, hanRhymeKey, loadPinyin } from '../../../src/writing/verse/chinese/hanziRhyme';
import { lineLength, type LinePlan } from '../../../src/writing/verse/lines/linePlan';
import { loadPronouncingDictionary } from '../../../src/writing/verse/sound/pronouncingDictionary';

// prettier-ignore
const PIECES = [
  '', '', '',                    // 0 unk, 1 bos, 2 eos
  '\n', '\n\n', '，', '。',       // 3–6
  '青', '天', '青天', '白日',     // 7–10: 青天 and 白日 in one piece each
  '依山盡', '山', '間', '年',     // 11: three characters in one piece; 12–14
  '\uFFFD', '\uFFFD',            // 15, 16: the two byte tokens that spell 煙 here
  ' the', '海',                  // 17, 18
];
const EOS = 2;
const NL = 3;
const COMMA = 5;
const FULL_STOP = 6;
const QING = 7;
const QINGTIAN = 9;
const BAIRI = 10;
const YISHANJIN = 11;
const JIAN = 13;
const NIAN = 14;
const YAN_1 = 15;
const YAN_2 = 16;
const vocab = new VocabularyIndex(PIECES);

const marks = (): TrieNode =>
  buildTokenTrie([
    { ids: [COMMA], word: '，', syllables: 1 },
    { ids: [FULL_STOP], word: '。', syllables: 1 },
  ]);
/** The rhymes of 山 (寒) this vocabulary can spell: 間 and 年 in one piece, 煙 in two bytes. */
const rhymesOfShan = (): TrieNode =>
  buildTokenTrie([
    { ids: [JIAN], word: '間', syllables: 1 },
    { ids: [NIAN], word: '年', syllables: 1 },
    { ids: [YAN_1, YAN_2], word: '煙', syllables: 1 },
  ]);

let plan: LinePlan;
const context = (): SteeringContext => ({ vocab, eosIds: new Set([EOS]), plan: () => plan, rhymeTrie: () => rhymesOfShan(), clauseMarks: marks });
/** Line 2 of a five-character quatrain, after 白日依山盡，(lines end in marks). */
const row = (constraint: FormConstraint) => new FormSteering(context(), constraint, '白日依山盡，').row();
const flat = () => new Float32Array(PIECES.length);
const open = (logits: Float32Array) => [...logits.keys()].filter((id) => logits[id]! > -Infinity);

before(async () => {
  await Promise.all([loadPinyin(), loadPronouncingDictionary()]);
  plan = { unit: 'character', target: 5, exact: true, rhymeWith: hanRhymeKey('山'), endsStanza: false, needsStanzaBreak: false };
});

describe('a clause of regulated verse keeps its count exactly', () => {
  test('a piece of several characters is allowed while it fits, banned once it would overshoot', () => {
    const roomTwo = flat();
    row({}).shape(roomTwo, '黃河入'); // 3 of 5
    assert.equal(roomTwo[QINGTIAN], 0, '青天 fills the clause exactly');
    assert.equal(roomTwo[YISHANJIN], -Infinity, '依山盡 would make six');
    assert.equal(roomTwo[COMMA], -Infinity, 'too short to end');
    assert.equal(roomTwo[NL], -Infinity);
    const roomOne = flat();
    row({}).shape(roomOne, '黃河入海'); // 4 of 5
    assert.equal(roomOne[QINGTIAN], -Infinity);
    assert.equal(roomOne[BAIRI], -Infinity);
    assert.equal(roomOne[QING], 0, 'one character still fits');
  });

  test('at the start of a clause too: a piece longer than the clause is banned', () => {
    plan = { ...plan, target: 2 };
    try {
      const logits = flat();
      row({}).shape(logits, '');
      assert.equal(logits[QINGTIAN], 0);
      assert.equal(logits[YISHANJIN], -Infinity);
    } finally {
      plan = { ...plan, target: 5 };
    }
  });

  test('greedy decoding that prefers the longest pieces still writes exactly five characters, then a mark', () => {
    const r = row({});
    let text = '';
    for (let step = 0; step < 10 && !/[，。]$/.test(text); step++) {
      const logits = flat();
      logits[YISHANJIN] = 9;
      logits[QINGTIAN] = 8;
      logits[BAIRI] = 7;
      logits[COMMA] = 6;
      r.shape(logits, text);
      const id = [...logits.keys()].reduce((a, b) => (logits[b]! > logits[a]! ? b : a));
      text += PIECES[id];
      r.accept(id, text);
    }
    assert.equal(text, '依山盡青天，');
    assert.equal(lineLength(text, 'character'), 5);
  });

  test('a full clause may only end: a mark, no further character', () => {
    const logits = flat();
    row({}).shape(logits, '黃河入海流');
    assert.deepEqual(open(logits), [COMMA, FULL_STOP]);
  });
});

describe('the rhyme character', () => {
  test('while two characters are left, the model is free, but no piece may write the last character for it', () => {
    const logits = flat();
    row({ rhyme: true }).shape(logits, '黃河入');
    assert.equal(logits[QINGTIAN], -Infinity, '青天 would write the clause’s last character without the rhyme');
    assert.equal(logits[QING], 0);
    assert.equal(logits[JIAN], 0);
  });

  test('with one character left only the rhymes may come, a two-byte one spelled through its trie', () => {
    const r = row({ rhyme: true });
    const last = flat();
    r.shape(last, '黃河入海');
    assert.deepEqual(open(last), [JIAN, NIAN, YAN_1], 'the rhymes’ first tokens only');
    r.accept(YAN_1, '黃河入海\uFFFD');
    const inside = flat();
    r.shape(inside, '黃河入海\uFFFD');
    assert.deepEqual(open(inside), [YAN_2], 'inside 煙 only its next byte');
    r.accept(YAN_2, '黃河入海煙');
    const after = flat();
    r.shape(after, '黃河入海煙');
    assert.deepEqual(open(after), [COMMA, FULL_STOP], 'then the mark');
  });

  test('without rhyme mode the last character is free', () => {
    const logits = flat();
    row({}).shape(logits, '黃河入海');
    assert.equal(logits[QING], 0);
    assert.equal(logits[18], 0);
  });

  test('backs off when the model gives the rhymes almost no chance, and still keeps the count', () => {
    const r = row({ rhyme: true });
    const logits = flat();
    for (const id of [JIAN, NIAN, YAN_1]) logits[id] = -40;
    r.shape(logits, '黃河入海');
    assert.equal(logits[JIAN], -40, 'not forced');
    assert.equal(logits[QING], 0, 'another character may end the clause');
    assert.equal(logits[QINGTIAN], -Infinity, 'but not two');
  });
});

describe('the worker’s resources on a real poem (pinyin-pro, the common characters)', () => {
  // A model whose vocabulary is its single pieces: each character one token, as a tokenizer that
  // knows Chinese has them.
  const chars = [...new Set([...'錦瑟無端五十絃一柱思華年莊生曉夢迷蝴蝶望帝春心託杜鵑宇煙然山間天花，。！？；\n'])];
  const pieces = ['', '', '', ...chars];
  const model = {
    pieces,
    eosIds: new Set([2]) as ReadonlySet<number>,
    encodeContinuation: (text: string) => {
      const ids = [...text].map((c) => pieces.indexOf(c));
      return ids.every((id) => id > 2) ? ids : null;
    },
  };

  test('line 4 of 錦瑟: seven characters exactly, the last in 年’s rhyme (寒), in the poem’s script', async () => {
    const resources = new FormResources(model);
    await resources.prepare(true, true);
    const prompt = '錦瑟無端五十絃，一絃一柱思華年。\n莊生曉夢迷蝴蝶，';
    const steering = new FormSteering(resources.context(), { rhyme: true }, prompt);
    assert.equal(steering.firstPlan.target, 7);
    assert.equal(steering.firstPlan.exact, true);
    assert.equal(steering.firstPlan.rhymeWith?.word, '年');
    const r = steering.row();
    const logits = new Float32Array(pieces.length);
    r.shape(logits, '望帝春心託杜');
    const allowed = open(logits).map((id) => pieces[id]!);
    assert.ok(allowed.includes('鵑') && allowed.includes('煙') && allowed.includes('然') && allowed.includes('山'), allowed.join(''));
    for (const c of allowed) assert.equal(hanReadings(c)?.[0]?.group, '寒', `${c} rhymes with 年`);
    assert.ok(!allowed.includes('宇') && !allowed.includes('年'), 'not 宇, and not 年 itself');
  });
});
