/**
 * Installs a known model from the Hugging Face hub into the model store, only when the writer
 * has allowed network access. Each file downloads to `<path>.partial` (resumed with HTTP Range
 * after a dropped connection or a cancel), is verified, and is renamed into place; the model
 * folder appears under its final name only when every file is verified.
 *
 * Verification: against the sha256 the project computed (manifest) when it has one, else the
 * sha256 the hub reports for large (LFS) files in X-Linked-Etag. The hub's etag for a small file
 * is a git object id, not a content hash, so small files are checked by their reported size and,
 * for JSON, by parsing. A model file (.onnx) with no sha256 from either source is refused.
 * Runs in the extension host (or any Node process), never in the model worker.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { checkModelFolder, COPY_FREE_FILE_FOR_DTYPE } from '../engine/model/modelFolder';
import { addCopyFreeGraph, type CopyFreeRecord } from '../engine/graph/copyFreeRewrite';
import { appendFromOffset, checkEndpoint, headHubFile, HubError, resolveUrl, type HubFileInfo } from './hubHttp';
import type { KnownModel, ManifestFile } from './modelManifest';
import { INSTALL_RECORD, type InstallRecord, type InstalledModel, type ModelStore, type Verification } from './modelStore';
import { msg } from '../common/message';

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** Said when a download is asked for while downloads are off (a function: said in the writer's language). */
export const downloadsOffMessage = (): string =>
  msg('Downloading models is turned off, so Inkling made no network request. To let it fetch models from the Hugging Face hub, turn on "inkling.network.allowDownloads" in your user settings — or choose a model folder you already have.');

export type DownloadErrorCode = 'downloads-disabled' | 'cancelled' | 'network' | 'http' | 'not-found' | 'insecure' | 'checksum' | 'size' | 'invalid-file' | 'unverifiable' | 'invalid-model';

export class DownloadError extends Error {
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DownloadError';
  }
}

export interface DownloadProgress {
  /** `prepare`: the files are all here and the copy-free graph is being written (graph/copyFreeRewrite.ts). */
  phase?: 'download' | 'prepare';
  /** The file being fetched (its path in the repository), or being written while preparing. */
  file: string;
  fileBytes: number;
  fileTotal?: number;
  /** Bytes of the whole model on disk so far, resumed parts included. */
  bytes: number;
  total?: number;
}

export interface DownloadOptions {
  store: ModelStore;
  /** Hub base URL; https, or http to this machine only. */
  endpoint?: string;
  /** The writer's consent. When false nothing touches the network. */
  allowDownloads: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Waits before retrying a dropped connection; an attempt that made progress resets the count. */
  retryDelaysMs?: number[];
  timeoutMs?: number;
  log?: (message: string) => void;
}

interface PlannedFile {
  file: ManifestFile;
  url: URL;
  hub: HubFileInfo;
  size?: number;
}

/** Installs `model` (or returns it when already installed, without any network request). */
export async function installModel(model: KnownModel, options: DownloadOptions): Promise<InstalledModel> {
  const { store } = options;
  const existing = store.find(model.id);
  if (existing) return existing.record.copyFree ? existing : await prepareInstalled(existing, model, options);
  if (!options.allowDownloads) throw new DownloadError('downloads-disabled', downloadsOffMessage());
  const endpoint = options.endpoint ?? DEFAULT_HUB_ENDPOINT;
  const log = options.log ?? (() => {});
  try {
    checkEndpoint(endpoint);
    const plan = await planDownload(model, endpoint, options);
    const staging = store.stagingDirFor(model.id);
    mkdirSync(staging, { recursive: true });
    const total = plan.every((p) => p.size !== undefined) ? plan.reduce((s, p) => s + p.size!, 0) : undefined;
    let done = 0;
    const verified: InstallRecord['files'] = [];
    for (const planned of plan) {
      const result = await fetchFile(planned, staging, options, (fileBytes) => {
        options.onProgress?.({ file: planned.file.path, fileBytes, fileTotal: planned.size, bytes: done + fileBytes, total });
      });
      done += result.size;
      verified.push(result);
      log(`${model.id}: ${planned.file.path} ${result.size} bytes, verified by ${result.verification}`);
    }
    const copyFree = await prepareFastGraph(staging, model, options, log);
    const record: InstallRecord = {
      id: model.id,
      name: model.name,
      licence: model.licence,
      source: { endpoint, repo: model.source.repo, revision: model.source.revision, ...(plan.find((p) => p.hub.commit) ? { commit: plan.find((p) => p.hub.commit)!.hub.commit! } : {}) },
      dtype: model.dtype,
      installedAt: new Date().toISOString(),
      files: verified,
      copyFree,
    };
    writeFileSync(join(staging, INSTALL_RECORD), `${JSON.stringify(record, null, 2)}\n`);
    try {
      checkModelFolder(staging, model.dtype);
    } catch (e) {
      throw new DownloadError('invalid-model', msg('{0} downloaded, but it is not a usable model folder: {1}', model.name, (e as Error).message));
    }
    const target = store.dirFor(model.id);
    // Only a folder that is not a valid install can be here (find() said so): replace it.
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    const installed = store.find(model.id);
    if (!installed) throw new DownloadError('invalid-model', msg('{0} was downloaded but could not be found in {1}.', model.name, target));
    return installed;
  } catch (e) {
    throw asDownloadError(e);
  }
}

