/**
 * What word alternatives cost per generated token: the same prompt and seed decoded without and
 * with `probabilities: 8` (each token's probability after the filters and its eight likeliest
 * alternatives), interleaved — the order flips every round — so the machine's noise falls on both
 * alike. Reports decode ms/token (after the first token) per arm as a median with its range over
 * the rounds, and the median of the per-round ratios.
 *   node out/bench/wordChoicesBench.js [MODEL_DIR ...] [--rounds N] [--json]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Generator } from '../src/engine/decode/generator';
import { LanguageModel } from '../src/engine/model/languageModel';
import { preferredDtype } from '../src/engine/model/modelLocator';
import { repoRoot, sharedDir } from '../test/support/paths';

const TOKENS = 64;
const ALTERNATIVES = 8;
const PROMPT = 'Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends.\n\nOne day,';

interface Arm {
  msPerToken: number[];
}

async function benchModel(dir: string, rounds: number) {
  const model = await LanguageModel.load({ dir, dtype: preferredDtype(dir), threads: 1 });
  const generator = new Generator(model);
  const arms: Record<'plain' | 'probabilities', Arm> = { plain: { msPerToken: [] }, probabilities: { msPerToken: [] } };
  const ratios: number[] = [];
  // Round 0 warms up and is not counted.
  for (let round = 0; round <= rounds; round++) {
    const order: ('plain' | 'probabilities')[] = round % 2 ? ['probabilities', 'plain'] : ['plain', 'probabilities'];
    const perToken: Record<string, number> = {};
    const texts: Record<string, string> = {};
    for (const arm of order) {
      generator.resetCache();
      const r = await generator.generate(
        { prompt: PROMPT, sampling: { seed: 100 + round, maxNewTokens: TOKENS, stopStrings: [] }, probabilities: arm === 'plain' ? 0 : ALTERNATIVES },
        { isCancelled: () => false },
      );
      perToken[arm] = (r.stats.totalMs - r.stats.timeToFirstTokenMs) / Math.max(1, r.stats.newTokens - 1);
      texts[arm] = r.text;
    }
    if (texts.plain !== texts.probabilities) throw new Error(`round ${round}: asking for probabilities changed the text`);
    if (round === 0) continue;
    arms.plain.msPerToken.push(perToken.plain!);
    arms.probabilities.msPerToken.push(perToken.probabilities!);
    ratios.push(perToken.probabilities! / perToken.plain!);
  }
  await model.dispose();
  const summary = (xs: number[]) => ({ median: round3(median(xs)), min: round3(Math.min(...xs)), max: round3(Math.max(...xs)) });
  return {
    model: model.name,
    vocab: model.pieces.length,
    rounds,
    plain: summary(arms.plain.msPerToken),
    probabilities: summary(arms.probabilities.msPerToken),
    ratio: summary(ratios),
    extraMsPerToken: round3(median(arms.probabilities.msPerToken) - median(arms.plain.msPerToken)),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const roundsAt = args.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Math.max(1, Number(args[roundsAt + 1]) || 7) : 7;
  const dirs = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--rounds');
  if (!dirs.length) {
    dirs.push(join(sharedDir, 'models', 'stories260K'));
    for (const d of [join(repoRoot, 'models', 'inkling-verse'), join(repoRoot, 'bench', 'models', 'smollm2-135m-shape')]) if (existsSync(join(d, 'config.json'))) dirs.push(d);
  }
  const results = [];
  for (const dir of dirs) results.push(await benchModel(dir, rounds));
  if (json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  process.stdout.write(`decode ms/token, ${TOKENS} tokens, median (min–max) over the rounds; probabilities: ${ALTERNATIVES} alternatives per token\n`);
  process.stdout.write('| model (vocab) | plain | with probabilities | extra ms/token | ratio |\n|---|---|---|---|---|\n');
  const f = (s: { median: number; min: number; max: number }) => `${s.median} (${s.min}–${s.max})`;
  for (const r of results) process.stdout.write(`| ${r.model} (${r.vocab}) | ${f(r.plain)} | ${f(r.probabilities)} | ${r.extraMsPerToken} | ${f(r.ratio)} |\n`);
}

void main();
