/**
 * What keeping continuations valid UTF-8 costs (src/engine/tokens/utf8Guard.ts), on the real tokenizers
 * of the models at hand: building the guard (once, on a model's first generation), and per token
 * reading the state back and shaping a row between characters (every token) and inside one (only
 * while a character is spelled in bytes). Microseconds per call, medians with their spread.
 *
 *   node out/bench/utf8GuardBench.js [--rounds N]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LanguageModel } from '../src/engine/model/languageModel';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '400' } } });
const rounds = Math.max(20, Number(values.rounds));
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const summary = (xs: number[]) => `${quantile(xs, 0.5).toFixed(2)} (${quantile(xs, 0.1).toFixed(2)}–${quantile(xs, 0.9).toFixed(2)})`;

const root = join(__dirname, '..', '..');
const folders: [string, string][] = [
  [join(root, 'models', 'inkling-verse'), 'q8'],
  [join(root, '..', 'shared', 'models', 'stories260K'), 'fp32'],
  [join(root, 'bench', 'models', 'smollm2-135m-shape'), 'q8'], // bench/make_bench_model.py, where made
];

async function main(): Promise<void> {
  console.log('model | vocabulary | guard built (ms) | between characters (µs) | inside one (µs) | a row copied, for scale (µs)');
  for (const [dir, dtype] of folders) {
    if (!existsSync(join(dir, 'config.json'))) continue;
    const model = await LanguageModel.load({ dir, dtype: dtype as 'q8', threads: 1 });
    const started = performance.now();
    const guard = model.utf8Guard;
    const built = performance.now() - started;
    if (!guard) {
      console.log(`${model.name} | ${model.vocabSize} | no guard needed | | |`);
      continue;
    }
    const history = model.encodeRaw('The sky was grey above the sea');
    // The prompt, then 中's ids up to the first that leaves it open (a dummy-prefix space may come first).
    const han = model.encodeRaw('中');
    const open = han.findIndex((_, i) => guard.stateAfter(han.slice(0, i + 1)) !== 0);
    if (open < 0) throw new Error(`${model.name} writes 中 as a whole token`);
    const inside = [...history, ...han.slice(0, open + 1)];
    const row = new Float32Array(model.vocabSize);
    const copy = new Float32Array(model.vocabSize);
    const between: number[] = [];
    const mid: number[] = [];
    const scale: number[] = [];
    for (let r = 0; r < rounds; r++) {
      row.fill(0);
      let t = performance.now();
      guard.shape(row, guard.stateAfter(history));
      between.push((performance.now() - t) * 1000);
      row.fill(0);
      t = performance.now();
      guard.shape(row, guard.stateAfter(inside));
      mid.push((performance.now() - t) * 1000);
      t = performance.now();
      copy.set(row);
      scale.push((performance.now() - t) * 1000);
    }
    console.log(`${model.name} | ${model.vocabSize} | ${built.toFixed(0)} | ${summary(between)} | ${summary(mid)} | ${summary(scale)}`);
    await model.dispose();
  }
}

void main();
