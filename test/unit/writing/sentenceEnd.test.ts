// Where a prose sentence ends: ghost text's sentence rule, a command's paragraph cut and the
// worker's paragraph steering all read it here.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { endsSentence } from '../../../src/writing/prompts/text/sentenceEnd';

describe('endsSentence', () => {
  test('a full stop, question or exclamation mark, ellipsis or full-width mark, with closing quotes and brackets, and blanks after', () => {
    for (const t of ['She smiled.', 'Is it let at last?"', "'Faith!'", 'and then…', 'He left.)\n', '她笑了。', '真的吗？」', 'Said I. ']) assert.ok(endsSentence(t), t);
  });

  test('not a comma, colon, semicolon or dash, nor a word, nor a title or initial ("Mr.", "J.")', () => {
    for (const t of ['by some few hours,', 'to come home:', 'the same;', 'But I—', 'Lannay Hall in', 'said Mr.', 'by J.', '']) assert.ok(!endsSentence(t), t);
  });
});
