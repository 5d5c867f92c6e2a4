/**
 * Decode speed that can be trusted on a noisy machine: every variant runs in this one process
 * (or, for llama-server, beside it), in alternation — request by request for the one-line
 * suggestions, round by round for the decode steps — so the machine's drift hits all alike.
 * Medians with their spread (p10–p90) and same-run ratios.
 *
 *   npm run bench:decode -- [--model DIR] [--requests N] [--rounds N] [--json]
 *
 * Variants, on the 135M-shaped bench model by default (bench/make_bench_model.py; its GGUF for
 * llama-server from the same script's --gguf):
 *   - Inkling's worker on the transformers.js graph (q8) — the layout downloaded models come in;
 *   - the worker on that graph as the install step rewrites it (copy-free, src/engine/graph/);
 *   - the worker on Inkling's copy-free export (q8 and q4, models/recipe/export_kvin.py);
 *   - bare onnxruntime-node loops on the standard and the copy-free q8 graphs (the floor the
 *     engine's own costs are measured against);
 *   - llama-server on the same weights as GGUF Q8_0, one line through its /completion timings.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { EngineClient } from '../src/client/engineClient';
import { ServerEngine } from '../src/client/server/serverEngine';
import { COPY_FREE_FILE_FOR_DTYPE, ONNX_FILE_FOR_DTYPE } from '../src/engine/model/modelFolder';
import { addCopyFreeGraph } from '../src/engine/graph/copyFreeRewrite';
import type { ModelSpec } from '../src/engine/protocol';
import { ghostRequestsWhileTyping } from './typingSonnets';
import { llamaServerAvailable, startLlamaServer, type LlamaServer } from '../test/support/llamaServer';
import { corpusDir, repoRoot, workerPath } from '../test/support/paths';

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    gguf: { type: 'string' },
    requests: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '7' },
    json: { type: 'boolean', default: false },
  },
});
const dir = values.model ?? join(repoRoot, 'bench', 'models', 'smollm2-135m-shape');
const gguf = values.gguf ?? join(repoRoot, 'bench', 'models', 'smollm2-135m-shape-q8_0.gguf');
const requests = Math.max(5, Number(values.requests));
const rounds = Math.max(3, Number(values.rounds));
const log = (m: string) => process.stderr.write(`${m}\n`);
const r1 = (x: number) => Math.round(x * 10) / 10;
const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.max(0, Math.round(p * (xs.length - 1))))]!;
const spread = (xs: number[]) => (xs.length ? `${r1(q(xs, 0.5))} (${r1(q(xs, 0.1))}–${r1(q(xs, 0.9))})` : 'n/a');

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return r1(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

/** A bare decode loop on one graph: the floor for the engine on the same file. */
class BareLoop {
  private len = 0;
  private capacity = 0;
  private cache: Float32Array[] = [];
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly copyFree: boolean,
    private readonly past: string[],
    private readonly kv: number,
    private readonly hd: number,
  ) {}

  static async open(file: string): Promise<BareLoop> {
    const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    const meta = session.inputMetadata as unknown as { name: string; shape: (string | number)[] }[];
    const past = session.inputNames.filter((n) => n.startsWith('past_key_values.'));
    const shape = meta.find((m) => m.name === past[0])!.shape;
    return new BareLoop(session, session.outputNames.includes('new_key_values.0.key'), past, shape[1] as number, shape[3] as number);
  }

  reset(): void {
    this.len = 0;
    this.capacity = 0;
    this.cache = this.past.map(() => new Float32Array(0));
  }

  /** Runs `ids` after the cache; returns the argmax of the last position. */
  async run(ids: number[]): Promise<number> {
    const s = ids.length;
    const width = this.copyFree ? this.capacity + s : this.len + s;
    const mask = new BigInt64Array(width);
    if (this.copyFree) {
      mask.fill(1n, 0, this.len);
      mask.fill(1n, this.capacity);
    } else mask.fill(1n);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, s]),
      attention_mask: new ort.Tensor('int64', mask, [1, width]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(this.len + i))), [1, s]),
    };
    const slots = this.copyFree ? this.capacity : this.len;
    this.past.forEach((n, i) => (feeds[n] = new ort.Tensor('float32', this.cache[i]!, [1, this.kv, slots, this.hd])));
    const out = await this.session.run(feeds);
    if (this.copyFree) {
      if (this.len + s > this.capacity) {
        const grown = Math.ceil((this.len + s) / 64) * 64;
        this.cache = this.cache.map((old) => {
          const buf = new Float32Array(this.kv * grown * this.hd);
          for (let r = 0; r < this.kv; r++) buf.set(old.subarray(r * this.capacity * this.hd, (r * this.capacity + this.len) * this.hd), r * grown * this.hd);
          return buf;
        });
        this.capacity = grown;
      }
      this.past.forEach((n, i) => {
        const fresh = out[n.replace('past_key_values.', 'new_key_values.')]!.data as Float32Array;
        for (let r = 0; r < this.kv; r++) this.cache[i]!.set(fresh.subarray(r * s * this.hd, (r + 1) * s * this.hd), (r * this.capacity + this.len) * this.hd);
      });
    } else this.cache = this.past.map((n) => out[n.replace('past_key_values.', 'present.')]!.data as Float32Array);
    this.len += s;
    const logits = out.logits!.data as Float32Array;
    const V = out.logits!.dims.at(-1)!;
    const base = logits.length - V;
    let best = 0;
    for (let i = 1; i < V; i++) if (logits[base + i]! > logits[base + best]!) best = i;
    return best;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/**
 * The bench model as a writer who downloads it gets it: its transformers.js graph rewritten by the
 * install step (src/engine/graph/copyFreeRewrite.ts) into `<dir>-rewritten/` (git-ignored beside
 * it; the other files are links). Made once; null when the model has no q8 graph.
 */
