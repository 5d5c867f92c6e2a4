import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findStop, TextStream } from '../../../src/engine/tokens/textStream';
import { cacheBytes, commonPrefixLength, emptyCache, gatherRows, keepPromptEnd, truncateCache } from '../../../src/engine/model/kvCache';

// A toy SentencePiece-like decoder: ids map to pieces, '▁' is a space, a leading space is dropped.
const pieces: Record<number, string> = { 1: '▁Once', 2: '▁upon', 3: '▁a', 4: '▁time', 5: '\n', 6: '\xE2', 7: '\x80\x94' };
function decode(ids: readonly number[]): string {
  const raw = ids.map((i) => pieces[i] ?? '').join('');
  // bytes 6+7 together make an em dash; alone, a replacement character
  const text = raw.replace('\xE2\x80\x94', '—').replace(/[\xE2\x80\x94]+/g, '\uFFFD');
  return text.replace(/▁/g, ' ').replace(/^ /, '');
}

test('the first new piece keeps its leading space', () => {
  const s = new TextStream(decode, [1, 2]);
  assert.equal(s.textOf([3, 4]), ' a time');
  assert.equal(decode([3, 4]), 'a time'); // what a naive decode would give
});

test('push emits only stable new text and holds back half characters', () => {
  const s = new TextStream(decode, [1]);
  assert.equal(s.push([2]), ' upon');
  assert.equal(s.push([2, 6]), '');
  assert.equal(s.push([2, 6, 7]), '—');
  assert.equal(s.push([2, 6, 7, 5]), '\n');
});

test('findStop finds the earliest stop string, searching from an offset', () => {
  assert.equal(findStop('a line.\nnext', ['\n', '.']), 6);
  assert.equal(findStop('abc', ['x']), -1);
  assert.equal(findStop('ab\n\ncd', ['\n\n'], 3), 2);
});

test('KV cache: truncate keeps a prefix per row, gather tiles and reorders rows', () => {
  const layout = { kvHeads: 2, headDim: 1, tensors: 1 };
  // batch 2, heads 2, length 3: value = row*100 + head*10 + position
  const data = new Float32Array(2 * 2 * 3);
  for (let b = 0; b < 2; b++) for (let h = 0; h < 2; h++) for (let p = 0; p < 3; p++) data[(b * 2 + h) * 3 + p] = b * 100 + h * 10 + p;
  const cache = { batch: 2, length: 3, data: [data] };
  const t = truncateCache(cache, layout, 2);
  assert.deepEqual(Array.from(t.data[0]!), [0, 1, 10, 11, 100, 101, 110, 111]);
  const g = gatherRows(t, layout, [1, 1, 0]);
  assert.equal(g.batch, 3);
  assert.deepEqual(Array.from(g.data[0]!), [100, 101, 110, 111, 100, 101, 110, 111, 0, 1, 10, 11]);
  assert.equal(emptyCache(layout).length, 0);
  assert.equal(commonPrefixLength([1, 2, 3], [1, 2, 4, 5]), 2);
  assert.equal(commonPrefixLength([], [1]), 0);
});

test('a prompt longer than the room keeps its end, cut on a stride so a growing prompt keeps its cut', () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => i);
  assert.deepEqual(keepPromptEnd(ids(10), 16, false), ids(10), 'a prompt that fits is kept whole');
  // room 16: stride 4; at least 12 tokens kept.
  const cuts = [17, 18, 19, 20, 21, 22, 23, 24, 25].map((n) => keepPromptEnd(ids(n), 16, false));
  for (const kept of cuts) assert.ok(kept.length >= 12 && kept.length <= 16, `kept ${kept.length}`);
  assert.deepEqual(cuts.map((k) => k[0]), [4, 4, 4, 4, 8, 8, 8, 8, 12], 'the cut moves only every 4 tokens of growth');
  assert.deepEqual(keepPromptEnd(ids(17), 16, false), ids(17).slice(4));
  // The beginning-of-sequence token stays first; the cut is counted after it.
  const withBos = keepPromptEnd(ids(30), 16, true);
  assert.equal(withBos[0], 0);
  assert.ok(withBos.length <= 16 && withBos.length >= 12);
  assert.deepEqual(withBos.slice(1), ids(30).slice(30 - (withBos.length - 1)));
});

test('a copy-free cache tiled to a batch gets room for what the rows will write, its valid positions kept per head', () => {
  const layout = { kvHeads: 2, headDim: 2, tensors: 1 };
  // One row, 2 heads, capacity 3 (2 valid), headDim 2: head 0 holds 0,1 | 10,11 | (junk 9,9); head 1 holds 100,101 | 110,111 | (9,9).
  const cache = { batch: 1, length: 2, capacity: 3, data: [Float32Array.from([0, 1, 10, 11, 9, 9, 100, 101, 110, 111, 9, 9])] };
  const same = gatherRows(cache, layout, [0, 0]);
  assert.equal(same.capacity, 3);
  assert.deepEqual(Array.from(same.data[0]!), [...Array.from(cache.data[0]!), ...Array.from(cache.data[0]!)], 'no room asked: the rows as they were, both');
  const roomy = gatherRows(cache, layout, [0, 0], 5, 4);
  assert.equal(roomy.capacity, 8, 'rounded up to the granule');
  assert.equal(roomy.length, 2);
  const row = [0, 1, 10, 11, ...new Array(12).fill(0), 100, 101, 110, 111, ...new Array(12).fill(0)];
  assert.deepEqual(Array.from(roomy.data[0]!), [...row, ...row], 'each head at the new stride, the free slots zero');
  assert.equal(gatherRows(cache, layout, [0], 2).capacity, 3, 'never less room than it had');
});

test('cacheBytes counts what a tiled cache holds, so the generator can weigh a batch before building it', () => {
  const layout = { kvHeads: 2, headDim: 2, tensors: 3 };
  const cache = { batch: 1, length: 2, capacity: 3, data: Array.from({ length: 3 }, () => new Float32Array(12)) };
  const tiled = gatherRows(cache, layout, [0, 0, 0], 7, 4);
  const held = tiled.data.reduce((sum, d) => sum + d.byteLength, 0);
  assert.equal(cacheBytes(layout, 3, tiled.capacity!), held);
  assert.equal(held, 3 * 3 * 2 * 8 * 2 * 4, 'rows × tensors × heads × room × headDim × float32');
  // Inkling's own model (6 layers, 4 KV heads of 32) against a SmolLM2-135M shape (30 layers, 3 of 64), three rows of 576 positions.
  assert.ok(cacheBytes({ kvHeads: 4, headDim: 32, tensors: 12 }, 3, 576) < 16 * 2 ** 20);
  assert.ok(cacheBytes({ kvHeads: 3, headDim: 64, tensors: 60 }, 3, 576) > 16 * 2 ** 20);
});
