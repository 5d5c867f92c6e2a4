/**
 * Cost follows the window, not the document: ghost text on a 10 KB, 1 MB and 10 MB manuscript.
 * For each size, the product's path per keystroke — the window around the cursor
 * (writing/prompts/text/textWindow.ts), the request builder, the worker — measured as latency, with the
 * request built from the whole text (what Inkling did before) in the same run for comparison,
 * and the worker's resident memory after the requests.
 *
 *   node out/bench/documentSizeBench.js [--requests N] [--model DIR] [--json]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EngineClient } from '../src/client/engineClient';
import { preferredDtype } from '../src/engine/model/modelLocator';
import { buildGhostRequest, GHOST_PROMPT_CHARS } from '../src/writing/prompts/ghost/ghostRequest';
import { windowAround } from '../src/writing/prompts/text/textWindow';
import { corpusDir, repoRoot, workerPath } from '../test/support/paths';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '30' }, model: { type: 'string' }, json: { type: 'boolean', default: false } } });
const requests = Math.max(5, Number(values.requests));
const modelDir = values.model ?? join(repoRoot, 'models', 'inkling-verse');
const r1 = (x: number) => Math.round(x * 10) / 10;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return r1(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

(async () => {
  const austen = readFileSync(join(corpusDir, 'pride-and-prejudice-ch01-05.txt'), 'utf8');
  const client = new EngineClient({ workerPath });
  await client.load({ dir: modelDir, dtype: preferredDtype(modelDir), threads: 1 });
  const rows: { size: string; chars: number; windowP50Ms: number; windowP95Ms: number; buildWindowMs: number; buildWholeMs: number; workerRssMb: number }[] = [];
  for (const [size, chars] of [['10 KB', 10_000], ['1 MB', 1_000_000], ['10 MB', 10_000_000]] as const) {
    const doc = austen.repeat(Math.ceil(chars / austen.length)).slice(0, chars);
    const lineStart = (o: number) => doc.lastIndexOf('\n', o - 1) + 1;
    const latency: number[] = [];
    const buildWindow: number[] = [];
    const buildWhole: number[] = [];
    // The manuscript stays one flat string (as VS Code's document does); what the writer types is
    // kept apart, so that reading the window does not flatten a 10 MB rope on every keystroke.
    let suffix = '';
    for (let i = 0; i < requests; i++) {
      suffix += i % 2 ? ' and' : ' the';
      const length = doc.length + suffix.length;
      const t0 = performance.now();
      const w = windowAround(length, length, (o) => (o <= doc.length ? lineStart(o) : doc.length + suffix.lastIndexOf('\n', o - doc.length - 1) + 1));
      const window = doc.slice(w.start) + suffix;
      const request = buildGhostRequest({ text: window, offset: length - w.start, atDocumentStart: w.atDocumentStart, explicit: false, maxPromptChars: GHOST_PROMPT_CHARS, maxWords: 12 });
      const t1 = performance.now();
      if (!request.ok) throw new Error('no request');
      await client.generate({ prompt: request.prompt, sampling: { maxNewTokens: Math.min(16, request.maxNewTokens), stopStrings: request.stopStrings, seed: i }, caller: 'bench' });
      latency.push(performance.now() - t0);
      buildWindow.push(t1 - t0);
      // What reading the whole document cost per keystroke before: the whole text, then the request from it.
      const t2 = performance.now();
      const whole = doc + suffix;
      buildGhostRequest({ text: whole, offset: whole.length, explicit: false, maxPromptChars: GHOST_PROMPT_CHARS, maxWords: 12 });
      buildWhole.push(performance.now() - t2);
    }
    const row = { size, chars, windowP50Ms: r1(median(latency)), windowP95Ms: r1(pct(latency, 95)), buildWindowMs: r1(median(buildWindow)), buildWholeMs: r1(median(buildWhole)), workerRssMb: rssMb(client.pid!) };
    rows.push(row);
    process.stderr.write(`${size}: ghost text p50 ${row.windowP50Ms} / p95 ${row.windowP95Ms} ms; request built from the window ${row.buildWindowMs} ms vs the whole text ${row.buildWholeMs} ms; worker RSS ${row.workerRssMb} MB\n`);
  }
  await client.dispose();
  if (values.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else {
    const out = ['| document | ghost text p50 / p95 | request from the window | from the whole text (before) | worker RSS |', '|---|---|---|---|---|'];
    for (const r of rows) out.push(`| ${r.size} | ${r.windowP50Ms} / ${r.windowP95Ms} ms | ${r.buildWindowMs} ms | ${r.buildWholeMs} ms | ${r.workerRssMb} MB |`);
    process.stdout.write(`${out.join('\n')}\n`);
  }
})();
