/**
 * Continue This Poem in the sonnets, as the command asks it (the rest of the stanza, the form
 * and rhyme mode on), each line as sampled (`lineCandidates: 1`) against each line chosen from
 * the default candidates for the poem's metre, the two alternating request by request on one
 * worker: the time a Continue takes (p50, p10–p90), the lines that keep the poem's foot, and the
 * tokens decoded.
 *
 *   node out/bench/continueBench.js [--model DIR[:dtype]] [--requests N]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EngineClient } from '../src/client/engineClient';
import { DEFAULT_LINE_CANDIDATES } from '../src/common/generation';
import type { ModelDtype } from '../src/engine/protocol';
import { commandParams } from '../src/writing/prompts/commands/commandParams';
import { buildContinuationRequest } from '../src/writing/prompts/commands/continuationRequest';
import { validateSampling } from '../src/writing/settings/samplingSettings';
import { keepsFoot } from '../src/writing/verse/sound/metre';
import { analyzePoemForm } from '../src/writing/verse/poem/poemForm';
import { loadPronouncingDictionary } from '../src/writing/verse/sound/pronouncingDictionary';
import { DEFAULT_FORM_SETTINGS, withForm } from '../src/writing/verse/lines/formRequest';
import { corpusDir, repoRoot, workerPath } from '../test/support/paths';

const { values } = parseArgs({ options: { model: { type: 'string', default: join(repoRoot, 'models', 'inkling-verse') }, requests: { type: 'string', default: '40' } } });
const [dir, dtype] = values.model.includes(':') ? (values.model.split(':') as [string, ModelDtype]) : [values.model, 'q8' as ModelDtype];
const requests = Math.max(4, Number(values.requests));
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.round(p * (xs.length - 1)))]!;
const spread = (xs: number[]) => `${q(xs, 0.5).toFixed(0)} (${q(xs, 0.1).toFixed(0)}–${q(xs, 0.9).toFixed(0)})`;

async function main(): Promise<void> {
  await loadPronouncingDictionary();
  const sonnets = readFileSync(join(corpusDir, 'sonnets-001-077.txt'), 'utf8');
  const ends = [...sonnets.matchAll(/\n/g)].map((m) => m.index! + 1).filter((i) => i > 1500);
  const client = new EngineClient({ workerPath });
  await client.load({ dir, dtype, threads: 1 });
  const arms = [
    { label: 'each line as sampled', candidates: 1, ms: [] as number[], kept: 0, lines: 0, tokens: 0 },
    { label: `lines kept for the metre (up to ${DEFAULT_LINE_CANDIDATES} tries)`, candidates: DEFAULT_LINE_CANDIDATES, ms: [] as number[], kept: 0, lines: 0, tokens: 0 },
  ];
  for (let i = 0; i < requests; i++) {
    const at = ends[Math.floor((i * 7919) % ends.length)]!;
    const text = sonnets.slice(0, at);
    const built = buildContinuationRequest({ text, offset: text.length, lines: 0 });
    if (!built.ok) continue;
    const request = withForm(built, DEFAULT_FORM_SETTINGS, text);
    const foot = analyzePoemForm(request.prompt).metre?.foot ?? 'iamb';
    for (let k = 0; k < arms.length; k++) {
      const arm = arms[(k + i) % arms.length]!;
      const params = commandParams(request, validateSampling({ seed: i }).settings, 'bench', { seed: i, stream: false });
      const t = performance.now();
      const r = await client.generate({ ...params, form: { ...params.form!, lineCandidates: arm.candidates } });
      arm.ms.push(performance.now() - t);
      const lines = request.finish(r.text, true).split('\n').filter((l) => /\p{L}/u.test(l));
      arm.lines += lines.length;
      arm.kept += lines.filter((l) => keepsFoot(l, foot)).length;
      arm.tokens += r.stats.newTokens;
    }
  }
  process.stdout.write(`Continue This Poem in the sonnets, ${dir.split('/').pop()} (${dtype}), ${requests} requests per arm, alternating\n\n`);
  process.stdout.write('| | Continue ms p50 (p10–p90) | lines keeping the foot | tokens decoded per Continue |\n|---|---|---|---|\n');
  for (const a of arms) process.stdout.write(`| ${a.label} | ${spread(a.ms)} | ${a.kept} of ${a.lines} (${((100 * a.kept) / Math.max(1, a.lines)).toFixed(1)} %) | ${(a.tokens / a.ms.length).toFixed(0)} |\n`);
  await client.dispose();
}

void main();
