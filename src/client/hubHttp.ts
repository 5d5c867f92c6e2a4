/**
 * The two HTTP exchanges a model download needs, on Node's own http/https: what the hub says
 * about a file (HEAD on `/{repo}/resolve/{revision}/{path}`, not following the redirect to the
 * CDN, so the hub's `X-Linked-Etag` / `X-Linked-Size` for large files are read as it sends them),
 * and one GET attempt that appends to a partial file from a byte offset (HTTP Range).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { msg } from '../common/message';

export type HubErrorCode = 'network' | 'http' | 'not-found' | 'cancelled' | 'insecure';

export class HubError extends Error {
  constructor(
    readonly code: HubErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

/** What the hub says about one file. */
export interface HubFileInfo {
  /** Bytes, from X-Linked-Size (large files) or Content-Length. */
  size?: number;
  /** The file's sha256, when the hub reports one (X-Linked-Etag / ETag of a large, LFS-stored file). */
  sha256?: string;
  /** The hub's etag as sent (for small files a git object id, not a sha256 of the content). */
  etag?: string;
  /** The commit the revision resolved to (X-Repo-Commit). */
  commit?: string;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Idle socket time before the attempt counts as a dropped connection. */
  timeoutMs?: number;
  userAgent?: string;
}

const MAX_REDIRECTS = 5;
const SHA256 = /^[0-9a-f]{64}$/;

/** Refuses plain http except to this machine: the checksums travel on the same connection as the files. */
export function checkEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new HubError('insecure', msg('The model hub address is not a URL: {0}.', endpoint));
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url;
  throw new HubError('insecure', msg('The model hub address must use https (plain http only to this machine): {0}.', endpoint));
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** `{endpoint}/{repo}/resolve/{revision}/{path}` — the layout transformers.js and huggingface_hub use. */
export function resolveUrl(endpoint: string, repo: string, revision: string, path: string): URL {
  const base = endpoint.replace(/\/+$/, '');
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  return new URL(`${base}/${repo}/resolve/${encodeURIComponent(revision)}/${encoded}`);
}

export async function headHubFile(url: URL, options: RequestOptions = {}): Promise<HubFileInfo> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const res = await send('HEAD', current, {}, options);
    res.resume();
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    const linkedEtag = header(res, 'x-linked-etag');
    // The hub answers a large file with a redirect to its CDN that carries the file's metadata;
    // only a same-host redirect (a renamed repository) is followed, as huggingface_hub does.
    if (status >= 300 && status < 400 && location && !linkedEtag && hop < MAX_REDIRECTS) {
      const next = new URL(location, current);
      if (next.origin === current.origin) {
        current = next;
        continue;
      }
    }
    if (status === 404) throw new HubError('not-found', msg('The hub has no {0}.', url.pathname), status);
    if (status >= 400 || status < 200) throw new HubError('http', msg('The hub answered {0} for {1}.', status, url.pathname), status);
    const etag = normaliseEtag(linkedEtag ?? header(res, 'etag'));
    const size = toSize(header(res, 'x-linked-size') ?? (status < 300 ? header(res, 'content-length') : undefined));
    const info: HubFileInfo = {};
    if (size !== undefined) info.size = size;
    if (etag) info.etag = etag;
    if (etag && SHA256.test(etag)) info.sha256 = etag;
    const commit = header(res, 'x-repo-commit');
    if (commit) info.commit = commit;
    return info;
  }
}

export interface AppendResult {
  /** Bytes the file holds after this attempt. */
  bytes: number;
  /** The server ignored the range and sent the whole file, so the partial was started over. */
  restarted: boolean;
}

/**
 * One GET attempt: appends the bytes from `offset` on to `file` (Range), following redirects.
 * A dropped connection rejects with code 'network' and leaves what arrived in the file.
 */
export async function appendFromOffset(url: URL, file: string, offset: number, onBytes: (n: number) => void, options: RequestOptions = {}): Promise<AppendResult> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {};
    const res = await send('GET', current, headers, options);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new HubError('http', msg('Too many redirects for {0}.', url.pathname), status);
      const next = new URL(res.headers.location, current);
      if (next.protocol === 'http:' && current.protocol === 'https:') throw new HubError('insecure', msg('The hub redirected {0} to plain http.', url.pathname));
      current = next;
      continue;
    }
    if (status === 404) {
      res.resume();
      throw new HubError('not-found', msg('The hub has no {0}.', url.pathname), status);
    }
    // Nothing left past the offset: the partial already holds the whole file (verification decides).
    if (status === 416 && offset > 0) {
      res.resume();
      return { bytes: offset, restarted: false };
    }
    if (status !== 200 && status !== 206) {
      res.resume();
      throw new HubError('http', msg('The hub answered {0} for {1}.', status, url.pathname), status);
    }
    let start = 0;
    if (status === 206) {
      const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header(res, 'content-range') ?? '');
      if (!range || Number(range[1]) !== offset) {
        res.resume();
        throw new HubError('http', msg('The hub sent a different byte range than asked for {0}.', url.pathname), status);
      }
      start = offset;
    }
    const out = createWriteStream(file, { flags: start > 0 ? 'a' : 'w' });
    let received = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        onBytes(chunk.length);
        done(null, chunk);
      },
    });
    try {
      await pipeline(res, counter, out, options.signal ? { signal: options.signal } : {});
    } catch (e) {
      await closed(out);
      if (options.signal?.aborted) throw new HubError('cancelled', msg('The download was cancelled.'));
      throw new HubError('network', msg('The connection broke while downloading {0} ({1}).', url.pathname, (e as Error).message));
    }
    return { bytes: start + received, restarted: status === 200 && offset > 0 };
  }
}

function send(method: 'HEAD' | 'GET', url: URL, headers: Record<string, string>, options: RequestOptions): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new HubError('cancelled', msg('The download was cancelled.')));
      return;
    }
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, {
      method,
      headers: { 'User-Agent': options.userAgent ?? 'inkling', 'Accept-Encoding': 'identity', ...headers },
    });
    const onAbort = () => req.destroy(new HubError('cancelled', msg('The download was cancelled.')));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.setTimeout(options.timeoutMs ?? 30_000, () => req.destroy(new HubError('network', msg('No answer from {0} in time.', url.host))));
    req.on('response', (res) => {
      options.signal?.removeEventListener('abort', onAbort);
      resolve(res);
    });
    req.on('error', (e) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(e instanceof HubError ? e : new HubError('network', msg('Could not reach {0} ({1}).', url.host, (e as NodeJS.ErrnoException).code ?? e.message)));
    });
    req.end();
  });
}

function header(res: http.IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function normaliseEtag(etag: string | undefined): string | undefined {
  return etag?.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase() || undefined;
}

function toSize(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

function closed(stream: WriteStream): Promise<void> {
  return stream.closed ? Promise.resolve() : new Promise((r) => stream.once('close', () => r()));
}
