/**
 * Copy-free graphs prepared in Inkling's storage for a model folder the writer chose (the folder
 * is never written to), on copies of the real test model: prepared once per version of the
 * folder's weights, run by the real worker with the same text as the folder's own graph, the
 * outcome of a graph that does not fit remembered, and old graphs evicted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineClient } from '../../src/client/engineClient';
import { PreparedGraphs } from '../../src/client/preparedGraphs';
import { repoRoot, testModelDir, workerPath } from '../support/paths';

/** A writer's folder: the test model's configs, tokenizer and fp32 graph. */
function writersFolder(root: string, name: string, config: Record<string, unknown> = {}): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  for (const f of readdirSync(testModelDir)) if (f.endsWith('.json')) copyFileSync(join(testModelDir, f), join(dir, f));
  const base = JSON.parse(readFileSync(join(testModelDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...base, ...config }));
  copyFileSync(join(testModelDir, 'onnx', 'model.onnx'), join(dir, 'onnx', 'model.onnx'));
  return dir;
}

describe('prepared graphs for folders the writer chose (stories260K copies)', () => {
  let root: string;
  let storage: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'inkling-chosen-'));
    storage = join(root, 'storage');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('prepared once into storage, the folder untouched; the worker runs it and writes the same text', async () => {
    const dir = writersFolder(root, 'mine');
    const graphs = new PreparedGraphs(storage);
    assert.equal(graphs.wanted(dir, 'fp32'), true);
    assert.equal(graphs.wanted(join(repoRoot, 'test', 'fixtures', 'kvin-stories260K'), 'fp32'), false, 'a folder with its own fast graph');
    assert.equal(graphs.outcome(dir, 'fp32'), null);
    const record = await graphs.prepare(dir, 'fp32');
    assert.ok('file' in record, JSON.stringify(record));
    assert.ok(record.file.startsWith(storage), record.file);
    assert.equal(graphs.find(dir, 'fp32'), record.file);
    assert.deepEqual(readdirSync(join(dir, 'onnx')), ['model.onnx'], 'nothing written to the writer\'s folder');

    const logged: string[] = [];
    const fast = new EngineClient({ workerPath, logger: { trace() {}, debug() {}, info: (m: string) => logged.push(m), warn: (m: string) => logged.push(m), error: (m: string) => logged.push(m) } });
    const plain = new EngineClient({ workerPath });
    try {
      await fast.load({ dir, dtype: 'fp32', threads: 1, graph: record.file });
      await plain.load({ dir, dtype: 'fp32', threads: 1 });
      for (const sampling of [{ strategy: 'greedy' as const, maxNewTokens: 60 }, { seed: 3, temperature: 0.9, maxNewTokens: 40 }]) {
        const params = { prompt: 'Once upon a time, there was a little girl named Lily.', sampling };
        assert.equal((await fast.generate(params)).text, (await plain.generate(params)).text);
      }
      assert.ok(logged.some((m) => m.includes(`copy-free graph ${record.file}`)), logged.join('\n'));
      // The folder's own graph when asked for, whatever the spec carries.
      logged.length = 0;
      await fast.load({ dir, dtype: 'fp32', threads: 1, graph: record.file, layout: 'standard' });
      await fast.generate({ prompt: 'Once', sampling: { maxNewTokens: 2 } });
      assert.ok(logged.some((m) => m.includes('transformers.js graph onnx/model.onnx')), logged.join('\n'));
    } finally {
      await fast.dispose();
      await plain.dispose();
    }
  });

  test('new weights in the folder are prepared again; a graph that does not fit is noted, not retried; old graphs go', async () => {
    const graphs = new PreparedGraphs(storage, 2);
    const dir = writersFolder(root, 'updated');
    const first = await graphs.prepare(dir, 'fp32');
    assert.ok('file' in first);
    utimesSync(join(dir, 'onnx', 'model.onnx'), new Date(), new Date(Date.now() + 60_000));
    assert.equal(graphs.find(dir, 'fp32'), null, 'the weights changed: the old graph is not theirs');
    const second = await graphs.prepare(dir, 'fp32');
    assert.ok('file' in second && second.file !== first.file);

    const windowed = writersFolder(root, 'windowed', { sliding_window: 4096 });
    assert.deepEqual(await graphs.prepare(windowed, 'fp32'), { skipped: 'the model attends through a sliding window of 4096 tokens' });
    assert.equal(graphs.find(windowed, 'fp32'), null);
    assert.deepEqual(graphs.outcome(windowed, 'fp32')?.record, { skipped: 'the model attends through a sliding window of 4096 tokens' }, 'remembered: not read again');

    // A note in another shape (a later version, a broken file) is no note; a graph gone is prepared again.
    const key = readdirSync(storage).find((k) => graphs.find(dir, 'fp32')?.includes(k))!;
    const note = join(storage, key, 'outcome.json');
    const good = readFileSync(note, 'utf8');
    writeFileSync(note, '{"record": 5}');
    assert.equal(graphs.outcome(dir, 'fp32'), null);
    assert.equal(graphs.find(dir, 'fp32'), null);
    assert.equal(graphs.settled(dir, 'fp32'), false);
    // Written with another storage path (the storage moved): found where it is now.
    writeFileSync(note, good.replace(storage, '/elsewhere/storage'));
    assert.equal(graphs.find(dir, 'fp32'), second.file);
    rmSync(second.file);
    assert.equal(graphs.settled(dir, 'fp32'), false, 'its graph gone: to be prepared again');
    assert.equal(graphs.settled(windowed, 'fp32'), true, 'a graph that does not fit stays noted');
    assert.ok('file' in (await graphs.prepare(dir, 'fp32')));
    // Storage that cannot be written: an error, nothing noted (a later session tries again).
    const blocked = new PreparedGraphs(join(root, 'a-file'));
    writeFileSync(join(root, 'a-file'), '');
    await assert.rejects(blocked.prepare(dir, 'fp32'));
    assert.equal(blocked.outcome(dir, 'fp32'), null);

    const holding = () => readdirSync(storage).filter((k) => readdirSync(join(storage, k)).some((f) => f.endsWith('.onnx')));
    const third = writersFolder(root, 'third');
    assert.ok('file' in (await graphs.prepare(third, 'fp32')));
    assert.equal(holding().length, 2, `at most two graphs kept: ${holding().join(', ')}`);
    assert.ok(graphs.find(third, 'fp32') && graphs.find(dir, 'fp32'), 'the most recent stay');
  });
});