/** A model installed before installs wrote the copy-free graph gets it now, once (no network). */
async function prepareInstalled(installed: InstalledModel, model: KnownModel, options: DownloadOptions): Promise<InstalledModel> {
  const log = options.log ?? (() => {});
  const copyFree = await prepareFastGraph(installed.dir, model, options, log);
  const record: InstallRecord = { ...installed.record, copyFree };
  const file = join(installed.dir, INSTALL_RECORD);
  try {
    writeFileSync(`${file}.partial`, `${JSON.stringify(record, null, 2)}\n`);
    renameSync(`${file}.partial`, file);
  } catch (e) {
    // A read-only or full disk must not cost the writer a model that is installed: next time it is tried again.
    rmSync(`${file}.partial`, { force: true });
    log(`${model.id}: the install record could not be updated (${(e as Error).message}); the model is used as it is.`);
  }
  return { dir: installed.dir, record };
}

/**
 * The one-time rewrite of the downloaded transformers.js graph into the copy-free layout, beside
 * it. Never fails the install: a graph that does not fit, or a rewrite that throws, leaves the
 * folder running the standard graph, and the record says why.
 */
async function prepareFastGraph(dir: string, model: KnownModel, options: DownloadOptions, log: (m: string) => void): Promise<CopyFreeRecord> {
  const started = Date.now();
  try {
    const done = await addCopyFreeGraph(dir, model.dtype, (bytes, total) => {
      options.onProgress?.({ phase: 'prepare', file: COPY_FREE_FILE_FOR_DTYPE[model.dtype] ?? '', fileBytes: bytes, fileTotal: total, bytes, total });
    });
    log('file' in done ? `${model.id}: wrote ${done.file} from ${done.from} in ${Date.now() - started} ms (last position taken at ${done.cutAt}, ${done.lastPositionNodes} nodes after it; ${embeddingsNote(done.embeddings)})` : `${model.id}: runs the standard graph: ${done.skipped}`);
    return done;
  } catch (e) {
    log(`${model.id}: the copy-free rewrite failed, the standard graph runs: ${(e as Error).message}`);
    return { skipped: `the rewrite failed: ${(e as Error).message}` };
  }
}

/** Asks the hub about every file first: sizes for the progress bar, checksums before any data. */
async function planDownload(model: KnownModel, endpoint: string, options: DownloadOptions): Promise<PlannedFile[]> {
  const plan: PlannedFile[] = [];
  for (const file of model.files) {
    const url = resolveUrl(endpoint, model.source.repo, model.source.revision, file.path);
    let hub: HubFileInfo;
    try {
      hub = await headHubFile(url, options);
    } catch (e) {
      if (e instanceof HubError && e.code === 'not-found' && file.optional) continue;
      if (e instanceof HubError && e.code === 'not-found') throw new DownloadError('not-found', msg('{0} on the hub has no {1} (revision {2}).', model.source.repo, file.path, model.source.revision));
      throw e;
    }
    if (file.sha256 && hub.sha256 && file.sha256 !== hub.sha256) {
      throw new DownloadError('checksum', msg('The hub\'s {0} for {1} is not the file Inkling knows (sha256 {2}…, expected {3}…). Nothing was downloaded.', file.path, model.name, hub.sha256.slice(0, 12), file.sha256.slice(0, 12)));
    }
    if (file.size !== undefined && hub.size !== undefined && file.size !== hub.size) {
      throw new DownloadError('size', msg('The hub\'s {0} for {1} has {2} bytes; Inkling expects {3}. Nothing was downloaded.', file.path, model.name, hub.size, file.size));
    }
    if (/\.onnx(_data)?$/.test(file.path) && !file.sha256 && !hub.sha256) {
      throw new DownloadError('unverifiable', msg('The hub reports no sha256 for {0} of {1}, so Inkling cannot verify it and will not install it.', file.path, model.name));
    }
    const size = file.size ?? hub.size;
    plan.push(size === undefined ? { file, url, hub } : { file, url, hub, size });
  }
  return plan;
}

