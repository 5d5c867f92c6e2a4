/**
 * Engine benchmark: what a writer waits for, against two baselines measured in the same run —
 * a bare onnxruntime-node decode loop on the same model and thread count, and the naive way
 * (transformers.js `pipeline('text-generation')` called per request).
 *
 *   npm run bench -- [--model DIR]... [--threads N] [--requests N] [--json]
 *
 * Without --model it runs on stories260K, Inkling's own model (models/inkling-verse) and, if made,
 * the SmolLM2-135M-shaped model
 * (bench/make_bench_model.py).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { AutoTokenizer, env as hfEnv, pipeline } from '@huggingface/transformers';
import { EngineClient } from '../src/client/engineClient';
import { preferredDtype } from '../src/engine/model/modelLocator';
import { ONNX_FILE_FOR_DTYPE } from '../src/engine/model/modelFolder';
import type { ModelDtype, ModelSpec } from '../src/engine/protocol';
import { buildGhostRequest, GHOST_PROMPT_CHARS } from '../src/writing/prompts/ghost/ghostRequest';
import { corpusDir, repoRoot, testModelDir, workerPath } from '../test/support/paths';

const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    threads: { type: 'string', default: '1' },
    requests: { type: 'string', default: '30' },
    'pipeline-requests': { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
  },
});
const threads = Number(values.threads);
const requests = Math.max(30, Number(values.requests));
const pipelineRequests = Math.max(3, Number(values['pipeline-requests']));
const log = (m: string) => process.stderr.write(`${m}\n`);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
const r1 = (x: number) => Math.round(x * 10) / 10;

function rssOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(/(\d+) kB/.exec(status.split('\n').find((l) => l.startsWith(key)) ?? '')?.[1] ?? 0);
  return { rssMb: r1(kb('VmRSS:') / 1024), peakMb: r1(kb('VmHWM:') / 1024) };
}

/** Words of real verse to type, and a long text to build 512-token contexts from. */
const sonnets = readFileSync(join(corpusDir, 'sonnets-001-077.txt'), 'utf8');
const austen = readFileSync(join(corpusDir, 'pride-and-prejudice-ch01-05.txt'), 'utf8');

interface Row {
  model: string;
  dtype: ModelDtype;
  modelMb: number;
  threads: number;
  coldStartMs: number;
  timeToFirstTokenMs: number;
  oneLineP50Ms: number;
  oneLineP95Ms: number;
  oneLineRequests: number;
  oneLinePromptTokens: number;
  decodeTokensPerSecond: number;
  bareOrtTokensPerSecond: number;
  decodeVsBare: number;
  contextTokens: number;
  coldMs: number;
  followUpMs: number;
  followUpVsCold: number;
  /** The prompt part alone: time to the first new token, follow-up vs cold. */
  coldFirstTokenMs: number;
  followUpFirstTokenMs: number;
  followUpFirstTokenVsCold: number;
  pipelineP50Ms: number;
  pipelineVsEngine: number;
  workerRssMb: number;
  workerPeakRssMb: number;
  rssBudgetMb: number;
}

/** A prompt of about `tokens` tokens of `text`, ending at a word boundary. */
async function promptOf(client: EngineClient, text: string, tokens: number): Promise<string> {
  let lo = 100;
  let hi = text.length;
  while (hi - lo > 40) {
    const mid = (lo + hi) >> 1;
    const n = await client.countTokens(text.slice(0, mid));
    if (n > tokens) hi = mid;
    else lo = mid;
  }
  const cut = text.slice(0, lo);
  return cut.slice(0, cut.lastIndexOf(' '));
}

