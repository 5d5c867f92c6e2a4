/**
 * Show Alternatives: N samples as one batched request (the worker decodes all rows together)
 * against N single requests one after another (each stops as soon as it has its lines), on the
 * prompts the command builds for real poems, through the same client and worker the extension
 * uses. Both ways give the same texts for the same seeds; this measures which is faster.
 *
 *   node scripts/build.mjs && node out/bench/alternativesBench.js [--model DIR]... [--n 3] [--runs 5] [--json]
 *
 * Without --model it runs on stories260K and, if made, the SmolLM2-135M-shaped model.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sampleAlternatives, type SamplingMode } from '../src/client/alternativeSampler';
import { EngineClient } from '../src/client/engineClient';
import { preferredDtype } from '../src/engine/model/modelLocator';
import { buildContinuationRequest, type ContinuationRequestReady } from '../src/writing/prompts/commands/continuationRequest';
import { dedupeAlternatives } from '../src/writing/prompts/commands/nearDuplicate';
import { DEFAULT_SAMPLING } from '../src/writing/settings/samplingSettings';
import { corpusDir, repoRoot, testModelDir, workerPath } from '../test/support/paths';

const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    n: { type: 'string', default: '3' },
    runs: { type: 'string', default: '5' },
    threads: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
});
const n = Math.max(2, Number(values.n));
const runs = Math.max(1, Number(values.runs));
const log = (m: string) => process.stderr.write(`${m}\n`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The command's own requests: the end of the workspace sonnet, and a stanza of "The Road Not Taken". */
function prompts(): { name: string; request: ContinuationRequestReady }[] {
  const poem = readFileSync(join(repoRoot, 'test', 'fixtures', 'workspace', 'poem.md'), 'utf8');
  const road = readFileSync(join(corpusDir, 'road-not-taken.txt'), 'utf8');
  const roadAt = road.indexOf('Then took the other');
  const out: { name: string; request: ContinuationRequestReady }[] = [];
  for (const [name, text, offset] of [
    ['sonnet 18, end', poem, poem.length],
    ['road not taken, stanza 2', road.slice(0, roadAt), roadAt],
  ] as const) {
    const r = buildContinuationRequest({ text, offset });
    if (!r.ok) throw new Error(`no request for ${name}`);
    out.push({ name, request: r });
  }
  return out;
}

interface Row {
  model: string;
  prompt: string;
  lines: number;
  maxNewTokens: number;
  mode: SamplingMode;
  medianMs: number;
  runsMs: number[];
  distinct: number;
  sameAsOtherMode: boolean;
}

async function benchModel(dir: string): Promise<Row[]> {
  const client = new EngineClient({ workerPath });
  client.setModel({ dir, dtype: preferredDtype(dir), threads: Number(values.threads) });
  const info = await client.load();
  log(`${info.name}: loaded in ${info.loadMs} ms`);
  const rows: Row[] = [];
  try {
    for (const { name, request } of prompts()) {
      const times: Record<SamplingMode, number[]> = { batch: [], sequential: [] };
      const texts: Record<SamplingMode, string[]> = { batch: [], sequential: [] };
      // Warm the prompt's KV cache and the runtime once, then alternate the order run by run.
      await sampleAlternatives(client, request, DEFAULT_SAMPLING, { count: n, seed: 1, mode: 'batch' });
      for (let run = 0; run < runs; run++) {
        const order: SamplingMode[] = run % 2 ? ['sequential', 'batch'] : ['batch', 'sequential'];
        for (const mode of order) {
          const started = performance.now();
          const alternatives = await sampleAlternatives(client, request, DEFAULT_SAMPLING, { count: n, seed: 100 + run * n, mode });
          times[mode].push(performance.now() - started);
          if (run === 0) texts[mode] = alternatives.map((a) => a.text);
        }
      }
      for (const mode of ['batch', 'sequential'] as const) {
        const other = mode === 'batch' ? 'sequential' : 'batch';
        rows.push({
          model: info.name,
          prompt: name,
          lines: request.lines,
          maxNewTokens: request.maxNewTokens,
          mode,
          medianMs: Math.round(median(times[mode])),
          runsMs: times[mode].map(Math.round),
          distinct: dedupeAlternatives(texts[mode]).length,
          sameAsOtherMode: JSON.stringify(texts[mode]) === JSON.stringify(texts[other]),
        });
        log(`${info.name} | ${name} | ${mode}: median ${Math.round(median(times[mode]))} ms (${times[mode].map(Math.round).join(', ')})`);
      }
    }
  } finally {
    await client.dispose();
  }
  return rows;
}

async function main(): Promise<void> {
  const benchModelDir = join(repoRoot, 'bench', 'models', 'smollm2-135m-shape');
  const dirs = values.model ?? [testModelDir, ...(existsSync(join(benchModelDir, 'config.json')) ? [benchModelDir] : [])];
  const rows: Row[] = [];
  for (const dir of dirs) rows.push(...(await benchModel(dir)));
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ n, runs, rows }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`Show Alternatives, n = ${n}, ${runs} runs, median wall time per round of alternatives\n\n`);
  process.stdout.write('| model | prompt | lines | max tokens | batch ms | sequential ms | batch / sequential | same texts |\n|---|---|---|---|---|---|---|---|\n');
  for (let i = 0; i < rows.length; i += 2) {
    const b = rows[i]!;
    const s = rows[i + 1]!;
    process.stdout.write(`| ${b.model} | ${b.prompt} | ${b.lines} | ${b.maxNewTokens} | ${b.medianMs} | ${s.medianMs} | ${(b.medianMs / s.medianMs).toFixed(2)} | ${b.sameAsOtherMode ? 'yes' : 'no'} |\n`);
  }
}

main().catch((e) => {
  log((e as Error).stack ?? String(e));
  process.exit(1);
});