async function fetchFile(planned: PlannedFile, staging: string, options: DownloadOptions, onFileBytes: (bytes: number) => void): Promise<InstallRecord['files'][number]> {
  const target = join(staging, planned.file.path);
  const partial = `${target}.partial`;
  mkdirSync(dirname(target), { recursive: true });
  // A file verified in an earlier attempt is checked again: the hub's copy may have changed.
  if (existsSync(target)) {
    try {
      const verified = await verify(target, planned);
      onFileBytes(verified.size);
      return verified;
    } catch {
      rmSync(target, { force: true });
    }
  }
  const delays = options.retryDelaysMs ?? [500, 2000, 5000];
  let failures = 0;
  for (;;) {
    let offset = existsSync(partial) ? statSync(partial).size : 0;
    if (planned.size !== undefined && offset > planned.size) {
      rmSync(partial, { force: true });
      offset = 0;
    }
    if (planned.size !== undefined && offset === planned.size) break;
    onFileBytes(offset);
    let received = offset;
    try {
      const result = await appendFromOffset(planned.url, partial, offset, (n) => onFileBytes((received += n)), options);
      if (result.restarted) options.log?.(`${planned.file.path}: the server ignored the byte range; started over`);
      break;
    } catch (e) {
      if (!(e instanceof HubError) || e.code !== 'network') throw e;
      const progressed = existsSync(partial) && statSync(partial).size > offset;
      failures = progressed ? 0 : failures + 1;
      if (failures > delays.length) throw e;
      options.log?.(`${planned.file.path}: ${e.message}; resuming`);
      await sleep(delays[Math.max(0, failures - 1)] ?? 0, options.signal);
    }
  }
  const verified = await verify(partial, planned);
  renameSync(partial, target);
  return verified;
}

async function verify(file: string, planned: PlannedFile): Promise<InstallRecord['files'][number]> {
  const { path } = planned.file;
  const size = statSync(file).size;
  const discard = (code: DownloadErrorCode, message: string): never => {
    rmSync(file, { force: true });
    throw new DownloadError(code, msg('{0} The damaged file was discarded; try again.', message));
  };
  if (planned.size !== undefined && size !== planned.size) discard('size', msg('{0} arrived with {1} bytes instead of {2}.', path, size, planned.size));
  const sha256 = await sha256Of(file);
  const expected = planned.file.sha256 ?? planned.hub.sha256;
  let verification: Verification;
  if (expected) {
    if (sha256 !== expected) discard('checksum', msg('{0} failed its integrity check: sha256 {1}…, expected {2}….', path, sha256.slice(0, 16), expected.slice(0, 16)));
    verification = planned.file.sha256 ? 'sha256-manifest' : 'sha256-hub';
  } else if (path.endsWith('.json')) {
    try {
      JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      discard('invalid-file', msg('{0} is not valid JSON.', path));
    }
    verification = planned.size !== undefined ? 'size-and-json' : 'size';
  } else {
    if (planned.size === undefined) discard('unverifiable', msg('The hub gave neither a size nor a checksum for {0}.', path));
    verification = 'size';
  }
  return { path, size, sha256, verification };
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new HubError('cancelled', msg('The download was cancelled.')));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new HubError('cancelled', msg('The download was cancelled.')));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function asDownloadError(e: unknown): DownloadError {
  if (e instanceof DownloadError) return e;
  if (e instanceof HubError) {
    const code: DownloadErrorCode = e.code === 'cancelled' ? 'cancelled' : e.code === 'not-found' ? 'not-found' : e.code === 'insecure' ? 'insecure' : e.code === 'http' ? 'http' : 'network';
    return new DownloadError(code, code === 'network' ? msg('{0} Check your connection and try again; the download resumes where it stopped.', e.message) : e.message);
  }
  return new DownloadError('network', msg('The download failed: {0}', (e as Error)?.message ?? String(e)));
}

function embeddingsNote(e: string | { skipped: string } | undefined): string {
  return typeof e === 'string' ? `embeddings read from ${e}` : `embeddings in the graph${e ? `: ${e.skipped}` : ''}`;
}
