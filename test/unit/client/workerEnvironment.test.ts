/** The worker's environment (the host's, the caller's, the malloc threshold, Node mode) and its V8 flags. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LARGE_GRAPH_BYTES, workerEnvironment, workerFlagsFor } from '../../../src/client/workerLaunch';

test('the worker gets a fixed 256 KB malloc mmap threshold unless the writer set one, and always runs as Node', () => {
  const env = workerEnvironment({ PATH: '/bin', HOME: '/home/w' });
  assert.equal(env.MALLOC_MMAP_THRESHOLD_, '262144');
  assert.equal(env.PATH, '/bin');
  assert.equal(env.ELECTRON_RUN_AS_NODE, '1');
  assert.equal(workerEnvironment({ MALLOC_MMAP_THRESHOLD_: '65536' }).MALLOC_MMAP_THRESHOLD_, '65536', "the writer's own value stays");
  assert.equal(workerEnvironment({}, { MALLOC_MMAP_THRESHOLD_: '1048576' }).MALLOC_MMAP_THRESHOLD_, '1048576', "the caller's stays");
  assert.equal(workerEnvironment({ ELECTRON_RUN_AS_NODE: '0' }, { ELECTRON_RUN_AS_NODE: '' }).ELECTRON_RUN_AS_NODE, '1');
});

test('a worker for a graph of 32 MB or more gets a 4 MB young generation; a smaller one Node\'s default', () => {
  assert.deepEqual(workerFlagsFor(0), []);
  assert.deepEqual(workerFlagsFor(3_587_537), [], "Inkling's own model");
  assert.deepEqual(workerFlagsFor(LARGE_GRAPH_BYTES - 1), []);
  assert.deepEqual(workerFlagsFor(LARGE_GRAPH_BYTES), ['--max-semi-space-size=4']);
  assert.deepEqual(workerFlagsFor(88_705_056), ['--max-semi-space-size=4'], 'a 135M-parameter 4-bit graph');
});
