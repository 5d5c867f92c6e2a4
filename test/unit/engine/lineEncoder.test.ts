/** Which tokenizers may be encoded line by line, and the line cache's bookkeeping. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineEncoder, lineSafe } from '../../../src/engine/tokens/lineEncoder';

const llama = () => ({
  model: { type: 'BPE', byte_fallback: true, vocab: { '<0x0A>': 13, '▁the': 278, 'he': 354 }, merges: ['h e', '▁t he'] },
  normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] },
  pre_tokenizer: null,
  added_tokens: [{ content: '<s>' }, { content: '</s>' }],
});

test('a SentencePiece-style BPE whose newline is a lone byte token may be encoded by line; anything else may not', () => {
  assert.equal(lineSafe(llama()), true);
  assert.equal(lineSafe({ ...llama(), normalizer: { type: 'Replace', pattern: { String: ' ' }, content: '▁' } }), true, "Inkling's own model: no prepend");
  assert.equal(lineSafe({ ...llama(), normalizer: { type: 'NFKC' } }), true);
  const no = (label: string, json: unknown) => assert.equal(lineSafe(json), false, label);
  no('a pre-tokenizer', { ...llama(), pre_tokenizer: { type: 'ByteLevel' } });
  no('no byte fallback', { ...llama(), model: { ...llama().model, byte_fallback: false } });
  no('a WordPiece model', { ...llama(), model: { ...llama().model, type: 'WordPiece' } });
  no('a merge that makes a newline piece', { ...llama(), model: { ...llama().model, merges: ['h e', '<0x0A> <0x0A>'] } });
  no('a piece holding a newline', { ...llama(), model: { ...llama().model, vocab: { '<0x0A>': 13, '\n\n': 14 } } });
  no('a piece holding the byte token and more', { ...llama(), model: { ...llama().model, vocab: { '<0x0A>': 13, '▁<0x0A>': 14 } } });
  no('a regex replacement', { ...llama(), normalizer: { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' } });
  no('a replacement that writes a newline', { ...llama(), normalizer: { type: 'Replace', pattern: { String: '\r' }, content: '\n' } });
  no('a replacement with a regex beside its string', { ...llama(), normalizer: { type: 'Replace', pattern: { String: ' ', Regex: '\\s' }, content: '▁' } });
  no('a prepend that writes a newline', { ...llama(), normalizer: { type: 'Prepend', prepend: '\n' } });
  no('a strip of the whole text', { ...llama(), normalizer: { type: 'Strip', strip_left: true, strip_right: true } });
  no('an added token spanning a newline', { ...llama(), added_tokens: [{ content: '<|im_end|>\n' }] });
  no('a prefix on continuing pieces', { ...llama(), model: { ...llama().model, continuing_subword_prefix: '##' } });
  no('a suffix on word ends', { ...llama(), model: { ...llama().model, end_of_word_suffix: '</w>' } });
  no('BPE dropout', { ...llama(), model: { ...llama().model, dropout: 0.1 } });
  no('a special token that strips the whitespace beside it', { ...llama(), added_tokens: [{ content: '<mask>', lstrip: true }] });
  assert.equal(lineSafe(llama(), { remove_space: true }), false, 'a config that collapses whitespace');
  assert.equal(lineSafe(llama(), { do_lowercase_and_remove_accent: true }), false);
  assert.equal(lineSafe(llama(), { clean_up_tokenization_spaces: false, add_bos_token: true }), true, 'settings of decoding and special tokens do not matter');
  no('not a tokenizer', null);
});

test('lines are encoded once, after a newline, and remembered; the first line as the start of the text', () => {
  // A stand-in tokenizer: one id per character, "▁" prepended at the text's start, the newline id 10.
  let calls = 0;
  const raw = (text: string) => {
    calls++;
    return [...`▁${text}`].map((c) => c.codePointAt(0)!);
  };
  const lines = LineEncoder.for(llama(), {}, raw)!;
  const text = 'first line\nsecond\n\nthird, unfinished';
  const expected = raw(text);
  calls = 0;
  assert.deepEqual(lines.encode(text), expected);
  const first = calls;
  assert.equal(lines.size, 3, 'second\\n, \\n and the last line');
  calls = 0;
  assert.deepEqual(lines.encode(`${text} more`), raw(`${text} more`));
  assert.equal(calls, 1 + 1 + 1, 'the first line, the changed last line (and the check against raw)');
  assert.equal(first, 4, 'the first line and the three after it');
  assert.deepEqual(lines.encode('one line'), raw('one line'));
  assert.deepEqual(lines.encode('ends in a newline\n'), raw('ends in a newline\n'));
  assert.deepEqual(lines.encode('\nstarts with one'), raw('\nstarts with one'));
});

test('the cache keeps the most recent lines up to 64 K characters, however long the lines', () => {
  const raw = (text: string) => [...text].map((c) => c.codePointAt(0)!);
  const lines = LineEncoder.for(llama(), {}, raw)!;
  const paragraph = (i: number) => `${String(i).padStart(4, '0')} ${'word '.repeat(400)}\n`; // ~2 KB, one line
  let text = 'Title\n';
  for (let i = 0; i < 100; i++) {
    text += paragraph(i);
    assert.deepEqual(lines.encode(text.slice(-4000)), raw(text.slice(-4000)));
  }
  assert.ok(lines.chars <= 64 * 1024, `${lines.chars} characters remembered`);
  assert.ok(lines.size >= 25, `${lines.size} lines remembered`);
  // A line over 8 K characters is encoded but not remembered.
  const before = lines.size;
  assert.deepEqual(lines.encode(`a\n${'x'.repeat(9000)}`), raw(`a\n${'x'.repeat(9000)}`));
  assert.equal(lines.size, before);
});

test('a tokenizer that merges the newline with the next line after all gives null, not wrong ids', () => {
  // The newline and a following "x" become one id: the anchor check catches it.
  const raw = (text: string) => {
    const ids: number[] = [];
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '\n' && text[i + 1] === 'x') {
        ids.push(999);
        i++;
      } else ids.push(text.charCodeAt(i));
    }
    return ids;
  };
  const lines = LineEncoder.for(llama(), {}, raw)!;
  assert.equal(lines.encode('a\nxyz'), null);
  assert.deepEqual(lines.encode('a\nbc'), raw('a\nbc'));
});
