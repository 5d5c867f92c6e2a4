import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendToCache, emptyCache, type KvCache, type KvLayout } from '../../../src/engine/model/kvCache';

// Two tensors of one batch row with three heads of two dimensions: three rows a tensor.
const layout: KvLayout = { kvHeads: 3, headDim: 2, tensors: 2 };

/** `s` new positions for every row of every tensor; value = tensor·1000 + row·100 + position. */
function fresh(cache: KvCache, s: number): Float32Array[] {
  return Array.from({ length: layout.tensors }, (_, t) => {
    const out = new Float32Array(layout.kvHeads * s * layout.headDim);
    for (let r = 0; r < layout.kvHeads; r++) for (let p = 0; p < s; p++) out.fill(t * 1000 + r * 100 + cache.length + p, (r * s + p) * layout.headDim, (r * s + p + 1) * layout.headDim);
    return out;
  });
}

/** Every valid position of every row, as the values `fresh` wrote. */
function valid(cache: KvCache): number[][] {
  return cache.data.map((d) => {
    const seen: number[] = [];
    for (let r = 0; r < layout.kvHeads; r++) for (let p = 0; p < cache.length; p++) seen.push(d[(r * cache.capacity! + p) * layout.headDim]!, d[(r * cache.capacity! + p) * layout.headDim + 1]!);
    return seen;
  });
}

function expected(length: number): number[][] {
  return Array.from({ length: layout.tensors }, (_, t) => Array.from({ length: layout.kvHeads }, (_, r) => Array.from({ length }, (_, p) => [t * 1000 + r * 100 + p, t * 1000 + r * 100 + p])).flat(2));
}

function grow(maxPositions: number | undefined, steps: number[]): KvCache[] {
  let cache: KvCache = { ...emptyCache(layout), capacity: 0 };
  const seen = [cache];
  for (const s of steps) {
    cache = appendToCache(cache, layout, fresh(cache, s), s, 4, maxPositions);
    seen.push(cache);
  }
  return seen;
}

test('a key/value cache that may grow in place keeps its buffers and every row\'s positions as it grows', () => {
  // 3 positions (room 4), +2 (grows to 8), +1, +3 (grows to 12).
  const caches = grow(16, [3, 2, 1, 3]);
  const last = caches.at(-1)!;
  assert.deepEqual([last.length, last.capacity], [9, 12]);
  assert.deepEqual(valid(last), expected(9));
  const firstBuffers = caches[1]!.data.map((d) => d.buffer);
  assert.ok(last.data.every((d, i) => d.buffer === firstBuffers[i]), 'grown in place, not replaced');
  assert.equal(last.data[0]!.length, 3 * 12 * 2);
});

test('without a maximum, or past it, a cache grows into new buffers and the old cache stays as it was', () => {
  for (const maxPositions of [undefined, 8]) {
    const caches = grow(maxPositions, [3, 2, 1, 3]);
    const last = caches.at(-1)!;
    assert.deepEqual(valid(last), expected(9), `max ${maxPositions}`);
    const before = caches[3]!; // 6 positions in 8 slots, before the growth to 12
    assert.ok(last.data.every((d, i) => d.buffer !== before.data[i]!.buffer), `max ${maxPositions}: new buffers past it`);
    assert.deepEqual(valid(before), expected(6), `max ${maxPositions}: the old cache is untouched`);
  }
});
