/**
 * What each fiction sampler costs per generated token: DRY, XTC and banned phrases against plain
 * sampling, through the worker on a model (end to end), and the selection step alone at a 49K
 * vocabulary with a 1,024-token history (where DRY's look-back and the vocabulary-wide passes
 * weigh most). Variants run interleaved in one process; medians with their spread.
 *
 *   node out/bench/samplersBench.js [--rounds N] [--model DIR]
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EngineClient } from '../src/client/engineClient';
import { preferredDtype } from '../src/engine/model/modelLocator';
import { Rng, select } from '../src/engine/decode/sampling';
import { BannedPhrases } from '../src/writing/settings/bannedPhrases';
import { STOCK_PHRASES, validateSampling, type SamplingSettings } from '../src/writing/settings/samplingSettings';
import { repoRoot, workerPath } from '../test/support/paths';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '12' }, model: { type: 'string' } } });
const rounds = Math.max(3, Number(values.rounds));
const modelDir = values.model ?? join(repoRoot, 'models', 'inkling-verse');
const r2 = (x: number) => Math.round(x * 100) / 100;
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const summary = (xs: number[]) => `${r2(quantile(xs, 0.5))} (${r2(quantile(xs, 0.1))}–${r2(quantile(xs, 0.9))})`;

const variants: [string, Partial<SamplingSettings>][] = [
  ['plain', {}],
  ['DRY 0.8', { dryMultiplier: 0.8 }],
  ['XTC 0.5/0.1', { xtcProbability: 0.5, xtcThreshold: 0.1 }],
  [`${STOCK_PHRASES.length} banned phrases`, { bannedPhrases: [...STOCK_PHRASES] }],
  ['all three', { dryMultiplier: 0.8, xtcProbability: 0.5, bannedPhrases: [...STOCK_PHRASES] }],
];

(async () => {
  // The selection step alone: 49,152 logits, a 1,024-token history that repeats (DRY has work).
  const V = 49_152;
  const rng = new Rng(1);
  const row = new Float32Array(V);
  for (let i = 0; i < V; i++) row[i] = rng.next() * 8 - 4;
  const history = Array.from({ length: 1024 }, (_, i) => (i * 7919) % 300);
  const breakers = new Uint8Array(V);
  const micro = new Map<string, number[]>();
  for (let round = 0; round < rounds * 20; round++) {
    for (const [name, extra] of variants) {
      const settings = validateSampling({ temperature: 0.8, topK: 50, topP: 0.95, ...extra }).settings;
      const logits = row.slice();
      const bans = new BannedPhrases(settings.bannedPhrases);
      const t0 = performance.now();
      select(logits, history, settings, rng, {}, { dryBreakers: breakers });
      // What the worker adds per token with bans: one match and one hold-back check on the text so far.
      if (!bans.empty) {
        bans.find('She walked into the garden and saw the roses, a tapestry', false);
        bans.safeLength('She walked into the garden and saw the roses, a tapestry');
      }
      (micro.get(name) ?? micro.set(name, []).get(name)!).push(performance.now() - t0);
    }
  }
  process.stdout.write('Selection step alone, 49K vocabulary, 1,024-token history: ms per token, median (p10–p90)\n');
  for (const [name] of variants) process.stdout.write(`  ${name.padEnd(22)} ${summary(micro.get(name)!)}\n`);

  const client = new EngineClient({ workerPath });
  await client.load({ dir: modelDir, dtype: preferredDtype(modelDir), threads: 1 });
  const prompt = 'The evening came down over the harbour, and the boats rocked in their moorings while the lamps were lit one by one along the quay. She stood at the window and';
  const perToken = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const [name, extra] of variants) {
      const r = await client.generate({ prompt, sampling: { temperature: 0.8, maxNewTokens: 48, seed: round, ...extra } });
      // Decode time per token after the first (the prompt's cost is the same for all).
      if (r.stats.tokensPerSecond > 0) (perToken.get(name) ?? perToken.set(name, []).get(name)!).push(1000 / r.stats.tokensPerSecond);
    }
  }
  await client.dispose();
  process.stdout.write(`\nEnd to end on ${modelDir.split('/').pop()}: ms per generated token, median (p10–p90), ${rounds} rounds interleaved\n`);
  for (const [name] of variants) process.stdout.write(`  ${name.padEnd(22)} ${summary(perToken.get(name) ?? [])}\n`);
})();
