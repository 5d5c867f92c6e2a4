/**
 * Server engine benchmark: the same GGUF-converted model in llama.cpp's llama-server (a real one,
 * from ../shared/llama-server) and in Inkling's own worker, on the same one-line requests a
 * writer typing verse makes, interleaved request by request so the machine's drift hits both alike.
 * Both arms get the server's 2,000-character ghost window (SERVER_GHOST_PROMPT_CHARS), so they are
 * compared on one prompt; in the editor the worker reads 1,000.
 *
 *   npm run bench:server -- [--pair GGUF=DIR]... [--requests N] [--threads N] [--json]
 *
 * Reports per model: one-line latency p50/p95 through Inkling's server engine and through the
 * worker; llama-server's own time per request (its `timings`); Inkling's client overhead per
 * request (what the caller waits minus what the server says it spent: HTTP, JSON, SSE parsing,
 * the engine's bookkeeping); decode tokens/s of each. Without --pair: Inkling's own model, the test
 * model, and the SmolLM2-135M-shaped bench model when bench/models/ holds its GGUF.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EngineClient } from '../src/client/engineClient';
import { ServerEngine } from '../src/client/server/serverEngine';
import { preferredDtype } from '../src/engine/model/modelLocator';
import { buildGhostRequest, SERVER_GHOST_PROMPT_CHARS } from '../src/writing/prompts/ghost/ghostRequest';
import { startLlamaServer } from '../test/support/llamaServer';
import { corpusDir, repoRoot, testModelDir, workerPath } from '../test/support/paths';
import { readFileSync } from 'node:fs';

const { values } = parseArgs({
  options: {
    pair: { type: 'string', multiple: true },
    requests: { type: 'string', default: '40' },
    threads: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
});
const requests = Math.max(10, Number(values.requests));
const threads = Math.max(1, Number(values.threads));
const log = (m: string) => process.stderr.write(`${m}\n`);
const r1 = (x: number) => Math.round(x * 10) / 10;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

const defaultPairs: [string, string][] = [
  [join(repoRoot, 'models', 'inkling-verse', 'inkling-verse-q8_0.gguf'), join(repoRoot, 'models', 'inkling-verse')],
  [join(repoRoot, 'test', 'fixtures', 'gguf', 'stories260K-f32.gguf'), testModelDir],
  [join(repoRoot, 'bench', 'models', 'smollm2-135m-shape-q8_0.gguf'), join(repoRoot, 'bench', 'models', 'smollm2-135m-shape')],
];
const pairs: [string, string][] = values.pair ? values.pair.map((p) => p.split('=') as [string, string]) : defaultPairs.filter(([g, d]) => existsSync(g) && existsSync(join(d, 'config.json')));

const sonnets = readFileSync(join(corpusDir, 'sonnets-001-077.txt'), 'utf8');

interface Row {
  model: string;
  gguf: string;
  requests: number;
  serverP50Ms: number;
  serverP95Ms: number;
  workerP50Ms: number;
  workerP95Ms: number;
  serverOwnP50Ms: number;
  overheadP50Ms: number;
  overheadP95Ms: number;
  /** The same for a bare HTTP client (one streamed POST read to its end): what any client pays. */
  bareOverheadP50Ms: number;
  /** Inkling's own share: the engine's overhead minus the bare client's, median of per-request differences. */
  inklingP50Ms: number;
  serverTokensPerSecond: number;
  workerTokensPerSecond: number;
  newTokensP50: number;
}

