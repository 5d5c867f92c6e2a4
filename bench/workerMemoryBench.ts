/**
 * The worker's resident memory and speed with V8 flags or environment variables against the
 * worker as shipped (default: a 4 MB young generation instead of 16), every pair on the same model
 * in one process, request by request in alternation, so the machine's drift hits both alike.
 * The worker ships with a 256 KB malloc mmap threshold (`workerEnvironment`, engineClient.ts;
 * `--env "MALLOC_MMAP_THRESHOLD_="` measures it against glibc's own) and, for graphs of 32 MB or
 * more, a 4 MB young generation (`workerFlagsFor`; `--flags=` with nothing measures it against
 * Node's default): measured 2026-11-29, 1 MB / 2 MB / 4 MB semi-spaces saved 27–38 MB on the
 * 135M-shaped q4 model at 2–6 % more time, but cost Inkling's own model 38–45 % / 23 % / 7 % more
 * time for at most 7 MB.
 *
 *   node out/bench/workerMemoryBench.js [--model DIR[:dtype]]… [--requests N] [--flags="…"] [--env="K=V …"]
 *
 * Per model and precision: RSS after loading, RSS after the requests (the peak a writer lives
 * with), one-line suggestion p50 (p10–p90) on the product's own ghost requests, and the bound
 * 1.5 × model file + 150 MB (issue "Novels, hostile input and failures").
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EngineClient } from '../src/client/engineClient';
import { onnxFileFor } from '../src/engine/modelFolder';
import type { ModelDtype } from '../src/engine/protocol';
import { repoRoot, workerPath } from '../test/support/paths';
import { ghostRequestsWhileTyping } from './typingSonnets';

const { values } = parseArgs({ options: { model: { type: 'string', multiple: true }, requests: { type: 'string', default: '24' }, flags: { type: 'string' }, env: { type: 'string' } } });
/** The flags and environment under test against none (without either: a 4 MB young generation). */
const flags = (values.flags ?? (values.env ? '' : '--max-semi-space-size=4')).split(/\s+/).filter(Boolean);
/** `K=` unsets K: `--env "MALLOC_MMAP_THRESHOLD_="` runs the worker with glibc's own threshold against the one it ships with. */
const env: NodeJS.ProcessEnv = Object.fromEntries((values.env ?? '').split(/\s+/).filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1) || undefined]));
const label = [...flags, ...Object.entries(env).map(([k, v]) => (v === undefined ? `${k} unset` : `${k}=${v}`))].join(' ');
const base = join(repoRoot, 'bench', 'models', 'smollm2-135m-shape');
const models: [string, ModelDtype][] = values.model?.length
  ? values.model.map((m) => (m.includes(':') ? (m.split(':') as [string, ModelDtype]) : [m, 'q8']))
  : [[base, 'q4'], [`${base}-rewritten`, 'q8'], [join(repoRoot, 'models', 'inkling-verse'), 'q4']];
const requests = Math.max(5, Number(values.requests));
const r1 = (x: number) => Math.round(x * 10) / 10;
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.round(p * (xs.length - 1)))]!;
const spread = (xs: number[]) => `${r1(q(xs, 0.5))} (${r1(q(xs, 0.1))}–${r1(q(xs, 0.9))})`;
const rssMb = (pid: number) => r1(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);

(async () => {
  const lines = ['| model, precision | worker flags, environment | RSS loaded | RSS after requests | one line p50 (p10–p90), ms | bound 1.5 × file + 150 MB |', '|---|---|---|---|---|---|'];
  for (const [dir, dtype] of models) {
    const file = existsSync(dir) ? onnxFileFor(dir, dtype) : null;
    if (!file) {
      process.stderr.write(`skipped ${dir} (${dtype}): no graph\n`);
      continue;
    }
    const bound = r1(1.5 * (statSync(join(dir, 'onnx', file)).size / 2 ** 20) + 150);
    const arms = [
      { label, engine: new EngineClient({ workerPath, execArgv: flags, env }), oneLine: [] as number[], loaded: 0 },
      { label: 'as shipped', engine: new EngineClient({ workerPath }), oneLine: [] as number[], loaded: 0 },
    ];
    for (const arm of arms) {
      await arm.engine.load({ dir, dtype, threads: 1 });
      await new Promise((r) => setTimeout(r, 300));
      arm.loaded = rssMb(arm.engine.pid!);
    }
    for (const request of ghostRequestsWhileTyping(requests)) {
      for (let k = 0; k < arms.length; k++) {
        const arm = arms[(k + request.index) % arms.length]!;
        const t = performance.now();
        await arm.engine.generate({ prompt: request.prompt, sampling: request.sampling, caller: 'bench' });
        arm.oneLine.push(performance.now() - t);
      }
    }
    for (const arm of arms) {
      lines.push(`| ${dir.split('/').pop()}, ${dtype} (${file}) | ${arm.label} | ${arm.loaded} MB | ${rssMb(arm.engine.pid!)} MB | ${spread(arm.oneLine)} | ${bound} MB |`);
      await arm.engine.dispose();
    }
  }
  process.stdout.write(`${lines.join('\n')}\n${requests} one-line requests per model, the two workers in alternation; 1 thread each.\n`);
  process.exit(0);
})().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
