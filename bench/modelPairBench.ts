/**
 * Two models side by side on the same typed-verse ghost requests, request by request in
 * alternation (the order rotating), so the machine's drift hits both alike: one-line suggestion
 * latency p50 (p10–p90) and p95; per request the prompt tokens, those run rather than reused
 * from the cache and the tokens generated (means); the first token's time and each later token's
 * (p50); and worker RSS. For comparing an edition of Inkling's own model with the one it replaces.
 *
 *   node out/bench/modelPairBench.js --a DIR[:dtype] --b DIR[:dtype] [--requests N] [--worker-a JS] [--worker-b JS] [--no-form]
 *
 * The requests keep the form as the editor's ghost text does by default (line length and rhyme,
 * typingSonnets.ts); --no-form sends the raw requests earlier figures were measured with;
 * --prompt-chars N builds them with another ghost window than GHOST_PROMPT_CHARS.
 *
 * --worker-a/--worker-b run that arm on another build of the worker (a bundle inside this
 * checkout, so it finds node_modules): the same model on two builds compares a change.
 *
 * dtype defaults to `auto` (the worker's choice: the copy-free 4-bit graph where the folder has one).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EngineClient } from '../src/client/engineClient';
import { WORKER_FLAGS } from '../src/client/workerLaunch';
import { preferredDtype } from '../src/engine/model/modelLocator';
import type { ModelDtype } from '../src/engine/protocol';
import { workerPath } from '../test/support/paths';
import { ghostRequestsWhileTyping } from './typingSonnets';

const { values } = parseArgs({ options: { a: { type: 'string' }, b: { type: 'string' }, 'worker-a': { type: 'string' }, 'worker-b': { type: 'string' }, requests: { type: 'string', default: '40' }, 'prompt-chars': { type: 'string' }, 'no-form': { type: 'boolean', default: false } } });
if (!values.a || !values.b) {
  process.stderr.write('usage: modelPairBench --a DIR[:dtype] --b DIR[:dtype] [--requests N]\n');
  process.exit(2);
}
/** INKLING_BENCH_PROFILE=DIR: each worker writes a V8 CPU profile there when it exits. */
const profileDir = process.env.INKLING_BENCH_PROFILE;
const r1 = (x: number) => Math.round(x * 10) / 10;
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.round(p * (xs.length - 1)))]!;
const rssMb = (pid: number) => r1(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);

(async () => {
  const workers = [values['worker-a'] ?? workerPath, values['worker-b'] ?? workerPath];
  const arms = [values.a!, values.b!].map((arg, i) => {
    const [dir, dtype] = arg.split(':') as [string, ModelDtype | undefined];
    const engine = new EngineClient({ workerPath: workers[i]!, ...(profileDir ? { execArgv: [...WORKER_FLAGS, '--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {}) });
    return { dir, dtype: dtype ?? preferredDtype(dir), worker: workers[i]!, engine, times: [] as number[], file: '', prompt: [] as number[], fresh: [] as number[], made: [] as number[], first: [] as number[], rest: [] as number[] };
  });
  for (const arm of arms) arm.file = (await arm.engine.load({ dir: arm.dir, dtype: arm.dtype, threads: 1 })).name;
  for (const request of ghostRequestsWhileTyping(Math.max(5, Number(values.requests)), { form: !values['no-form'], ...(values['prompt-chars'] ? { promptChars: Number(values['prompt-chars']) } : {}) })) {
    for (let k = 0; k < arms.length; k++) {
      const arm = arms[(k + request.index) % arms.length]!;
      const t = performance.now();
      const { stats } = await arm.engine.generate({ prompt: request.prompt, sampling: request.sampling, form: request.form, formContext: request.formContext, caller: 'bench' });
      arm.times.push(performance.now() - t);
      arm.prompt.push(stats.promptTokens);
      arm.fresh.push(stats.promptTokens - stats.reusedTokens);
      arm.made.push(stats.newTokens);
      arm.first.push(stats.timeToFirstTokenMs);
      if (stats.newTokens > 1) arm.rest.push((stats.totalMs - stats.timeToFirstTokenMs) / (stats.newTokens - 1));
    }
  }
  const mean = (xs: number[]) => r1(xs.reduce((a, b) => a + b, 0) / xs.length);
  const lines = ['| model (dtype) | one line p50 (p10–p90), ms | p95, ms | prompt tokens | run (not reused) | generated | first token p50, ms | per later token p50, ms | worker RSS |', '|---|---|---|---|---|---|---|---|---|'];
  for (const arm of arms) {
    lines.push(`| ${arm.dir} (${arm.dtype})${arm.worker === workerPath ? '' : `, ${arm.worker}`} | ${r1(q(arm.times, 0.5))} (${r1(q(arm.times, 0.1))}–${r1(q(arm.times, 0.9))}) | ${r1(q(arm.times, 0.95))} | ${mean(arm.prompt)} | ${mean(arm.fresh)} (p90 ${q(arm.fresh, 0.9)}) | ${mean(arm.made)} | ${r1(q(arm.first, 0.5))} | ${Math.round(q(arm.rest, 0.5) * 100) / 100} | ${rssMb(arm.engine.pid!)} MB |`);
    await arm.engine.dispose();
  }
  process.stdout.write(`${lines.join('\n')}\n${arms[0]!.times.length} one-line requests each, alternating; 1 thread.\n`);
  process.exit(0);
})().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