async function benchPair(gguf: string, dir: string): Promise<Row> {
  const name = dir.split('/').pop()!;
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { max_position_embeddings?: number };
  const ctx = Math.min(2048, config.max_position_embeddings ?? 2048);
  log(`\n# ${name}: ${gguf.split('/').pop()} in llama-server vs the worker (${preferredDtype(dir)}), ${threads} thread(s), context ${ctx}`);
  const server = await startLlamaServer(gguf, { ctx, threads });
  const engine = new ServerEngine({ url: server.url, kind: 'llama.cpp', model: '' });
  const client = new EngineClient({ workerPath });
  try {
    await client.load({ dir, dtype: preferredDtype(dir), threads });
    await engine.prepare();
    // A writer typing verse: after each word, the product's request builder asks for one line.
    const start = sonnets.slice(0, 1500);
    const words = sonnets.slice(start.length).split(/(?<=\s)(?=\S)/);
    let typed = start;
    const srv: number[] = [];
    const wrk: number[] = [];
    const own: number[] = [];
    const overhead: number[] = [];
    const bareOverhead: number[] = [];
    const srvTps: number[] = [];
    const wrkTps: number[] = [];
    const newTokens: number[] = [];
    let warm = 0;
    for (let i = 0; srv.length < requests && i < words.length; i++) {
      typed += words[i]!;
      const r = buildGhostRequest({ text: typed, offset: typed.length, explicit: false, maxPromptChars: SERVER_GHOST_PROMPT_CHARS, maxWords: 12 });
      if (!r.ok) continue;
      // The same plain request to both (form-keeping differs by design: logits vs a grammar).
      const params = { prompt: r.prompt, sampling: { seed: i, maxNewTokens: Math.min(16, r.maxNewTokens), stopStrings: r.stopStrings }, caller: 'bench' };
      // Alternate which engine goes first, so neither always follows the other's cache warm-up.
      const order = i % 2 ? ['server', 'bare', 'worker'] : ['worker', 'bare', 'server'];
      for (const which of order) {
        if (which === 'bare') {
          // The body the engine sends (its dialect's), read by nothing but fetch.
          const body = { prompt: r.prompt, n_predict: params.sampling.maxNewTokens, seed: i, stop: params.sampling.stopStrings, temperature: 0.8, top_k: 50, top_p: 0.95, cache_prompt: true, stream: true };
          const t = performance.now();
          const answer = await fetch(`${server.url}/completion`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          const text = await answer.text();
          const ms = performance.now() - t;
          const last = text.trim().split('\n').filter((l) => l.startsWith('data:')).pop() ?? '';
          const timings = (JSON.parse(last.slice(5)) as { timings?: { prompt_ms: number; predicted_ms: number } }).timings;
          if (warm >= 6 && timings) bareOverhead.push(ms - (timings.prompt_ms + timings.predicted_ms));
          continue;
        }
        const t = performance.now();
        const res = which === 'server' ? await engine.generate(params) : await client.generate(params);
        const ms = performance.now() - t;
        if (warm < 6) {
          warm++; // the first three requests to each warm up caches and allocators
          continue;
        }
        if (which === 'server') {
          srv.push(ms);
          own.push(res.stats.serverMs ?? ms);
          overhead.push(ms - (res.stats.serverMs ?? ms));
          if (res.stats.newTokens > 1) srvTps.push(res.stats.tokensPerSecond);
          newTokens.push(res.stats.newTokens);
        } else {
          wrk.push(ms);
          if (res.stats.newTokens > 1) wrkTps.push(res.stats.tokensPerSecond);
        }
      }
    }
    const row: Row = {
      model: name,
      gguf: gguf.split('/').pop()!,
      requests: srv.length,
      serverP50Ms: r1(median(srv)),
      serverP95Ms: r1(pct(srv, 95)),
      workerP50Ms: r1(median(wrk.slice(-srv.length))),
      workerP95Ms: r1(pct(wrk.slice(-srv.length), 95)),
      serverOwnP50Ms: r1(median(own)),
      overheadP50Ms: r1(median(overhead)),
      overheadP95Ms: r1(pct(overhead, 95)),
      bareOverheadP50Ms: r1(median(bareOverhead)),
      inklingP50Ms: r1(median(overhead) - median(bareOverhead)),
      serverTokensPerSecond: r1(median(srvTps)),
      workerTokensPerSecond: r1(median(wrkTps)),
      newTokensP50: median(newTokens),
    };
    log(`one line: server engine p50 ${row.serverP50Ms} / p95 ${row.serverP95Ms} ms (llama-server's own p50 ${row.serverOwnP50Ms} ms; the rest p50 ${row.overheadP50Ms} / p95 ${row.overheadP95Ms} ms, a bare fetch's ${row.bareOverheadP50Ms} ms, Inkling's own ${row.inklingP50Ms} ms); worker p50 ${row.workerP50Ms} / p95 ${row.workerP95Ms} ms; decode ${row.serverTokensPerSecond} vs ${row.workerTokensPerSecond} tok/s; ${row.newTokensP50} new tokens p50`);
    return row;
  } finally {
    await engine.dispose();
    await client.dispose();
    await server.stop();
  }
}

(async () => {
  const rows: Row[] = [];
  for (const [gguf, dir] of pairs) rows.push(await benchPair(gguf, dir));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const cols: [string, (r: Row) => string][] = [
    ['one line, server engine p50 / p95', (r) => `${r.serverP50Ms} / ${r.serverP95Ms} ms`],
    ['  of which llama-server\'s own time p50', (r) => `${r.serverOwnP50Ms} ms`],
    ['  the rest (HTTP, prompt tokenizing, streaming) p50 / p95', (r) => `${r.overheadP50Ms} / ${r.overheadP95Ms} ms`],
    ['  the same for a bare fetch of the same request p50', (r) => `${r.bareOverheadP50Ms} ms`],
    ['  Inkling\'s own share p50', (r) => `${r.inklingP50Ms} ms`],
    ['one line, Inkling\'s worker p50 / p95', (r) => `${r.workerP50Ms} / ${r.workerP95Ms} ms`],
    ['decode tokens/s, llama-server / worker', (r) => `${r.serverTokensPerSecond} / ${r.workerTokensPerSecond}`],
    ['requests (new tokens p50)', (r) => `${r.requests} (${r.newTokensP50})`],
  ];
  const out = [`| | ${rows.map((r) => r.model).join(' | ')} |`, `|---|${rows.map(() => '---|').join('')}`];
  for (const [label, f] of cols) out.push(`| ${label} | ${rows.map(f).join(' | ')} |`);
  process.stdout.write(`${out.join('\n')}\n`);
})().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