async function bareOrtDecode(dir: string, dtype: ModelDtype, promptIds: number[], steps: number): Promise<number> {
  const session = await ort.InferenceSession.create(join(dir, 'onnx', ONNX_FILE_FOR_DTYPE[dtype]), { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const meta = session.inputMetadata as unknown as { name: string; shape: (string | number)[] }[];
  const past = session.inputNames.filter((n) => n.startsWith('past_key_values.'));
  const shape = meta.find((m) => m.name === past[0])!.shape;
  const [kv, hd] = [shape[1] as number, shape[3] as number];
  let cache: Float32Array[] = [];
  let len = 0;
  const run = async (ids: number[]) => {
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(len + ids.length).fill(1n), [1, len + ids.length]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(len + i))), [1, ids.length]),
    };
    past.forEach((n, i) => (feeds[n] = new ort.Tensor('float32', cache[i]!, [1, kv, len, hd])));
    const out = await session.run(feeds);
    cache = past.map((n) => out[n.replace('past_key_values.', 'present.')]!.data as Float32Array);
    len += ids.length;
    const logits = out.logits!;
    const V = logits.dims[2]!;
    const data = logits.data as Float32Array;
    let best = 0;
    for (let i = 1; i < V; i++) if (data[(ids.length - 1) * V + i]! > data[(ids.length - 1) * V + best]!) best = i;
    return best;
  };
  // Two passes over the same work; the first warms the runtime's allocator, the second is timed.
  let seconds = 0;
  for (let pass = 0; pass < 2; pass++) {
    cache = past.map(() => new Float32Array(0));
    len = 0;
    let token = await run(promptIds);
    const started = performance.now();
    for (let i = 0; i < steps; i++) token = await run([token]);
    seconds = (performance.now() - started) / 1000;
  }
  await session.release();
  return steps / seconds;
}

