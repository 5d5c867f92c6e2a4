// A command's prose paragraph on hand-made logits over a hand-made vocabulary: while a sentence
// is open no line break and no end of text; near the budget's end its closing marks, and at the
// last token only they.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLOSING_BOOST, CLOSING_TOKENS, ParagraphSteering } from '../../../src/engine/form/paragraphSteering';
import { VocabularyIndex } from '../../../src/engine/tokens/vocabularyIndex';

// prettier-ignore
const PIECES = [
  '', '', '',               // 0 unk, 1 bos, 2 eos
  '\n', '\n\n', ' she',     // 3–5
  ' smiled', ',', '.',      // 6–8
  '?"', ':', ' Mr',         // 9–11
];
const EOS = 2;
const vocab = new VocabularyIndex(PIECES);
const row = () => new ParagraphSteering(vocab, new Set([EOS])).row();

function shaped(text: string, tokensLeft?: number): Float32Array {
  const logits = new Float32Array(PIECES.length);
  row().shape(logits, text, tokensLeft);
  return logits;
}

describe('a prose paragraph', () => {
  test('while a sentence is open: no end of text, no line break, no blank line; words and marks go on', () => {
    for (const text of ['And she smiled,', 'And she smiled', 'to come home:', 'said Mr.']) {
      const l = shaped(text);
      assert.equal(l[EOS], -Infinity, text);
      assert.equal(l[3], -Infinity, text);
      assert.equal(l[4], -Infinity, text);
      assert.equal(l[5], 0, text);
      assert.equal(l[7], 0, text);
    }
  });

  test('nothing written yet: the paragraph has to hold something', () => {
    const l = shaped('');
    assert.equal(l[EOS], -Infinity);
    assert.equal(l[4], -Infinity);
    assert.equal(l[5], 0);
  });

  test('after a sentence end it may end, break its line or go on', () => {
    for (const text of ['She smiled.', '"Is it let at last?"', 'She smiled. ']) assert.deepEqual([...shaped(text)], new Array(PIECES.length).fill(0), text);
  });

  test('after a sentence end near the budget\'s end, the paragraph\'s end is nudged; with the last token it ends, not a sentence the budget would cut', () => {
    const near = shaped('She smiled.', 2);
    assert.ok(near[EOS]! > 0 && near[4]! === near[EOS], 'end of text and blank line nudged alike');
    assert.equal(near[5], 0, 'a word may still come');
    const last = shaped('She smiled.', 1);
    assert.deepEqual([...last.keys()].filter((id) => last[id]! > -Infinity), [EOS, 3, 4]);
  });

  test('near the budget\'s end the marks that end a sentence are nudged, harder as it runs out; with the last token after a word, only they', () => {
    assert.equal(shaped('And she smiled', CLOSING_TOKENS + 1)[8], 0, 'not yet');
    const early = shaped('And she smiled', CLOSING_TOKENS)[8]!;
    const late = shaped('And she smiled', 2)[8]!;
    assert.ok(early > 0 && early < late && late <= CLOSING_BOOST, `${early} < ${late}`);
    assert.equal(shaped('And she smiled', 2)[9], late, '?" ends one too');
    assert.equal(shaped('And she smiled', 2)[10], 0, 'a colon does not');
    const last = shaped('And she smiled', 1);
    assert.deepEqual([...last.keys()].filter((id) => last[id]! > -Infinity), [8, 9]);
    const afterComma = shaped('And she smiled,', 1);
    assert.equal(afterComma[5], 0, 'after a comma a word may still come: a full stop there would be no better');
  });

  test('the vocabulary knows the pieces that end a sentence', () => {
    assert.deepEqual(vocab.sentenceClosers, [8, 9]);
    assert.deepEqual([...vocab.closesSentence.keys()].filter((id) => vocab.closesSentence[id] === 1), [8, 9]);
  });
});