async function rewrittenFolder(source: string): Promise<string | null> {
  if (!existsSync(join(source, 'onnx', ONNX_FILE_FOR_DTYPE.q8))) return null;
  const target = `${source.replace(/[\\/]+$/, '')}-rewritten`;
  mkdirSync(join(target, 'onnx'), { recursive: true });
  for (const f of readdirSync(source)) if (f.endsWith('.json') && !existsSync(join(target, f))) symlinkSync(join(source, f), join(target, f));
  if (!existsSync(join(target, 'onnx', ONNX_FILE_FOR_DTYPE.q8))) symlinkSync(join(source, 'onnx', ONNX_FILE_FOR_DTYPE.q8), join(target, 'onnx', ONNX_FILE_FOR_DTYPE.q8));
  const t = performance.now();
  const done = await addCopyFreeGraph(target, 'q8');
  if ('file' in done) log(`rewrote ${done.from} → ${done.file} in ${Math.round(performance.now() - t)} ms (last position from ${done.cutAt}, ${done.lastPositionNodes} nodes after it)`);
  return existsSync(join(target, 'onnx', COPY_FREE_FILE_FOR_DTYPE.q8!)) ? target : null;
}

interface Variant {
  name: string;
  engine?: EngineClient;
  server?: ServerEngine;
  oneLine: number[];
  /** ms per decode step (after the first token) at the long context. */
  step: number[];
  /** ms to the first token of a ~512-token prompt nothing of which is cached (the prefill). */
  cold: number[];
  rss?: number;
}