async function benchModel(dir: string): Promise<Row> {
  const dtype = preferredDtype(dir);
  const spec: ModelSpec = { dir, dtype, threads };
  const modelMb = statSync(join(dir, 'onnx', ONNX_FILE_FOR_DTYPE[dtype])).size / 2 ** 20;
  const name = dir.split('/').pop()!;
  log(`\n# ${name} (${dtype}, ${modelMb.toFixed(1)} MB, ${threads} thread${threads > 1 ? 's' : ''})`);

  const t0 = performance.now();
  const client = new EngineClient({ workerPath });
  await client.load(spec);
  const coldStartMs = performance.now() - t0;
  const ctxLen = client.model!.contextLength;
  const contextTokens = Math.min(512, ctxLen - 32);

  // Cold vs follow-up at a full context: a fresh 512-token prompt, then the same prompt grown by a few words.
  const cold: number[] = [];
  const follow: number[] = [];
  const ttft: number[] = [];
  const followTtft: number[] = [];
  const base = await promptOf(client, austen, contextTokens - 8);
  for (let round = 0; round < 5; round++) {
    const fresh = `${round}${'\n'.repeat(round + 1)}${base}`; // a different first token: nothing to reuse
    const a = await client.generate({ prompt: fresh, sampling: { maxNewTokens: 16, seed: round } });
    cold.push(a.stats.totalMs);
    ttft.push(a.stats.timeToFirstTokenMs);
    const b = await client.generate({ prompt: `${fresh} and so she said`, sampling: { maxNewTokens: 16, seed: round } });
    follow.push(b.stats.totalMs);
    followTtft.push(b.stats.timeToFirstTokenMs);
    if (b.stats.reusedTokens < a.stats.promptTokens - 4) log(`warning: follow-up reused only ${b.stats.reusedTokens} tokens`);
  }
  log(`cold ${r1(median(cold))} ms, follow-up ${r1(median(follow))} ms at ${contextTokens} tokens`);

  // A writer typing verse: after each word the product's own request builder (the same prefix
  // window, stop rule and token budget as ghost text) asks for one line, at most 16 tokens.
  const typingStart = sonnets.slice(0, 3000);
  const rest = sonnets.slice(typingStart.length).split(/(?<=\s)(?=\S)/);
  let typed = typingStart;
  const oneLine: number[] = [];
  const lineTokens: number[] = [];
  const lineRan: number[] = [];
  const typingRequests: { prompt: string; maxNewTokens: number; stopStrings: string[]; newTokens: number }[] = [];
  for (let i = 0; oneLine.length < requests && i < rest.length; i++) {
    typed += rest[i]!;
    const request = buildGhostRequest({ text: typed, offset: typed.length, explicit: false, maxPromptChars: GHOST_PROMPT_CHARS, maxWords: 12 });
    if (!request.ok) continue;
    const asked = { prompt: request.prompt, maxNewTokens: Math.min(16, request.maxNewTokens), stopStrings: request.stopStrings, newTokens: 0 };
    const t = performance.now();
    const r = await client.generate({ prompt: asked.prompt, sampling: { maxNewTokens: asked.maxNewTokens, stopStrings: asked.stopStrings, seed: i }, caller: 'bench' });
    oneLine.push(performance.now() - t);
    lineTokens.push(r.stats.newTokens);
    lineRan.push(r.stats.promptTokens - r.stats.reusedTokens);
    typingRequests.push({ ...asked, newTokens: r.stats.newTokens });
  }
  const typingTokens = await client.countTokens(typingRequests.at(-1)!.prompt);
  log(`one line p50 ${r1(median(oneLine))} ms, p95 ${r1(percentile(oneLine, 95))} ms over ${oneLine.length}, prompts of ~${typingTokens} tokens; per request median ${median(lineTokens)} new tokens, prompt tokens run p50 ${median(lineRan)} / p95 ${percentile(lineRan, 95)}`);

  // Decode speed: greedy, long enough to reach steady state, from a prompt that fits every model.
  const decodePrompt = await promptOf(client, sonnets, Math.min(256, contextTokens - 80));
  const decode: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await client.generate({ prompt: `${decodePrompt}${i}`, sampling: { strategy: 'greedy', maxNewTokens: 64, repetitionPenalty: 1 } });
    if (r.stats.newTokens > 8) decode.push(r.stats.tokensPerSecond);
  }
  const { rssMb, peakMb } = rssOf(client.pid!);
  await client.dispose();

  // Baseline 1: a bare ORT decode loop, same model file and thread count, in this process.
  hfEnv.allowRemoteModels = false;
  hfEnv.localModelPath = join(dir, '..');
  const tokenizer = await AutoTokenizer.from_pretrained(name);
  const promptIds = Array.from(tokenizer.encode(decodePrompt)) as number[];
  const bare: number[] = [];
  for (let i = 0; i < 3; i++) bare.push(await bareOrtDecode(dir, dtype, promptIds, 48));

  // Baseline 2: the seeds' way — pipeline('text-generation') called per request.
  const pipe = await pipeline('text-generation', name, { dtype, session_options: { intraOpNumThreads: threads, interOpNumThreads: 1 } });
  const piped: number[] = [];
  for (const r of typingRequests.slice(0, pipelineRequests)) {
    const t = performance.now();
    // The same number of new tokens the engine produced for this prompt (it stopped at the line's end).
    await pipe(r.prompt, { max_new_tokens: Math.max(1, r.newTokens), do_sample: false, return_full_text: false });
    piped.push(performance.now() - t);
  }
  await (pipe as unknown as { dispose(): Promise<void> }).dispose();

  const decodeTps = median(decode);
  const bareTps = median(bare);
  return {
    model: name,
    dtype,
    modelMb: r1(modelMb),
    threads,
    coldStartMs: r1(coldStartMs),
    timeToFirstTokenMs: r1(median(ttft)),
    oneLineP50Ms: r1(median(oneLine)),
    oneLineP95Ms: r1(percentile(oneLine, 95)),
    oneLineRequests: oneLine.length,
    oneLinePromptTokens: typingTokens,
    decodeTokensPerSecond: r1(decodeTps),
    bareOrtTokensPerSecond: r1(bareTps),
    decodeVsBare: Math.round((decodeTps / bareTps) * 100) / 100,
    contextTokens,
    coldMs: r1(median(cold)),
    followUpMs: r1(median(follow)),
    followUpVsCold: Math.round((median(follow) / median(cold)) * 100) / 100,
    coldFirstTokenMs: r1(median(ttft)),
    followUpFirstTokenMs: r1(median(followTtft)),
    followUpFirstTokenVsCold: Math.round((median(followTtft) / median(ttft)) * 100) / 100,
    pipelineP50Ms: r1(median(piped)),
    pipelineVsEngine: Math.round((median(piped) / median(oneLine)) * 10) / 10,
    workerRssMb: rssMb,
    workerPeakRssMb: peakMb,
    rssBudgetMb: r1(1.5 * modelMb + 150),
  };
}

