/**
 * The worker's resident memory and speed with other V8 flags or environment variables against the
 * worker as shipped, every pair on the same model in one process, request by request in
 * alternation, so the machine's drift hits both alike. The worker ships with a 256 KB malloc mmap
 * threshold (`workerEnvironment` in src/client/workerLaunch.ts) and a 4 MB V8 young generation
 * (`WORKER_FLAGS`). Without options the other arm is Node's and glibc's defaults (no flags, the
 * threshold unset); `--flags` alone changes only the flags, `--env` alone only the environment
 * (`K=` or `K` unsets K). Measured 2026-11-29 on plain requests: 1 MB / 2 MB / 4 MB semi-spaces
 * saved 27–38 MB on the 135M-shaped q4 model at 2–6 % more time, but cost Inkling's own model
 * 38–45 % / 23 % / 7 % more time for at most 7 MB; 2026-11-30, with the form data as texts and
 * the requests as the editor sends them, 4 MB saved it 23 MB at the same time (workerLaunch.ts).
 * Under Node only: desktop VS Code runs the worker in Electron, whose allocator and V8 build differ.
 *
 *   node out/bench/workerMemoryBench.js [--model DIR[:dtype]]… [--requests N] [--flags="…"] [--env="K=V …"] [--worker JS] [--commands] [--no-form]
 *
 * RSS is read once after each request is answered: before the idle collection the request may
 * make due (the sample after the next request shows it). Those samples miss a request's own
 * transient peak (an alternatives batch's buffers), so RSS is also polled every 10 ms while a
 * request runs: the "peak while working" column, the largest poll after the first quarter.
 *
 * --worker runs the other arm on another build of the worker (a bundle inside this checkout, so it
 * finds node_modules), with the shipped flags unless --flags says otherwise.
 *
 * --commands adds the commands' work to the ghost requests: every tenth a Continue This Poem at the
 * same place (2,000 characters, the rest of the stanza, lines chosen for the metre), and five later
 * Show Alternatives' batch of three — larger caches than ghost text's, so higher peaks.
 *
 * The requests keep the form as ghost text does by default (the pronouncing dictionary, the
 * frequency list and the rhyme tries loaded in the worker); --no-form leaves it out.
 *
 * Per model and precision: RSS after loading, RSS sampled after each request once the first
 * quarter has built what the first requests build (its median, and its largest: what a writer lives with), the largest
 * sample over every request (the first ones too), one-line suggestion p50 (p10–p90) on the product's own ghost requests, and the bound
 * 1.5 × model file + 150 MB (issue "Novels, hostile input and failures").
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EngineClient } from '../src/client/engineClient';
import { onnxFileFor } from '../src/engine/model/modelFolder';
import type { ModelDtype } from '../src/engine/protocol';
import { repoRoot, workerPath } from '../test/support/paths';
import { ghostRequestsWhileTyping } from './typingSonnets';
import { sampleAlternatives } from '../src/client/alternativeSampler';
import { commandParams } from '../src/writing/prompts/commands/commandParams';
import { buildContinuationRequest } from '../src/writing/prompts/commands/continuationRequest';
import { validateSampling } from '../src/writing/settings/samplingSettings';
import { DEFAULT_FORM_SETTINGS, withForm } from '../src/writing/verse/lines/formRequest';

const { values } = parseArgs({ options: { model: { type: 'string', multiple: true }, requests: { type: 'string', default: '24' }, 'no-form': { type: 'boolean', default: false }, flags: { type: 'string' }, env: { type: 'string' }, worker: { type: 'string' }, commands: { type: 'boolean', default: false } } });
const defaults = values.flags === undefined && values.env === undefined && values.worker === undefined;
/** The other arm's V8 flags: undefined keeps the shipped choice (`WORKER_FLAGS`). */
const flags = defaults ? [] : values.flags?.split(/\s+/).filter(Boolean);
/** Its environment; a variable without a value is unset (glibc's own mmap threshold, say). */
const env: NodeJS.ProcessEnv = defaults
  ? { MALLOC_MMAP_THRESHOLD_: undefined }
  : Object.fromEntries((values.env ?? '').split(/\s+/).filter(Boolean).map((kv) => (kv.includes('=') ? [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1) || undefined] : [kv, undefined])));
