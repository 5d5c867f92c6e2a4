import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { agreesWithBlank, dropBlank, splitPromptEnd } from '../../../src/writing/prompts/text/promptEnd';

describe('a prompt that ends in a blank', () => {
  it('is sent without the blank, which the continuation must begin with', () => {
    assert.deepEqual(splitPromptEnd('of fj '), { text: 'of fj', blank: ' ' });
    assert.deepEqual(splitPromptEnd('thorn \t'), { text: 'thorn', blank: ' \t' });
    assert.deepEqual(splitPromptEnd('thorn'), { text: 'thorn', blank: '' });
    assert.deepEqual(splitPromptEnd('a line\n'), { text: 'a line\n', blank: '' }, 'a line break is not a blank');
    assert.deepEqual(splitPromptEnd('a line\n  '), { text: 'a line\n', blank: '  ' }, 'an indent after a line break is');
    assert.deepEqual(splitPromptEnd('   '), { text: '   ', blank: '' }, 'nothing but blanks: nothing to split');
  });

  it('allows only pieces that agree with the blank until it is written', () => {
    assert.equal(agreesWithBlank(' ', '', ' just'), true);
    assert.equal(agreesWithBlank(' ', '', 'ust'), false, 'a piece that continues the word before');
    assert.equal(agreesWithBlank(' ', '', '\n'), false);
    assert.equal(agreesWithBlank(' ', '', ''), false);
    assert.equal(agreesWithBlank('  ', '', ' '), true, 'part of a longer blank');
    assert.equal(agreesWithBlank('  ', ' ', ' x'), true);
    assert.equal(agreesWithBlank('  ', ' ', 'x'), false);
    assert.equal(agreesWithBlank(' ', ' ', 'ust'), true, 'once the blank is written anything goes');
    assert.equal(agreesWithBlank('', '', 'ust'), true);
  });

  it('drops the blank from the returned text, which continues the prompt as given', () => {
    assert.equal(dropBlank(' ', ' just'), 'just');
    assert.equal(dropBlank(' ', ''), '');
    assert.equal(dropBlank('', ' just'), ' just');
  });
});
