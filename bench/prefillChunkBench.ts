/**
 * How long a prompt's prefill takes with the prompt fed in chunks of different sizes
 * (LanguageModel.forward's `chunk`, PREFILL_CHUNK as shipped). Every size runs in
 * this one process, in alternation round by round, so the machine's drift hits all alike; medians
 * with their spread (p10–p90).
 *
 *   node out/bench/prefillChunkBench.js [--model DIR[:dtype]]… [--chunks 32,64,128] [--rounds N]
 *
 * Two prefills a round, as a command makes them: a cold one of the editor's 2,000-character window
 * (a Continue or alternatives after ghost text), and one of 160 tokens over a cache of the window
 * (a Continue's next line after a long candidate that was not kept). It runs in a child with the
 * worker's environment and V8 flags (src/client/workerLaunch.ts) and collects and trims the heap
 * before each prefill, as the worker would between requests. What a chunk size does to the
 * worker's memory is measured where the worker's own collections and trims run:
 * `workerMemoryBench --commands --worker` against a build with the other size. Under Node only.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LanguageModel, type ForwardResult } from '../src/engine/model/languageModel';
import { emptyCache } from '../src/engine/model/kvCache';
import { loadTrimFrom } from '../src/engine/memoryTrim';
import type { ModelDtype } from '../src/engine/protocol';
import { WORKER_FLAGS, workerEnvironment } from '../src/client/workerLaunch';
import { corpusDir, repoRoot } from '../test/support/paths';
import { spread } from './benchStats';

if (!process.env.INKLING_PREFILL_BENCH_CHILD) {
  const child = spawnSync(process.execPath, [...WORKER_FLAGS, __filename, ...process.argv.slice(2)], { env: workerEnvironment(process.env, { INKLING_PREFILL_BENCH_CHILD: '1' }), stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

const { values } = parseArgs({ options: { model: { type: 'string', multiple: true }, chunks: { type: 'string', default: '32,64,128' }, rounds: { type: 'string', default: '8' } } });
const models: [string, ModelDtype][] = values.model?.length
  ? values.model.map((m) => (m.includes(':') ? (m.split(':') as [string, ModelDtype]) : [m, 'q8']))
  : [
      [join(repoRoot, 'bench', 'models', 'smollm2-135m-shape-rewritten'), 'q8'],
      [join(repoRoot, 'models', 'inkling-verse'), 'q4'],
    ];
const chunks = values.chunks.split(',').map(Number).filter((n) => n > 0);
const rounds = Math.max(2, Number(values.rounds));
const gc = (globalThis as { gc?: () => void }).gc!;
const trim = loadTrimFrom(join(repoRoot, 'dist'));

/** Runs a prefill after a collection and a trim. */
async function timed(run: () => Promise<ForwardResult>): Promise<{ ms: number; value: ForwardResult }> {
  gc();
  trim?.();
  const t = performance.now();
  const value = await run();
  return { ms: performance.now() - t, value };
}

(async () => {
  const sonnets = readFileSync(join(corpusDir, 'sonnets-001-077.txt'), 'utf8');
  const lines = ['| model | chunk | cold window: tokens, ms p50 (p10–p90) | 160 tokens over the window: ms p50 (p10–p90) |', '|---|---|---|---|'];
  process.stderr.write(`malloc trim helper: ${trim ? 'loaded' : 'absent (run scripts/build.mjs first)'}\n`);
  for (const [dir, dtype] of models) {
    const model = await LanguageModel.load({ dir, dtype, threads: 1 });
    const stats = new Map(chunks.map((c) => [c, { cold: [] as number[], warm: [] as number[] }]));
    let tokens = 0;
    for (let round = 0; round < rounds; round++) {
      // A different window each round, the same for every chunk size.
      const start = 3000 + round * 1700;
      const window = model.encode(sonnets.slice(start, start + 2000));
      const more = model.encode(sonnets.slice(start + 2000, start + 2800)).slice(0, 160);
      tokens = window.length;
      for (let k = 0; k < chunks.length; k++) {
        const chunk = chunks[(k + round) % chunks.length]!;
        const s = stats.get(chunk)!;
        const cold = await timed(() => model.forward([window], emptyCache(model.layout), chunk));
        s.cold.push(cold.ms);
        const warm = await timed(() => model.forward([more], cold.value.cache, chunk));
        s.warm.push(warm.ms);
      }
    }
    for (const [chunk, s] of stats) lines.push(`| ${dir.split('/').pop()} ${dtype} | ${chunk} | ${tokens}: ${spread(s.cold)} | ${spread(s.warm)} |`);
    await model.dispose();
  }
  process.stdout.write(`${lines.join('\n')}\n${rounds} rounds, sizes in alternation; 1 thread.\n`);
})().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
