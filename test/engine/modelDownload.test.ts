/**
 * The model downloader against a loopback hub that serves the real test model in the hub's URL
 * layout: a full install that the real worker then runs, a dropped connection resumed with Range,
 * checksum failures, cancellation with the partial kept, and the consent gate (no request at all).
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineClient } from '../../src/client/engineClient';
import { DownloadError, installModel, type DownloadProgress } from '../../src/client/modelDownloader';
import { loadManifest, type KnownModel } from '../../src/client/modelManifest';
import { INSTALL_RECORD, ModelStore } from '../../src/client/modelStore';
import { repoRoot, testModelDir, workerPath } from '../support/paths';
import { startHubServer, type HubServer } from '../support/hubServer';

const REPO = 'inkling-test/stories260K';
const ONNX = 'onnx/model_quantized.onnx';
const ONNX_SIZE = statSync(join(testModelDir, ONNX)).size;
const known = loadManifest(join(repoRoot, 'models/manifest.json'));
const stories = known.find((m) => m.id === 'stories260K')!;

/** The same model as the manifest knows it, but with no checksums: the hub's word is all there is. */
function withoutChecksums(model: KnownModel): KnownModel {
  return { ...model, id: 'stories260K-hub', size: undefined, files: model.files.map(({ path, optional }) => (optional ? { path, optional } : { path })) } as KnownModel;
}

