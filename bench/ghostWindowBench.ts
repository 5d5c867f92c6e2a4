/**
 * What a longer ghost-text window buys: the model's loss on the line the poet wrote next, given
 * the prompt the editor would send with each window size (buildGhostRequest: cut at a stanza, a
 * line or a word, front matter left out). Every sample is scored under every window on the same
 * model, so the differences are paired; a model whose context is shorter than a window sees the
 * last tokens that fit (not the worker's stride-aligned cut, which keeps the first token too).
 * The requests are built as verse, asked for (`kind: 'verse'`, `explicit`): what the window does
 * to the verse/prose decision and to form planning is not measured here.
 *
 *   node out/bench/ghostWindowBench.js DIR [--model DIR[:dtype]]… [--windows 500,1000,1500,2000] [--samples 200] [--seed 1]
 *
 * DIR holds poems (.txt / .md; the held-out files, not the tuning ones). Samples are line starts at
 * least the largest window into a file, whose line has 3 words or more, drawn without replacement
 * in turn from each file; a place where the editor would not suggest is skipped for every window.
 * Prints bits per byte of the next line (mean, 95 % bootstrap interval) per window and its paired
 * difference against the largest, and the prompt's tokens (median).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LanguageModel } from '../src/engine/model/languageModel';
import { emptyCache } from '../src/engine/model/kvCache';
import { preferredDtype } from '../src/engine/model/modelLocator';
import type { ModelDtype } from '../src/engine/protocol';
import { buildGhostRequest } from '../src/writing/prompts/ghost/ghostRequest';
import { repoRoot } from '../test/support/paths';
import { bootstrapInterval, mean, random } from './benchStats';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { model: { type: 'string', multiple: true }, windows: { type: 'string', default: '500,1000,1500,2000' }, samples: { type: 'string', default: '200' }, seed: { type: 'string', default: '1' } } });
const dir = positionals[0];
if (!dir) {
  process.stderr.write('usage: ghostWindowBench DIR [--model DIR[:dtype]]… [--windows 500,1000,1500,2000] [--samples N] [--seed N]\n');
  process.exit(2);
}
const windows = values.windows.split(',').map(Number).filter((w) => w > 0).sort((a, b) => a - b);
if (windows.length === 0) {
  process.stderr.write('--windows: one or more sizes in characters, e.g. 1000,2000\n');
  process.exit(2);
}
const widest = windows[windows.length - 1]!;
const models: [string, ModelDtype][] = (values.model?.length ? values.model : [join(repoRoot, 'models', 'inkling-verse')]).map((m) => (m.includes(':') ? (m.split(':') as [string, ModelDtype]) : [m, preferredDtype(m)]));

interface Sample {
  before: string;
  line: string;
}

function samples(count: number, seed: number): Sample[] {
  const rnd = random(seed);
  const perFile = readdirSync(dir!)
    .filter((f) => /\.(txt|md)$/.test(f))
    .sort()
    .map((f) => {
      const text = readFileSync(join(dir!, f), 'utf8').replace(/\r\n?/g, '\n');
      const starts: number[] = [];
      for (let i = text.indexOf('\n'); i >= 0 && i + 1 < text.length; i = text.indexOf('\n', i + 1)) {
        const start = i + 1;
        const end = text.indexOf('\n', start);
        const line = text.slice(start, end < 0 ? text.length : end);
        if (start >= widest && line.trim().split(/\s+/).length >= 3) starts.push(start);
      }
      // Shuffled (Fisher–Yates), so each file's places are drawn without replacement.
      for (let i = starts.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [starts[i], starts[j]] = [starts[j]!, starts[i]!];
      }
      return { text, starts };
    })
    .filter((f) => f.starts.length > 0);
  const out: Sample[] = [];
  for (let k = 0; out.length < count && perFile.some((f) => f.starts.length > 0); k++) {
    const f = perFile[k % perFile.length]!;
    const start = f.starts.pop();
    if (start === undefined) continue;
    const end = f.text.indexOf('\n', start);
    const before = f.text.slice(0, start);
    // Only places where the editor would suggest, whatever the window.
    if (!windows.every((w) => buildGhostRequest({ text: before, offset: before.length, explicit: true, maxPromptChars: w, kind: 'verse' }).ok)) continue;
    out.push({ before, line: f.text.slice(start, end < 0 ? f.text.length : end + 1) });
  }
  return out;
}

/** Bits per byte of `line` after `prompt`, and the prompt's tokens as run. */
async function score(model: LanguageModel, prompt: string, line: string): Promise<{ bpb: number; promptTokens: number }> {
  const all = model.encode(prompt + line);
  const head = model.encode(prompt);
  let shared = 0;
  while (shared < head.length && shared < all.length && head[shared] === all[shared]) shared++;
  // The tokens of the line, and of the prompt that fit the context before them.
  const target = all.slice(shared);
  const context = all.slice(Math.max(0, shared - (model.contextLength - target.length)), shared);
  let logProb = 0;
  let { logits, cache } = await model.forward([context], emptyCache(model.layout));
  for (const token of target) {
    let max = -Infinity;
    for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
    let sum = 0;
    for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
    logProb += logits[token]! - max - Math.log(sum);
    ({ logits, cache } = await model.forward([[token]], cache));
  }
  return { bpb: -logProb / Math.LN2 / Buffer.byteLength(line, 'utf8'), promptTokens: context.length };
}

const f3 = (x: number) => x.toFixed(3);

(async () => {
  const drawn = samples(Number(values.samples), Number(values.seed));
  process.stdout.write(`${drawn.length} next lines from ${dir}, windows ${windows.join(' / ')} characters\n\n`);
  for (const [modelDir, dtype] of models) {
    const model = await LanguageModel.load({ dir: modelDir, dtype, threads: 1 });
    const bpb = windows.map(() => [] as number[]);
    const tokens = windows.map(() => [] as number[]);
    for (const s of drawn) {
      for (let w = 0; w < windows.length; w++) {
        const request = buildGhostRequest({ text: s.before, offset: s.before.length, explicit: true, maxPromptChars: windows[w]!, kind: 'verse' });
        if (!request.ok) throw new Error('a sample the editor would not suggest at');
        const r = await score(model, request.prompt, s.line);
        bpb[w]!.push(r.bpb);
        tokens[w]!.push(r.promptTokens);
      }
    }
    const lines = [`${modelDir.split('/').pop()} (${dtype}, context ${model.contextLength})`, '', '| window, chars | prompt tokens p50 | bits/byte of the next line (95 % CI) | minus the widest window (95 % CI) |', '|---|---|---|---|'];
    const wide = bpb[windows.length - 1]!;
    windows.forEach((w, i) => {
      const diff = bpb[i]!.map((x, k) => x - wide[k]!);
      const [lo, hi] = bootstrapInterval(bpb[i]!, 7 + i);
      const [dlo, dhi] = bootstrapInterval(diff, 70 + i);
      const t = [...tokens[i]!].sort((a, b) => a - b)[tokens[i]!.length >> 1];
      lines.push(`| ${w} | ${t} | ${f3(mean(bpb[i]!))} (${f3(lo)}–${f3(hi)}) | ${i === windows.length - 1 ? '—' : `${mean(diff) >= 0 ? '+' : ''}${f3(mean(diff))} (${f3(dlo)}–${f3(dhi)})`} |`);
    });
    process.stdout.write(`${lines.join('\n')}\n\n`);
    await model.dispose();
  }
})().catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
