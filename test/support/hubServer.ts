/**
 * A loopback stand-in for the Hugging Face hub, for download tests: serves a local model folder
 * at `/{repo}/resolve/{revision}/{path}` the way the hub does — small files directly with their
 * git object id as ETag; large (LFS) files as a 302 to a CDN path carrying `X-Linked-Etag` (the
 * sha256) and `X-Linked-Size`, the CDN honouring HTTP Range. Faults can be injected per file:
 * a connection dropped after N bytes, corrupted bytes, a slow trickle. Every request is logged.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface HubRequest {
  method: string;
  path: string;
  range?: string;
  status: number;
  /** Body bytes the server wrote for this request. */
  sent: number;
}

export interface HubFaults {
  /** Close the connection after this many body bytes, on the next GET of the file (once). */
  dropAfter?: Map<string, number>;
  /** Serve these files with one byte flipped, while the headers advertise the true checksum. */
  corrupt?: Set<string>;
  /** Send each file body in chunks of this size with this pause between them. */
  trickle?: { chunk: number; delayMs: number };
  /** Answer Range requests with the whole file (200), as some servers do. */
  ignoreRange?: boolean;
}

export interface HubServer {
  url: string;
  requests: HubRequest[];
  faults: HubFaults;
  close(): Promise<void>;
}

const COMMIT = createHash('sha1').update('inkling-test-hub').digest('hex');

/** Files stored in LFS on the hub: the model weights (the hub's rule is by size and type; ours by type). */
function isLfs(path: string): boolean {
  return /\.(onnx|onnx_data|bin|safetensors)$/.test(path);
}

export async function startHubServer(repos: Record<string, string>): Promise<HubServer> {
  const requests: HubRequest[] = [];
  const faults: HubFaults = {};
  const server = http.createServer((req, res) => {
    const entry: HubRequest = { method: req.method ?? '', path: decodeURIComponent((req.url ?? '').split('?')[0]!), status: 0, sent: 0 };
    if (req.headers.range) entry.range = req.headers.range;
    requests.push(entry);
    const reply = (status: number, headers: Record<string, string | number> = {}, body?: Buffer) => {
      entry.status = status;
      res.writeHead(status, headers);
      if (body && req.method !== 'HEAD') {
        entry.sent = body.length;
        res.end(body);
      } else res.end();
    };
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(entry.path);
    const cdn = /^\/cdn\/([^/]+\/[^/]+)\/(.+)$/.exec(entry.path);
    const repo = m?.[1] ?? cdn?.[1];
    const filePath = m?.[3] ?? cdn?.[2];
    const root = repo ? repos[repo] : undefined;
    const file = root && filePath ? join(root, filePath) : undefined;
    if (!file || filePath!.split('/').includes('..') || !existsSync(file) || !statSync(file).isFile()) {
      reply(404, { 'X-Error-Code': 'EntryNotFound' });
      return;
    }
    const data = readFileSync(file);
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (m && isLfs(filePath!)) {
      reply(302, {
        Location: `/cdn/${repo}/${filePath}`,
        'X-Linked-Etag': `"${sha256}"`,
        'X-Linked-Size': data.length,
        ETag: `"${sha256}"`,
        'X-Repo-Commit': COMMIT,
        'Content-Length': 0,
      });
      return;
    }
    const body = faults.corrupt?.has(filePath!) ? flipByte(data) : data;
    const headers: Record<string, string | number> = { 'Accept-Ranges': 'bytes', 'X-Repo-Commit': COMMIT, 'Content-Type': 'application/octet-stream' };
    if (m) headers.ETag = `"${gitBlobId(data)}"`;
    else headers.ETag = `"${sha256}"`;
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && !faults.ignoreRange) {
      start = Number(range[1]);
      if (start >= body.length) {
        reply(416, { 'Content-Range': `bytes */${body.length}` });
        return;
      }
    }
    const slice = body.subarray(start);
    const status = start > 0 ? 206 : 200;
    if (status === 206) headers['Content-Range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    headers['Content-Length'] = slice.length;
    if (req.method === 'HEAD') {
      reply(status, headers);
      return;
    }
    entry.status = status;
    res.writeHead(status, headers);
    const dropAt = faults.dropAfter?.get(filePath!);
    if (dropAt !== undefined) faults.dropAfter!.delete(filePath!);
    void stream(res, slice, entry, dropAt, faults.trickle);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function stream(res: http.ServerResponse, body: Buffer, entry: HubRequest, dropAt: number | undefined, trickle: HubFaults['trickle']): Promise<void> {
  const chunk = trickle?.chunk ?? 64 * 1024;
  for (let at = 0; at < body.length; at += chunk) {
    const end = Math.min(body.length, at + chunk, dropAt ?? Infinity);
    if (res.destroyed) return;
    if (end > at) {
      const ok = res.write(body.subarray(at, end));
      entry.sent += end - at;
      if (!ok) await new Promise((r) => (res.once('drain', r), res.once('close', r)));
    }
    if (dropAt !== undefined && end >= dropAt) {
      // Let the bytes reach the client, then cut the connection as a flaky network would.
      await new Promise((r) => setTimeout(r, 50));
      res.socket?.destroy();
      return;
    }
    if (trickle) await new Promise((r) => setTimeout(r, trickle.delayMs));
  }
  res.end();
}

/** The id git (and so the hub's ETag) gives a small file: sha1 of "blob <size>\0" + content. */
export function gitBlobId(data: Buffer): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

function flipByte(data: Buffer): Buffer {
  const copy = Buffer.from(data);
  const at = Math.floor(copy.length / 2);
  copy[at] = copy[at]! ^ 0xff;
  return copy;
}