const label = defaults
  ? "Node's and glibc's defaults"
  : [...(values.worker ? [`worker ${values.worker.split('/').pop()}`] : []), ...(flags === undefined ? ['shipped flags'] : flags.length ? flags : ['no flags']), ...Object.entries(env).map(([k, v]) => (v === undefined ? `${k} unset` : `${k}=${v}`))].join(' ');
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
  const peaksBy: string[] = [];
  const lines = ['| model, precision | worker flags, environment | RSS loaded | RSS over the requests after the first quarter, p50 / max | largest RSS sample over every request | peak while working (10 ms polls) | one line p50 (p10–p90), ms | three alternatives p50 (p10–p90), ms | bound 1.5 × file + 150 MB |', '|---|---|---|---|---|---|---|---|---|'];
  for (const [dir, dtype] of models) {
    const file = existsSync(dir) ? onnxFileFor(dir, dtype) : null;
    if (!file) {
      process.stderr.write(`skipped ${dir} (${dtype}): no graph\n`);
      continue;
    }
    const bound = r1(1.5 * (statSync(join(dir, 'onnx', file)).size / 2 ** 20) + 150);
    const newArm = (armLabel: string, engine: EngineClient) => ({ label: armLabel, engine, oneLine: [] as number[], rss: [] as number[], all: [] as number[], loaded: 0, peak: 0, alternatives: [] as number[], kind: 'ghost text', peaks: {} as Record<string, number> });
    const arms = [newArm(label, new EngineClient({ workerPath: values.worker ?? workerPath, ...(flags ? { execArgv: flags } : {}), env })), newArm('as shipped', new EngineClient({ workerPath }))];
    for (const arm of arms) {
      await arm.engine.load({ dir, dtype, threads: 1 });
      await new Promise((r) => setTimeout(r, 300));
      arm.loaded = rssMb(arm.engine.pid!);
    }
    for (const request of ghostRequestsWhileTyping(requests, { form: !values['no-form'] })) {
      for (let k = 0; k < arms.length; k++) {
        const arm = arms[(k + request.index) % arms.length]!;
        arm.kind = 'ghost text';
        const poll =
          request.index >= requests / 4
            ? setInterval(() => {
                const rss = rssMb(arm.engine.pid!);
                arm.peak = Math.max(arm.peak, rss);
                arm.peaks[arm.kind] = Math.max(arm.peaks[arm.kind] ?? 0, rss);
              }, 10)
            : undefined;
        const t = performance.now();
        await arm.engine.generate({ prompt: request.prompt, sampling: request.sampling, form: request.form, formContext: request.formContext, caller: 'bench' });
        arm.oneLine.push(performance.now() - t);
        if (values.commands && request.index % 5 === 0) {
          const built = buildContinuationRequest({ text: request.typed, offset: request.typed.length, lines: 0 });
          if (built.ok) {
            const command = values['no-form'] ? built : withForm(built, DEFAULT_FORM_SETTINGS, request.typed);
            const sampling = validateSampling({ seed: request.index }).settings;
            arm.kind = request.index % 10 === 0 ? 'Continue' : 'alternatives';
            if (request.index % 10 === 0) await arm.engine.generate(commandParams(command, sampling, 'bench', { seed: request.index, stream: false }));
            else {
              const a = performance.now();
              await sampleAlternatives(arm.engine, command, sampling, { count: 3, seed: request.index });
              arm.alternatives.push(performance.now() - a);
            }
          }
        }
        clearInterval(poll);
        const rss = rssMb(arm.engine.pid!);
        arm.all.push(rss);
        if (request.index >= requests / 4) arm.rss.push(rss);
      }
    }
    for (const arm of arms) {
      lines.push(`| ${dir.split('/').pop()}, ${dtype} (${file}) | ${arm.label} | ${arm.loaded} MB | ${q(arm.rss, 0.5)} / ${Math.max(...arm.rss)} MB | ${Math.max(...arm.all)} MB | ${Math.max(arm.peak, ...arm.rss)} MB | ${spread(arm.oneLine)} | ${arm.alternatives.length ? spread(arm.alternatives) : '—'} | ${bound} MB |`);
      peaksBy.push(`peak while working by request, ${dir.split('/').pop()} ${dtype}, ${arm.label}: ${Object.entries(arm.peaks).map(([k, v]) => `${k} ${v} MB`).join(', ')}`);
      await arm.engine.dispose();
    }
  }
  process.stdout.write(`${lines.join('\n')}\n${peaksBy.join('\n')}\n${requests} one-line requests per model${values.commands ? ', a Continue This Poem after every tenth and Show Alternatives (3) five later' : ''}, the two workers in alternation; 1 thread each.\n`);
  process.exit(0);
})().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
