/**
 * What form-keeping costs per generated token: the same prompt decoded plainly, with form-keeping
 * and with rhyme mode, runs interleaved so that the machine's noise falls on all three alike.
 * Reports decode ms/token end to end (after a warm-up round) and the steering's own time per token (shape + bookkeeping,
 * timed around the calls).
 *   node out/bench/formSteeringBench.js [MODEL_DIR ...] [--json]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormResources } from '../src/engine/form/formResources';
import { FormSteering, RowSteering } from '../src/engine/form/formSteering';
import { Generator } from '../src/engine/decode/generator';
import { LanguageModel } from '../src/engine/model/languageModel';
import { preferredDtype } from '../src/engine/model/modelLocator';
import type { FormConstraint } from '../src/common/generation';
import { repoRoot, sharedDir } from '../test/support/paths';
import { planLine } from '../src/writing/verse/lines/linePlan';
import { rhymeKey } from '../src/writing/verse/sound/rhyme';

const ROUNDS = 5;
const TOKENS = 64;
const ARMS: Record<string, FormConstraint | undefined> = { plain: undefined, form: {}, rhyme: { rhyme: true } };

async function benchModel(dir: string) {
  const model = await LanguageModel.load({ dir, dtype: preferredDtype(dir), threads: 1 });
  const generator = new Generator(model);
  const resources = new FormResources(model);
  let started = performance.now();
  void model.pieces;
  const piecesMs = performance.now() - started;
  started = performance.now();
  await resources.prepare(true);
  const prepareMs = performance.now() - started;
  // A rhyme sound the poem has not used yet costs one trie: tokenize its commonest rhymes.
  const context = resources.context();
  const trieMs: number[] = [];
  for (const word of ['night', 'day', 'sea', 'heart']) {
    const t = performance.now();
    context.rhymeTrie(rhymeKey(word)!);
    trieMs.push(performance.now() - t);
  }
  started = performance.now();
  for (let i = 0; i < 20; i++) planLine(readFileSync(join(sharedDir, 'corpus', 'sonnets-001-077.txt'), 'utf8').slice(0, 2000), { rhyme: true });
  const planMs = (performance.now() - started) / 20;
  const prompt = readFileSync(join(sharedDir, 'corpus', 'sonnets-001-077.txt'), 'utf8').split('\n').slice(0, 6).join('\n') + '\n';
  const totals: Record<string, { decodeMs: number; tokens: number; steerMs: number }> = {};
  for (const arm of Object.keys(ARMS)) totals[arm] = { decodeMs: 0, tokens: 0, steerMs: 0 };
  // Round 0 warms up (the rhyme index, the runtime) and is not counted.
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [arm, constraint] of Object.entries(ARMS)) {
      let steerMs = 0;
      let form: FormSteering | undefined;
      if (constraint) {
        form = new FormSteering(resources.context(), constraint, prompt);
        const row = form.row.bind(form);
        form.row = () => timed(row(), (ms) => (steerMs += ms));
      }
      generator.resetCache();
      const result = await generator.generate({ prompt, sampling: { seed: 100 + round, maxNewTokens: TOKENS } }, { isCancelled: () => false, form });
      if (round === 0) continue;
      const t = totals[arm]!;
      t.decodeMs += result.stats.totalMs - result.stats.timeToFirstTokenMs;
      t.tokens += Math.max(0, result.stats.newTokens - 1);
      t.steerMs += steerMs;
    }
  }
  await model.dispose();
  const arms = Object.fromEntries(
    Object.entries(totals).map(([arm, t]) => [arm, { decodeMsPerToken: round2(t.decodeMs / Math.max(1, t.tokens)), steeringMsPerToken: round2(t.steerMs / Math.max(1, t.tokens)), tokens: t.tokens }]),
  );
  return { model: model.name, vocab: model.pieces.length, piecesMs: Math.round(piecesMs), firstPrepareMs: Math.round(prepareMs), rhymeTrieMs: trieMs.map(Math.round), planLineMs: round2(planMs), arms };
}

/** Wraps a row's shape/accept/stopAt with a stopwatch. */
function timed(row: RowSteering, add: (ms: number) => void): RowSteering {
  for (const name of ['shape', 'accept', 'stopAt'] as const) {
    const original = row[name].bind(row) as (...args: unknown[]) => unknown;
    (row as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      const t = performance.now();
      const out = original(...args);
      add(performance.now() - t);
      return out;
    };
  }
  const clone = row.clone.bind(row);
  row.clone = () => timed(clone(), add);
  return row;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const dirs = args.filter((a) => !a.startsWith('--'));
  if (!dirs.length) {
    dirs.push(join(sharedDir, 'models', 'stories260K'));
    const bench = join(repoRoot, 'bench', 'models', 'smollm2-135m-shape');
    if (existsSync(join(bench, 'config.json'))) dirs.push(bench);
  }
  const results = [];
  for (const dir of dirs) results.push(await benchModel(dir));
  if (json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  for (const r of results) {
    process.stdout.write(`${r.model} (vocab ${r.vocab}; pieces built in ${r.piecesMs} ms, dictionary, word list and vocabulary index ready in ${r.firstPrepareMs} ms; a new rhyme sound's trie ${r.rhymeTrieMs.join(' / ')} ms; planning a line on 2000 characters ${r.planLineMs} ms)\n`);
    process.stdout.write('| arm | decode ms/token | steering ms/token |\n|---|---|---|\n');
    for (const [arm, a] of Object.entries(r.arms)) process.stdout.write(`| ${arm} | ${a.decodeMsPerToken} | ${a.steeringMsPerToken} |\n`);
  }
}

void main();