async function expectDownloadError(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<DownloadError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DownloadError, `a DownloadError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return e;
  }
  assert.fail(`expected a DownloadError (${code})`);
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function onnxGets(hub: HubServer): { range?: string; sent: number; status: number }[] {
  return hub.requests.filter((r) => r.method === 'GET' && r.path.endsWith(ONNX) && r.path.startsWith('/cdn/'));
}

describe('model downloader (loopback hub serving stories260K)', () => {
  let hub: HubServer;
  let storage: string;
  let store: ModelStore;
  const fast = { retryDelaysMs: [20, 50, 100], timeoutMs: 5000 };

  before(async () => {
    assert.ok(stories, 'the manifest lists the test model');
    hub = await startHubServer({ [REPO]: testModelDir });
  });
  after(() => hub.close());
  beforeEach(() => {
    storage = mkdtempSync(join(tmpdir(), 'inkling-models-'));
    store = new ModelStore(join(storage, 'models'));
    hub.requests.length = 0;
    for (const key of Object.keys(hub.faults) as (keyof typeof hub.faults)[]) delete hub.faults[key];
  });
  afterEach(() => rmSync(storage, { recursive: true, force: true }));

  test('allowDownloads=false: no request reaches the hub, nothing is written, the writer is told how to allow it', async () => {
    await expectDownloadError(installModel(stories, { store, endpoint: hub.url, allowDownloads: false }), 'downloads-disabled', /inkling\.network\.allowDownloads/);
    assert.equal(hub.requests.length, 0);
    assert.equal(existsSync(store.root), false);
  });

  test('a full download is verified against the manifest, installed atomically, and the real worker runs it', async () => {
    const progress: DownloadProgress[] = [];
    const installed = await installModel(stories, { store, endpoint: hub.url, allowDownloads: true, onProgress: (p) => progress.push(p), ...fast });
    assert.equal(installed.dir, join(store.root, 'stories260K'));
    assert.deepEqual(store.installed().map((m) => m.record.id), ['stories260K']);
    assert.equal(existsSync(store.stagingDirFor('stories260K')), false, 'the staging folder was moved into place');
    // The downloaded graph is kept; the copy-free one is written beside it (no .partial left).
    assert.deepEqual(readdirSync(join(installed.dir, 'onnx')).sort(), ['model_kvin_q8.onnx', 'model_quantized.onnx']);
    assert.equal(sha256(join(installed.dir, ONNX)), stories.files.find((f) => f.path === ONNX)!.sha256, 'the original is unchanged');
    const copyFree = installed.record.copyFree;
    assert.ok(copyFree && 'file' in copyFree, JSON.stringify(copyFree));
    assert.equal(copyFree.file, 'onnx/model_kvin_q8.onnx');
    assert.ok(copyFree.lastPositionNodes > 10, `the last MLP, norm and head run on one row (${copyFree.lastPositionNodes} nodes after ${copyFree.cutAt})`);
    const onnx = installed.record.files.find((f) => f.path === ONNX)!;
    assert.equal(onnx.verification, 'sha256-manifest');
    assert.equal(onnx.sha256, stories.files.find((f) => f.path === ONNX)!.sha256);
    assert.equal(installed.record.source.repo, REPO);
    assert.match(installed.record.source.commit ?? '', /^[0-9a-f]{40}$/);
    // Progress: per file and overall, reaching the manifest's total; then the rewrite's.
    const last = progress.filter((p) => p.phase !== 'prepare').at(-1)!;
    const prepared = progress.filter((p) => p.phase === 'prepare');
    assert.ok(prepared.length > 0 && prepared.at(-1)!.bytes === prepared.at(-1)!.total, 'the rewrite reports its progress to the end');
    assert.ok(progress.indexOf(prepared[0]!) > progress.indexOf(last), 'after every download');
    assert.equal(last.total, stories.size);
    assert.equal(last.bytes, stories.size);
    assert.ok(progress.some((p) => p.file === ONNX && p.fileBytes > 0 && p.fileBytes < ONNX_SIZE), 'progress within the large file');
    // Every byte was fetched once: one HEAD per file, one GET per file (the onnx via its CDN redirect).
    assert.equal(hub.requests.filter((r) => r.method === 'HEAD').length, stories.files.length);
    assert.equal(onnxGets(hub).length, 1);

    // The worker's own complaints go to the test output, so a failed start says why.
    const logged: string[] = [];
    const logger = { trace() {}, debug() {}, info: (m: string) => logged.push(m), warn: (m: string) => console.error(m), error: (m: string) => console.error(m) };
    const fromDownload = new EngineClient({ workerPath, logger });
    const fromShared = new EngineClient({ workerPath, logger });
    try {
      await fromDownload.load({ dir: installed.dir, dtype: 'q8', threads: 1 });
      await fromShared.load({ dir: testModelDir, dtype: 'q8', threads: 1 });
      const params = { prompt: 'Once upon a time', sampling: { seed: 11, maxNewTokens: 16 } };
      const a = await fromDownload.generate(params);
      const b = await fromShared.generate(params);
      assert.ok(a.text.length > 5);
      assert.equal(a.text, b.text, 'the downloaded model (copy-free graph) writes exactly what the original writes');
      assert.match(logged.join('\n'), /copy-free/, 'the worker ran the copy-free graph');
    } finally {
      await fromDownload.dispose();
      await fromShared.dispose();
    }

    // Installed already: no network at all, even with downloads now off.
    hub.requests.length = 0;
    const again = await installModel(stories, { store, endpoint: hub.url, allowDownloads: false });
    assert.equal(again.dir, installed.dir);
    assert.equal(hub.requests.length, 0);
  });

  test('a model installed before installs wrote the copy-free graph gets it when chosen again, with no network', async () => {
    const installed = await installModel(stories, { store, endpoint: hub.url, allowDownloads: true, ...fast });
    // As an older Inkling left it: no fast graph, no word about it in the record.
    rmSync(join(installed.dir, 'onnx', 'model_kvin_q8.onnx'));
    const recordFile = join(installed.dir, INSTALL_RECORD);
    const { copyFree: _, ...old } = JSON.parse(readFileSync(recordFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(recordFile, JSON.stringify(old));
    assert.equal(store.find('stories260K')?.record.copyFree, undefined);
    hub.requests.length = 0;
    const again = await installModel(stories, { store, endpoint: hub.url, allowDownloads: false });
    assert.equal(hub.requests.length, 0);
    assert.ok(existsSync(join(installed.dir, 'onnx', 'model_kvin_q8.onnx')));
    assert.deepEqual(again.record.copyFree, store.find('stories260K')?.record.copyFree, 'the record on disk says so');
    assert.equal((again.record.copyFree as { file?: string }).file, 'onnx/model_kvin_q8.onnx');
  });

  test('without project checksums the large file is verified against the sha256 the hub reports, small files by size and JSON', async () => {
    const installed = await installModel(withoutChecksums(stories), { store, endpoint: hub.url, allowDownloads: true, ...fast });
    const by = Object.fromEntries(installed.record.files.map((f) => [f.path, f.verification]));
    assert.equal(by[ONNX], 'sha256-hub');
    assert.equal(by['config.json'], 'size-and-json');
    assert.equal(by.LICENSE, 'size');
  });

  test('a connection dropped midway resumes with a Range request for the remaining bytes only', async () => {
    hub.faults.dropAfter = new Map([[ONNX, 200_000]]);
    const installed = await installModel(stories, { store, endpoint: hub.url, allowDownloads: true, ...fast });
    const gets = onnxGets(hub);
    assert.equal(gets.length, 2, JSON.stringify(gets));
    assert.equal(gets[0]!.range, undefined);
    assert.equal(gets[0]!.sent, 200_000);
    const resumedFrom = Number(/^bytes=(\d+)-$/.exec(gets[1]!.range ?? '')?.[1]);
    assert.ok(resumedFrom > 0 && resumedFrom <= 200_000, `resumed from ${gets[1]!.range}`);
    assert.equal(gets[1]!.status, 206);
    assert.equal(gets[1]!.sent, ONNX_SIZE - resumedFrom, 'the second request fetched only what was missing');
    assert.equal(installed.record.files.find((f) => f.path === ONNX)!.verification, 'sha256-manifest');
  });

  test('a server that ignores Range still yields a correct file', async () => {
    hub.faults.dropAfter = new Map([[ONNX, 100_000]]);
    hub.faults.ignoreRange = true;
    const installed = await installModel(stories, { store, endpoint: hub.url, allowDownloads: true, ...fast });
    assert.equal(installed.record.files.find((f) => f.path === ONNX)!.size, ONNX_SIZE);
    assert.equal(onnxGets(hub).at(-1)!.status, 200);
  });

  test('bytes that do not match the checksum: a clear error, the file discarded, nothing that looks installed', async () => {
    hub.faults.corrupt = new Set([ONNX]);
    await expectDownloadError(installModel(stories, { store, endpoint: hub.url, allowDownloads: true, ...fast }), 'checksum', /model_quantized\.onnx failed its integrity check.*discarded/);
    assert.equal(existsSync(store.dirFor('stories260K')), false);
    assert.deepEqual(store.installed(), []);
    const staging = store.stagingDirFor('stories260K');
    assert.equal(existsSync(join(staging, `${ONNX}.partial`)), false, 'the damaged partial is not kept for resuming');
    assert.equal(existsSync(join(staging, INSTALL_RECORD)), false);
    // The same checks against the hub's own sha256, when the manifest has none.
    await expectDownloadError(installModel(withoutChecksums(stories), { store, endpoint: hub.url, allowDownloads: true, ...fast }), 'checksum');
    assert.deepEqual(store.installed(), []);
    // Once the hub serves the right bytes, the same call succeeds.
    hub.faults.corrupt.clear();
    assert.equal((await installModel(stories, { store, endpoint: hub.url, allowDownloads: true, ...fast })).record.id, 'stories260K');
  });

  test('a manifest checksum the hub contradicts stops the install before any file is fetched', async () => {
    const wrong: KnownModel = { ...stories, files: stories.files.map((f) => (f.path === ONNX ? { ...f, sha256: '0'.repeat(64) } : f)) };
    await expectDownloadError(installModel(wrong, { store, endpoint: hub.url, allowDownloads: true, ...fast }), 'checksum', /not the file Inkling knows/);
    assert.equal(hub.requests.filter((r) => r.method === 'GET').length, 0);
    assert.deepEqual(store.installed(), []);
  });

  test('cancelling keeps the partial file; the next install resumes from it', async () => {
    hub.faults.trickle = { chunk: 16 * 1024, delayMs: 30 };
    const controller = new AbortController();
    const run = installModel(stories, {
      store,
      endpoint: hub.url,
      allowDownloads: true,
      signal: controller.signal,
      onProgress: (p) => p.file === ONNX && p.fileBytes >= 100_000 && controller.abort(),
      ...fast,
    });
    await expectDownloadError(run, 'cancelled');
    const partial = join(store.stagingDirFor('stories260K'), `${ONNX}.partial`);
    const kept = statSync(partial).size;
    // What reached the disk before the abort (a prefix of the file; bytes still in flight are dropped).
    assert.ok(kept > 0 && kept < ONNX_SIZE, `kept ${kept} bytes`);
    assert.equal(existsSync(store.dirFor('stories260K')), false);

    delete hub.faults.trickle;
    hub.requests.length = 0;
    const installed = await installModel(stories, { store, endpoint: hub.url, allowDownloads: true, ...fast });
    const gets = onnxGets(hub);
    assert.equal(gets.length, 1);
    assert.equal(gets[0]!.range, `bytes=${kept}-`);
    assert.equal(gets[0]!.sent, ONNX_SIZE - kept);
    assert.equal(installed.record.files.find((f) => f.path === ONNX)!.verification, 'sha256-manifest');
  });

  test('an installed model whose file was damaged by hand no longer counts as installed, and installing replaces it', async () => {
    const first = await installModel(stories, { store, endpoint: hub.url, allowDownloads: true, ...fast });
    truncateSync(join(first.dir, ONNX), 1000);
    assert.deepEqual(store.installed(), []);
    hub.requests.length = 0;
    const again = await installModel(stories, { store, endpoint: hub.url, allowDownloads: true, ...fast });
    assert.equal(statSync(join(again.dir, ONNX)).size, ONNX_SIZE);
    assert.equal(onnxGets(hub).length, 1);
    assert.deepEqual(store.installed().map((m) => m.record.id), ['stories260K']);
  });

  test('a missing required file is named; a missing optional file is skipped', async () => {
    const missing: KnownModel = { ...stories, id: 'needs-more', size: undefined, files: [...stories.files, { path: 'onnx/model_fp16.onnx' }] } as KnownModel;
    await expectDownloadError(installModel(missing, { store, endpoint: hub.url, allowDownloads: true, ...fast }), 'not-found', /no onnx\/model_fp16\.onnx/);
    const optional: KnownModel = { ...stories, id: 'optional-extra', size: undefined, files: [...stories.files, { path: 'merges.txt', optional: true }] } as KnownModel;
    const installed = await installModel(optional, { store, endpoint: hub.url, allowDownloads: true, ...fast });
    assert.equal(installed.record.files.some((f) => f.path === 'merges.txt'), false);
  });

  test('a hub address on plain http to another machine is refused before any request', async () => {
    await expectDownloadError(installModel(stories, { store, endpoint: 'http://example.invalid', allowDownloads: true }), 'insecure', /https/);
  });
});
