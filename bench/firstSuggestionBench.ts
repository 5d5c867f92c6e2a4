/**
 * The first ghost suggestion in a poem after the worker starts, against the ones after it: each
 * round starts a fresh worker per arm (the order rotating), loads the model, and times the first
 * three of the ghost requests the editor sends while the sonnets are typed (form and rhyme mode
 * on, as by default: the first one builds the pronouncing dictionary's and the rhyme lexicon's
 * indexes). Two builds of the worker compare a change (`--worker-a`/`--worker-b`: bundles inside
 * this checkout, so that they find node_modules and dist's data files).
 *
 *   node out/bench/firstSuggestionBench.js [--model DIR] [--rounds N] [--worker-a JS] [--worker-b JS]
 */
import { parseArgs } from 'node:util';
import { EngineClient } from '../src/client/engineClient';
import { preferredDtype } from '../src/engine/model/modelLocator';
import { repoRoot, workerPath } from '../test/support/paths';
import { quantile } from './benchStats';
import { ghostRequestsWhileTyping } from './typingSonnets';
import { join } from 'node:path';

const { values } = parseArgs({ options: { model: { type: 'string' }, rounds: { type: 'string', default: '5' }, 'worker-a': { type: 'string' }, 'worker-b': { type: 'string' } } });
const dir = values.model ?? join(repoRoot, 'models', 'inkling-verse');
const rounds = Math.max(1, Number(values.rounds));
const r1 = (x: number) => Math.round(x * 10) / 10;
const spread = (xs: number[]) => `${r1(quantile(xs, 0.5))} (${r1(Math.min(...xs))}–${r1(Math.max(...xs))})`;

(async () => {
  const arms = [values['worker-a'] ?? workerPath, values['worker-b'] ?? workerPath].map((worker, i) => ({ name: i === 0 ? 'A' : 'B', worker, load: [] as number[], first: [] as number[], second: [] as number[], third: [] as number[] }));
  const requests = [...ghostRequestsWhileTyping(3)];
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < arms.length; k++) {
      const arm = arms[(k + round) % arms.length]!;
      const engine = new EngineClient({ workerPath: arm.worker });
      try {
        let t = performance.now();
        await engine.load({ dir, dtype: preferredDtype(dir), threads: 1 });
        arm.load.push(performance.now() - t);
        const times: number[] = [];
        for (const r of requests) {
          t = performance.now();
          await engine.generate({ prompt: r.prompt, sampling: r.sampling, form: r.form, formContext: r.formContext, caller: 'bench' });
          times.push(performance.now() - t);
        }
        arm.first.push(times[0]!);
        arm.second.push(times[1]!);
        arm.third.push(times[2]!);
      } finally {
        await engine.dispose();
      }
    }
  }
  process.stdout.write(`\n| worker | load, ms | first suggestion, ms | second | third |\n|---|---|---|---|---|\n`);
  for (const arm of arms) process.stdout.write(`| ${arm.name}: ${arm.worker} | ${spread(arm.load)} | ${spread(arm.first)} | ${spread(arm.second)} | ${spread(arm.third)} |\n`);
  const gaps = arms[0]!.first.map((x, i) => x - arms[1]!.first[i]!);
  process.stdout.write(`\nFirst suggestion, A minus B round by round: median ${r1(quantile(gaps, 0.5))} ms (${r1(Math.min(...gaps))} to ${r1(Math.max(...gaps))}).\n`);
  process.stdout.write(`${rounds} rounds, a fresh worker per arm each, the order rotating; medians (min–max); ${dir}.\n`);
})();
