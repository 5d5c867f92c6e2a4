/**
 * Two models side by side on the same typed-verse ghost requests, request by request in
 * alternation (the order rotating), so the machine's drift hits both alike: one-line suggestion
 * latency p50 (p10–p90) and p95; per request the prompt tokens, those run rather than reused
 * from the cache and the tokens generated (means); the first token's time and each later token's
 * (p50); the characters a line brings and the time per character; and worker RSS. Then A's time
 * minus B's, request by request (the same prompt in both): its median and mean with 95 % bootstrap
 * intervals, which say whether a gap of a few per cent is there at all. For comparing an edition
 * of Inkling's own model with the one it replaces.
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
import { bootstrapInterval, mean as average, quantile } from './benchStats';
import { ghostRequestsWhileTyping } from './typingSonnets';

const { values } = parseArgs({ options: { a: { type: 'string' }, b: { type: 'string' }, 'worker-a': { type: 'string' }, 'worker-b': { type: 'string' }, requests: { type: 'string', default: '40' }, 'prompt-chars': { type: 'string' }, 'no-form': { type: 'boolean', default: false } } });
if (!values.a || !values.b) {
  process.stderr.write('usage: modelPairBench --a DIR[:dtype] --b DIR[:dtype] [--requests N]\n');
  process.exit(2);
}
/** INKLING_BENCH_PROFILE=DIR: each worker writes a V8 CPU profile there when it exits. */
const profileDir = process.env.INKLING_BENCH_PROFILE;
const r1 = (x: number) => Math.round(x * 10) / 10;
const q = quantile;
const rssMb = (pid: number) => r1(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);

(async () => {
  const workers = [values['worker-a'] ?? workerPath, values['worker-b'] ?? workerPath];
  const arms = [values.a!, values.b!].map((arg, i) => {
    const [dir, dtype] = arg.split(':') as [string, ModelDtype | undefined];
    const engine = new EngineClient({ workerPath: workers[i]!, ...(profileDir ? { execArgv: [...WORKER_FLAGS, '--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {}) });
    return { dir, dtype: dtype ?? preferredDtype(dir), worker: workers[i]!, engine, times: [] as number[], file: '', prompt: [] as number[], fresh: [] as number[], made: [] as number[], chars: [] as number[], first: [] as number[], rest: [] as number[] };
  });
  for (const arm of arms) arm.file = (await arm.engine.load({ dir: arm.dir, dtype: arm.dtype, threads: 1 })).name;
  for (const request of ghostRequestsWhileTyping(Math.max(5, Number(values.requests)), { form: !values['no-form'], ...(values['prompt-chars'] ? { promptChars: Number(values['prompt-chars']) } : {}) })) {
    for (let k = 0; k < arms.length; k++) {
      const arm = arms[(k + request.index) % arms.length]!;
      const t = performance.now();
      const { text, stats } = await arm.engine.generate({ prompt: request.prompt, sampling: request.sampling, form: request.form, formContext: request.formContext, caller: 'bench' });
      arm.times.push(performance.now() - t);
      arm.prompt.push(stats.promptTokens);
      arm.fresh.push(stats.promptTokens - stats.reusedTokens);
      arm.made.push(stats.newTokens);
      arm.chars.push(text.length);
      arm.first.push(stats.timeToFirstTokenMs);
      if (stats.newTokens > 1) arm.rest.push((stats.totalMs - stats.timeToFirstTokenMs) / (stats.newTokens - 1));
    }
  }
  const mean = (xs: number[]) => r1(average(xs));
  const lines = ['| model (dtype) | one line p50 (p10–p90), ms | p95, ms | prompt tokens | run (not reused) | generated | characters | ms a character p50 | first token p50, ms | per later token p50, ms | worker RSS |', '|---|---|---|---|---|---|---|---|---|---|---|'];
  for (const arm of arms) {
    lines.push(`| ${arm.dir} (${arm.dtype})${arm.worker === workerPath ? '' : `, ${arm.worker}`} | ${r1(q(arm.times, 0.5))} (${r1(q(arm.times, 0.1))}–${r1(q(arm.times, 0.9))}) | ${r1(q(arm.times, 0.95))} | ${mean(arm.prompt)} | ${mean(arm.fresh)} (p90 ${q(arm.fresh, 0.9)}) | ${mean(arm.made)} | ${mean(arm.chars)} | ${Math.round(q(arm.times.map((t, i) => t / Math.max(1, arm.chars[i]!)), 0.5) * 100) / 100} | ${r1(q(arm.first, 0.5))} | ${Math.round(q(arm.rest, 0.5) * 100) / 100} | ${rssMb(arm.engine.pid!)} MB |`);
    await arm.engine.dispose();
  }
  const [a, b] = arms as [(typeof arms)[0], (typeof arms)[0]];
  const gap = a.times.map((t, i) => t - b.times[i]!);
  const [mlo, mhi] = bootstrapInterval(gap, 1, (xs) => quantile(xs, 0.5));
  const [alo, ahi] = bootstrapInterval(gap, 2);
  const signed = (x: number) => `${x >= 0 ? '+' : ''}${r1(x)}`;
  lines.push('', `A minus B, request by request: median ${signed(q(gap, 0.5))} ms (95 % CI ${signed(mlo)} to ${signed(mhi)}), mean ${signed(average(gap))} ms (${signed(alo)} to ${signed(ahi)}).`);
  process.stdout.write(`${lines.join('\n')}\n${a.times.length} one-line requests each, alternating; 1 thread.\n`);
  process.exit(0);
})().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
