import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUFFER_GARBAGE_MAX, BUFFER_GARBAGE_MIN, IdleCollection } from '../../../src/engine/idleCollection';

const MB = 2 ** 20;

test('after a load: one collection, then one after the first generation (not after a token count), then none', () => {
  const c = new IdleCollection();
  assert.equal(c.reason(0), null, 'nothing loaded, nothing due');
  c.loaded(3 * MB);
  assert.equal(c.reason(50 * MB), 'loading and the first request');
  c.collected('loading and the first request', 50 * MB);
  assert.equal(c.reason(50 * MB), null, 'a token count next: the last one waits for a generation');
  c.generating();
  assert.equal(c.reason(51 * MB), 'loading and the first request');
  c.collected('loading and the first request', 40 * MB);
  assert.equal(c.reason(41 * MB), null);
});

test('then when the buffers held grow by a full cache since the last collection, bounded to 2–8 MiB', () => {
  const c = new IdleCollection();
  c.loaded(3 * MB); // Inkling's own model: 512 positions of 6 KB
  c.generating();
  c.collected('loading and the first request', 10 * MB);
  c.collected('loading and the first request', 10 * MB);
  assert.equal(c.reason(12.9 * MB), null, 'under one cache of garbage');
  assert.equal(c.reason(13.1 * MB), 'key/value buffers let go');
  c.collected('key/value buffers let go', 11 * MB);
  assert.equal(c.reason(13 * MB), null, 'counted from what the collection left');
  c.loaded(377 * MB); // a 135M model's 8,192-position cache: capped
  c.generating();
  c.collected('loading and the first request', 100 * MB);
  c.collected('loading and the first request', 100 * MB);
  assert.equal(c.reason(100 * MB + BUFFER_GARBAGE_MAX - 1), null);
  assert.equal(c.reason(100 * MB + BUFFER_GARBAGE_MAX + 1), 'key/value buffers let go');
  c.loaded(0.5 * MB); // a toy model: floored
  c.generating();
  c.collected('loading and the first request', 0);
  c.collected('loading and the first request', 0);
  assert.equal(c.reason(BUFFER_GARBAGE_MIN - 1), null);
  assert.equal(c.reason(BUFFER_GARBAGE_MIN + 1), 'key/value buffers let go');
});

test('a generation that ran before the load\'s collection could is covered by that one collection', () => {
  const c = new IdleCollection();
  c.loaded(3 * MB);
  c.generating(); // the first request was queued behind the load: no idle moment between them
  assert.equal(c.reason(0), 'loading and the first request');
  c.collected('loading and the first request', 0);
  assert.equal(c.reason(0), null, 'not a second, redundant one');
});

test('a model let go without another (a failed load): one collection', () => {
  const c = new IdleCollection();
  c.released();
  assert.equal(c.reason(0), 'loading and the first request');
  c.collected('loading and the first request', 0);
  assert.equal(c.reason(0), null);
});