(async () => {
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { max_position_embeddings?: number };
  const ctx = Math.min(2048, config.max_position_embeddings ?? 2048);
  const specs: [string, ModelSpec][] = [['worker · transformers.js graph q8', { dir, dtype: 'q8', threads: 1, layout: 'standard' }]];
  const rewritten = await rewrittenFolder(dir);
  if (rewritten) specs.push(['worker · transformers.js graph rewritten at install q8', { dir: rewritten, dtype: 'q8', threads: 1 }]);
  for (const dtype of ['q8', 'q4'] as const) if (existsSync(join(dir, 'onnx', COPY_FREE_FILE_FOR_DTYPE[dtype]!))) specs.push([`worker · copy-free ${dtype}`, { dir, dtype, threads: 1 }]);
  const variants: Variant[] = [];
  for (const [name, spec] of specs) {
    const engine = new EngineClient({ workerPath });
    await engine.load(spec);
    variants.push({ name, engine, oneLine: [], step: [], cold: [] });
  }
  let server: LlamaServer | null = null;
  if (existsSync(gguf) && llamaServerAvailable()) {
    server = await startLlamaServer(gguf, { ctx, threads: 1 });
    variants.push({ name: 'llama-server · GGUF Q8_0', server: new ServerEngine({ url: server.url, kind: 'llama.cpp', model: '' }), oneLine: [], step: [], cold: [] });
  }
  const generate = (v: Variant, prompt: string, sampling: object) => (v.engine ?? v.server!).generate({ prompt, sampling, caller: 'bench' });
  log(`${dir.split('/').pop()}: ${variants.map((v) => v.name).join(', ')}; one thread each`);

  // 1. A writer typing verse: the product's own ghost request after each word (~500-token prompts).
  for (const request of ghostRequestsWhileTyping(requests)) {
    // Rotate who goes first, so no variant always follows the same neighbour.
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(k + request.index) % variants.length]!;
      const t = performance.now();
      await generate(v, request.prompt, request.sampling);
      v.oneLine.push(performance.now() - t);
    }
  }

  // 2. Decode steps at a long context, engine and bare loops in alternation.
  const austen = readFileSync(join(corpusDir, 'pride-and-prejudice-ch01-05.txt'), 'utf8');
  const longTokens = Math.min(512, ctx - 80);
  const counter = variants.find((v) => v.engine)!.engine!;
  let lo = 200;
  let hi = austen.length;
  while (hi - lo > 40) {
    const mid = (lo + hi) >> 1;
    if ((await counter.countTokens(austen.slice(0, mid))) > longTokens) hi = mid;
    else lo = mid;
  }
  const longPrompt = austen.slice(0, lo);
  const bare: { name: string; loop: BareLoop; step: number[] }[] = [];
  const bareFiles: [string, string][] = [['bare ORT · transformers.js graph q8', join(dir, 'onnx', ONNX_FILE_FOR_DTYPE.q8)], ['bare ORT · copy-free q8', join(dir, 'onnx', COPY_FREE_FILE_FOR_DTYPE.q8!)]];
  if (rewritten) bareFiles.splice(1, 0, ['bare ORT · rewritten at install q8', join(rewritten, 'onnx', COPY_FREE_FILE_FOR_DTYPE.q8!)]);
  for (const [name, file] of bareFiles) if (existsSync(file)) bare.push({ name, loop: await BareLoop.open(file), step: [] });
  const promptIds = Array.from({ length: longTokens }, (_, i) => 100 + ((i * 7919) % 5000));
  const STEPS = 32;
  for (let round = 0; round < rounds; round++) {
    for (const v of variants) {
      const r = await generate(v, `${round} ${longPrompt}`, { strategy: 'greedy', maxNewTokens: STEPS, repetitionPenalty: 1, stopStrings: [] });
      if (v.engine) v.cold.push(r.stats.timeToFirstTokenMs);
      const decodeMs = v.server ? (r.stats.serverMs ?? 0) : r.stats.totalMs;
      if (r.stats.tokensPerSecond > 0) v.step.push(1000 / r.stats.tokensPerSecond);
      else if (decodeMs) v.step.push(decodeMs / STEPS);
    }
    for (const b of bare) {
      b.loop.reset();
      let token = await b.loop.run(promptIds);
      const t = performance.now();
      for (let s = 0; s < STEPS; s++) token = await b.loop.run([token]);
      b.step.push((performance.now() - t) / STEPS);
    }
  }
  for (const v of variants) if (v.engine?.pid) v.rss = rssMb(v.engine.pid);
  for (const v of variants) await (v.engine?.dispose() ?? v.server?.dispose());
  for (const b of bare) await b.loop.release();
  await server?.stop();

  const standardStep = q(variants[0]!.step, 0.5);
  const modelMb = (file: string) => r1(statSync(join(dir, 'onnx', file)).size / 2 ** 20);
  const lines = [
    `| ${dir.split('/').pop()}, 1 thread | one line p50 (p10–p90), ms | p95 | decode step @${longTokens} tok, ms | vs transformers.js graph | ${longTokens}-token prompt, first token, ms | worker RSS |`,
    '|---|---|---|---|---|---|---|',
    ...variants.map((v) => `| ${v.name} | ${spread(v.oneLine)} | ${r1(q(v.oneLine, 0.95))} | ${spread(v.step)} | ${(q(v.step, 0.5) / standardStep).toFixed(2)}× | ${spread(v.cold)} | ${v.rss ? `${v.rss} MB` : '—'} |`),
    ...bare.map((b) => `| ${b.name} | — | — | ${spread(b.step)} | ${(q(b.step, 0.5) / standardStep).toFixed(2)}× | — | — |`),
  ];
  const engineFast = variants.find((v) => v.name === 'worker · copy-free q8');
  const bareFast = bare.find((b) => b.name === 'bare ORT · copy-free q8');
  if (engineFast && bareFast) lines.push('', `Engine vs bare loop on the copy-free q8 graph: ${(q(bareFast.step, 0.5) / q(engineFast.step, 0.5)).toFixed(2)}× the bare loop's speed (target ≥ 0.95).`);
  lines.push(`Model files: transformers.js q8 ${modelMb(ONNX_FILE_FOR_DTYPE.q8)} MB${existsSync(join(dir, 'onnx', COPY_FREE_FILE_FOR_DTYPE.q4!)) ? `, copy-free q4 ${modelMb(COPY_FREE_FILE_FOR_DTYPE.q4!)} MB` : ''}; ${requests} one-line requests and ${rounds} rounds of ${STEPS} steps, interleaved.`);
  if (values.json) process.stdout.write(`${JSON.stringify({ date: new Date().toISOString(), variants: variants.map(({ name, oneLine, step, cold, rss }) => ({ name, oneLine, step, cold, rss })), bare: bare.map(({ name, step }) => ({ name, step })) }, null, 2)}\n`);
  else process.stdout.write(`${lines.join('\n')}\n`);
  process.exit(0);
})().catch((e: Error) => {
  log(e.stack ?? String(e));
  process.exit(1);
});
