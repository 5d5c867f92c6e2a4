/**
 * A loopback HTTP server that answers with recorded shapes, standing in for servers that cannot
 * run here (vLLM, Ollama, LM Studio). Each route answers JSON, a stream of chunks (with an optional
 * pause between them, or a cut connection), or an error; every request is kept for assertions.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface Route {
  status?: number;
  json?: unknown;
  /** Raw body text (an error body, say). */
  text?: string;
  /** Chunks written one by one (SSE or NDJSON), with `pauseMs` between them. */
  chunks?: string[];
  pauseMs?: number;
  /** Close the connection after this many chunks, without ending the answer. */
  cutAfter?: number;
  contentType?: string;
}

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface RecordedServer {
  url: string;
  requests: Recorded[];
  /** Changes what a route answers from now on. */
  route(key: string, route: Route | ((body: unknown) => Route)): void;
  close(): Promise<void>;
}

/** `routes` are keyed "METHOD /path"; anything else is a 404 like a real server's. */
export async function startRecordedServer(routes: Record<string, Route | ((body: unknown) => Route)>): Promise<RecordedServer> {
  const table = new Map(Object.entries(routes));
  const requests: Recorded[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        // not JSON: kept as text
      }
      const path = (req.url ?? '/').split('?')[0]!;
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
      const found = table.get(`${req.method} ${path}`);
      const route = typeof found === 'function' ? found(body) : found;
      if (!route) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"File Not Found","type":"not_found_error","code":404}}');
        return;
      }
      const type = route.contentType ?? (route.chunks ? 'text/event-stream' : 'application/json');
      res.writeHead(route.status ?? 200, { 'content-type': type });
      if (!route.chunks) {
        res.end(route.text ?? JSON.stringify(route.json ?? {}));
        return;
      }
      const chunks = route.chunks;
      let i = 0;
      const next = () => {
        if (res.destroyed) return;
        if (route.cutAfter !== undefined && i >= route.cutAfter) {
          res.socket?.destroy();
          return;
        }
        if (i >= chunks.length) {
          res.end();
          return;
        }
        res.write(chunks[i++]!);
        setTimeout(next, route.pauseMs ?? 0);
      };
      next();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    route: (key, route) => table.set(key, route),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