function table(rows: Row[]): string {
  const lines: [string, (r: Row) => string, string][] = [
    ['model', (r) => `${r.model} (${r.dtype}, ${r.modelMb} MB)`, ''],
    ['cold start: spawn + load', (r) => `${r.coldStartMs} ms`, ''],
    ['time to first token (cold prompt)', (r) => `${r.timeToFirstTokenMs} ms`, ''],
    ['one-line suggestion p50 / p95', (r) => `${r.oneLineP50Ms} / ${r.oneLineP95Ms} ms (n=${r.oneLineRequests}, ~${r.oneLinePromptTokens} tok)`, 'p50 ≤ 250, p95 ≤ 500 (135M)'],
    ['decode', (r) => `${r.decodeTokensPerSecond} tok/s`, ''],
    ['bare ORT loop (baseline)', (r) => `${r.bareOrtTokensPerSecond} tok/s`, ''],
    ['decode vs bare ORT', (r) => `${r.decodeVsBare}×`, '≥ 0.9×'],
    ['cold / follow-up at N tokens', (r) => `${r.coldMs} / ${r.followUpMs} ms @${r.contextTokens}`, ''],
    ['follow-up vs cold (16 new tokens each)', (r) => `${r.followUpVsCold}×`, '≤ 0.3×'],
    ['  first token: cold / follow-up', (r) => `${r.coldFirstTokenMs} / ${r.followUpFirstTokenMs} ms (${r.followUpFirstTokenVsCold}×)`, 'the prompt part alone'],
    ['pipeline() per request (baseline)', (r) => `${r.pipelineP50Ms} ms p50`, ''],
    ['engine speed-up vs pipeline()', (r) => `${r.pipelineVsEngine}×`, '≥ 3×'],
    ['worker RSS now / peak', (r) => `${r.workerRssMb} / ${r.workerPeakRssMb} MB`, ''],
    ['RSS budget (1.5 × model + 150 MB)', (r) => `${r.rssBudgetMb} MB`, ''],
  ];
  const widths = [Math.max(...lines.map((l) => l[0].length)), ...rows.map((r) => Math.max(...lines.map((l) => l[1](r).length)))];
  return lines.map(([label, f, target]) => [label.padEnd(widths[0]!), ...rows.map((r, i) => f(r).padEnd(widths[i + 1]!)), target].join(' │ ')).join('\n');
}

async function main() {
  const models = values.model?.length
    ? values.model
    : [testModelDir, join(repoRoot, 'models', 'inkling-verse'), join(repoRoot, 'bench', 'models', 'smollm2-135m-shape')].filter((d) => existsSync(join(d, 'config.json')));
  const rows: Row[] = [];
  for (const m of models) rows.push(await benchModel(m));
  const provider = providerLatency();
  if (values.json) process.stdout.write(`${JSON.stringify({ date: new Date().toISOString(), threads, rows, provider }, null, 2)}\n`);
  else {
    process.stdout.write(`\n${table(rows)}\n`);
    process.stdout.write(
      provider
        ? `\nghost text in VS Code (the provider asked → items returned, ${provider.model}, scripted typing session of the last integration run, ${provider.at}): p50 ${provider.p50Ms} ms, p95 ${provider.p95Ms} ms over ${provider.answered} answers, cache hit rate ${provider.cacheHitRate}\n`
        : '\nghost text in VS Code: run npm test once; its integration suite measures the provider over a scripted typing session (.test-artifacts/ghost-latency.json)\n',
    );
  }
}

/**
 * The provider's own latency can only be measured inside VS Code: the integration suite types a
 * scripted session through the real provider and leaves its figures in an artefact.
 */
function providerLatency(): { p50Ms: number; p95Ms: number; answered: number; cacheHitRate: number; model: string; at: string } | null {
  const file = join(repoRoot, '.test-artifacts', 'ghost-latency.json');
  if (!existsSync(file)) return null;
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as { p50Ms: number; p95Ms: number; answered: number; cacheHitRate: number };
    return { p50Ms: r.p50Ms, p95Ms: r.p95Ms, answered: r.answered, cacheHitRate: r.cacheHitRate, model: 'stories260K', at: statSync(file).mtime.toISOString().slice(0, 16) };
  } catch {
    return null;
  }
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    log(e.stack ?? String(e));
    process.exit(1);
  },
);
