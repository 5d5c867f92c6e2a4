/** The worker's environment (the host's, the caller's, the malloc threshold, Node mode); its V8 flags are checked on a real worker (test/engine/engine.test.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workerEnvironment } from '../../../src/client/workerLaunch';

test('the worker gets a fixed 256 KB malloc mmap threshold unless the writer set one, and always runs as Node', () => {
  const env = workerEnvironment({ PATH: '/bin', HOME: '/home/w' });
  assert.equal(env.MALLOC_MMAP_THRESHOLD_, '262144');
  assert.equal(env.PATH, '/bin');
  assert.equal(env.ELECTRON_RUN_AS_NODE, '1');
  assert.equal(workerEnvironment({ MALLOC_MMAP_THRESHOLD_: '65536' }).MALLOC_MMAP_THRESHOLD_, '65536', "the writer's own value stays");
  assert.equal(workerEnvironment({}, { MALLOC_MMAP_THRESHOLD_: '1048576' }).MALLOC_MMAP_THRESHOLD_, '1048576', "the caller's stays");
  assert.equal(workerEnvironment({ ELECTRON_RUN_AS_NODE: '0' }, { ELECTRON_RUN_AS_NODE: '' }).ELECTRON_RUN_AS_NODE, '1');
});
