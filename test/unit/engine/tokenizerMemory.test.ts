import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Tokenizer } from '@huggingface/tokenizers';
import { CompactRanks, releaseTokenizerSources } from '../../../src/engine/tokens/tokenizerMemory';

const key = (a: string, b: string) => JSON.stringify([a, b]);

/** A small BPE tokenizer.json: letters, a space piece, merges in both of the file formats. */
function bpeJson(mergesAsPairs: boolean): object {
  const pieces = ['<unk>', 'a', 'b', 'c', 'd', 'Ġ', 'ab', 'bc', 'abc', 'Ġa', 'Ġab', 'cd', 'abcd', 'dd'];
  const merges = [
    ['a', 'b'],
    ['b', 'c'],
    ['ab', 'c'],
    ['Ġ', 'a'],
    ['Ġa', 'b'],
    ['c', 'd'],
    ['abc', 'd'],
    ['d', 'd'],
  ];
  return {
    version: '1.0',
    added_tokens: [{ id: 0, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: 'Ġ', prepend_scheme: 'never', split: true },
    post_processor: null,
    decoder: { type: 'Metaspace', replacement: 'Ġ', prepend_scheme: 'never', split: true },
    model: { type: 'BPE', unk_token: '<unk>', vocab: Object.fromEntries(pieces.map((p, i) => [p, i])), merges: mergesAsPairs ? merges : merges.map((m) => m.join(' ')) },
  };
}

describe('CompactRanks', () => {
  const ids = new Map(['a', 'b', 'c', 'ab', 'bc', 'a b'].map((p, i) => [p, i]));

  test('answers every key as the library\'s Map does, a pair listed twice at its last rank', () => {
    const merges = [['a', 'b'], ['b', 'c'], ['ab', 'c'], ['a', 'b'], ['c', 'a']];
    const reference = new Map(merges.map((m, i) => [JSON.stringify(m), i]));
    const ranks = CompactRanks.from(merges, ids)!;
    assert.ok(ranks);
    assert.equal(ranks.size, 4);
    for (const a of ids.keys()) for (const b of ids.keys()) assert.equal(ranks.get(key(a, b)), reference.get(key(a, b)), `${a} + ${b}`);
    assert.equal(ranks.get(key('a', 'b')), 3);
    assert.equal(ranks.get(key('x', 'b')), undefined, 'a piece outside the vocabulary');
    assert.equal(ranks.get(key('b', 'x')), undefined);
  });

  test('reads merges written as "left right" strings like pairs', () => {
    const ranks = CompactRanks.from(['a b', 'ab c'], ids)!;
    assert.equal(ranks.get(key('a', 'b')), 0);
    assert.equal(ranks.get(key('ab', 'c')), 1);
    assert.equal(ranks.get(key('b', 'c')), undefined);
  });

  test('refuses merges it cannot stand for by ids', () => {
    assert.equal(CompactRanks.from([['a', 'zz']], ids), null, 'a piece missing from the vocabulary');
    assert.equal(CompactRanks.from([['a', 'b']], new Map([['a', 0], ['b', 1], ['B', 1]])), null, 'two pieces with one id');
    assert.equal(CompactRanks.from([['a', 'b', 'c']], ids), null, 'not a pair');
    assert.equal(CompactRanks.from([42], ids), null, 'not a merge');
    assert.equal(CompactRanks.from([['a', 'b']], new Map([['a', 0], ['b', 1.5]])), null, 'an id that is not an integer');
  });
});

describe('releaseTokenizerSources', () => {
  const texts = ['abcd abc ab a', 'dd d dddd cab bca', 'a b c d', 'abcdabcd  abab', 'x y z', '', 'ĠaĠab'];

  for (const pairs of [true, false]) {
    test(`a BPE tokenizer (merges as ${pairs ? 'pairs' : 'strings'}) encodes and decodes as before, without its sources`, () => {
      const json = bpeJson(pairs);
      const kept = new Tokenizer(bpeJson(pairs), {});
      const slim = new Tokenizer(json, {});
      const released = releaseTokenizerSources(slim, json);
      assert.deepEqual(released, { sources: true, ranks: true });
      const model = (json as { model: Record<string, unknown> }).model;
      assert.equal(model.vocab, undefined);
      assert.equal(model.merges, undefined);
      const inner = (slim as unknown as { model: { merges: unknown[]; bpe_ranks: unknown } }).model;
      assert.equal(inner.merges.length, 0);
      assert.ok(inner.bpe_ranks instanceof CompactRanks);
      // Random words over the alphabet too, so merges apply in every order the vocabulary allows.
      let seed = 7;
      const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
      const words = Array.from({ length: 300 }, () => Array.from({ length: 1 + Math.floor(rand() * 9) }, () => 'abcdĠ'[Math.floor(rand() * 5)]).join(''));
      for (const text of [...texts, ...words, words.join(' ')]) {
        const ids = slim.encode(text).ids;
        assert.deepEqual(ids, kept.encode(text).ids, JSON.stringify(text));
        if (ids.length) assert.equal(slim.decode(ids), kept.decode(ids));
      }
      assert.deepEqual(slim.encode('abcd').ids, [12], 'the merges still apply');
    });
  }

  test('a tokenizer of another shape keeps its ranks; the sources still go', () => {
    const json = { ...bpeJson(true), pre_tokenizer: { type: 'Whitespace' }, model: { type: 'WordLevel', vocab: { '<unk>': 0, hello: 1, world: 2 }, unk_token: '<unk>' } };
    const tokenizer = new Tokenizer(json, {});
    const before = tokenizer.encode('hello world').ids;
    assert.deepEqual(releaseTokenizerSources(tokenizer, json), { sources: true, ranks: false });
    assert.deepEqual(tokenizer.encode('hello world').ids, before);
  });
});
