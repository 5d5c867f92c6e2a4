import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTrimFrom } from '../../../src/engine/memoryTrim';
import { repoRoot } from '../../support/paths';

const built = join(repoRoot, 'dist', 'native', `${process.platform}-${process.arch}`, 'trim.node');

test("the worker's memory helper is looked for beside its bundle; where it is absent, nothing", () => {
  const empty = mkdtempSync(join(tmpdir(), 'inkling-no-helper-'));
  try {
    assert.equal(loadTrimFrom(empty), null);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('built here (Linux, a C compiler, Node headers), it loads and answers whether it gave pages back', { skip: !existsSync(built) && 'the helper is not built on this machine' }, () => {
  const trim = loadTrimFrom(join(repoRoot, 'dist'));
  assert.equal(typeof trim, 'function');
  assert.equal(typeof trim!(), 'boolean', 'whether it released any');
});
