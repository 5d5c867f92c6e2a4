// Check a GGUF export against its transformers.js model folder with a real llama-server.
//
//   node models/recipe/verify_gguf.mjs --root /tmp/llama/root --gguf FILE.gguf --model DIR \
//        [--onnx onnx/model.onnx] [--n-predict 24] [--prompt TEXT ...] [--tie 0.25] [--port N]
//        [--text TEXT ...]   (extra strings for the tokenization check, after the built-in nine)
//        [--server-arg=-ctk --server-arg=f32 ...]   (extra llama-server arguments, one per flag)
//        [--cli dist/cli.js]   (also run Inkling's CLI: continue --strategy greedy, compare its text)
//
// --root   a folder where the llama.cpp .debs are unpacked (`dpkg-deb -x FILE ROOT` for each
//          file in /work/shared/llama-server/debs, see that README); the server runs as
//          ROOT/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 --library-path ... llama-server
//          with GGML_BACKEND_PATH set to the haswell CPU backend (x64 without AVX2; --backend FILE
//          overrides), one thread, on 127.0.0.1 and a free port (or --port), and is stopped by pid.
// --model  the model folder (config.json, tokenizer.json, onnx/); --onnx picks the ONNX file
//          (default onnx/model.onnx if present, else onnx/model_quantized.onnx).
// Checks:
// 1. tokenization: POST /tokenize with add_special false and true == transformers.js
//    AutoTokenizer.encode(text, { add_special_tokens }) on prose, a poem with newlines and a blank
//    line, leading spaces, tabs, accents, emoji, a trailing space, a double space, CRLF (plus
//    any --text). Works for both GGUF vocab kinds (SentencePiece-style "llama" and byte-level
//    "gpt2"): it only compares ids, and texts decoded by transformers.js vs the server's.
// 2. greedy: POST /completion (temperature 0, top_k 1, n_predict N, no prompt cache) vs the
//    ONNX model's greedy continuation run with onnxruntime-node (whole-prompt prefill, then one
//    token per step with the KV cache, as Inkling's engine does): generated token ids, the
//    decoded text, and per-step max |logprob difference| over llama-server's top-5 tokens. At
//    the first differing step it reports the ONNX model's logit gap between its choice and the
//    server's (a near tie when it is below --tie).
// Prints one JSON report; exit status 0 when every tokenization matches and every greedy run is
// identical or first differs at a near tie, 1 otherwise.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { env, AutoTokenizer } from '@huggingface/transformers';

const { values: a } = parseArgs({
  options: {
    root: { type: 'string', default: '/tmp/llama/root' },
    gguf: { type: 'string' },
    model: { type: 'string' },
    onnx: { type: 'string' },
    backend: { type: 'string' },
    port: { type: 'string' },
    'n-predict': { type: 'string', default: '24' },
    prompt: { type: 'string', multiple: true },
    text: { type: 'string', multiple: true },
    tie: { type: 'string', default: '0.25' },
    ctx: { type: 'string', default: '512' },
    'server-arg': { type: 'string', multiple: true },
    cli: { type: 'string' },
  },
});
if (!a.gguf || !a.model) {
  console.error('usage: node models/recipe/verify_gguf.mjs --root ROOT --gguf FILE.gguf --model DIR [--onnx FILE] [--prompt TEXT ...]');
  process.exit(2);
}
const modelDir = path.resolve(a.model);
const nPredict = Number(a['n-predict']);
const tie = Number(a.tie);
const TEXTS = [
  'The quick brown fox jumps over the lazy dog, and then it rested under an old oak tree.',
  'Shall I compare thee to a summer\u2019s day?\nThou art more lovely and more temperate:\n\nRough winds do shake the darling buds of May,\nAnd summer\u2019s lease hath all too short a date.\n',
  '   three leading spaces, then words',
  'a\tb\t\tc\n\tindented with a tab',
  'Caf\u00e9, na\u00efve r\u00e9sum\u00e9, \u00fcber, \u00c5ngstr\u00f6m, se\u00f1or, gar\u00e7on',
  'I love it \ud83d\ude00 so much \ud83c\udf89!',
  'word ',
  'two  spaces and  more',
  'line one\r\nline two',
  ...(a.text ?? []),
];
const PROMPTS = a.prompt?.length ? a.prompt : [
  'Once upon a time',
  'The old man walked down to the sea,\nand the wind',
  'She opened the door and saw',
];

// ---------------------------------------------------------------- llama-server
const L = path.join(path.resolve(a.root), 'usr/lib/x86_64-linux-gnu');
function backend() {
  if (a.backend) return path.resolve(a.backend);
  const flags = fs.readFileSync('/proc/cpuinfo', 'utf8');
  return path.join(L, 'ggml/backends0', /\bavx2\b/.test(flags) && /\bfma\b/.test(flags) ? 'libggml-cpu-haswell.so' : 'libggml-cpu-x64.so');
}
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function startServer() {
  const port = a.port ? Number(a.port) : await freePort();
  const args = ['--library-path', `${path.join(L, 'llama')}:${L}`, path.join(path.resolve(a.root), 'usr/bin/llama-server'),
    '-m', path.resolve(a.gguf), '--host', '127.0.0.1', '--port', String(port), '-t', '1', '-c', a.ctx, '-np', '1', '--no-webui', ...(a['server-arg'] ?? [])];
  const child = spawn(path.join(L, 'ld-linux-x86-64.so.2'), args, { env: { ...process.env, GGML_BACKEND_PATH: backend() }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-4000); });
  let exited = null;
  child.on('exit', (code, sig) => { exited = { code, sig }; });
  const url = `http://127.0.0.1:${port}`;
  for (let t = 0; t < 300; t++) {
    if (exited) throw new Error(`llama-server exited (${JSON.stringify(exited)}):\n${log}`);
    try { if ((await fetch(`${url}/health`)).status === 200) return { url, port, pid: child.pid, child, log: () => log, exited: () => exited }; } catch { /* not up yet */ }
    await sleep(100);
  }
  process.kill(child.pid, 'SIGKILL');
  throw new Error(`llama-server not ready after 30 s:\n${log}`);
}
async function stopServer(srv) {
  if (srv.exited()) return;
  process.kill(srv.pid, 'SIGTERM');
  for (let t = 0; t < 50 && !srv.exited(); t++) await sleep(100);
  if (!srv.exited()) process.kill(srv.pid, 'SIGKILL');
}
async function post(srv, route, body) {
  const r = await fetch(`${srv.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${route}: HTTP ${r.status} ${await r.text()}`);
  return r.json();
}

// ---------------------------------------------------------------- ONNX reference
const cfg = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
let gen = {};
try { gen = JSON.parse(fs.readFileSync(path.join(modelDir, 'generation_config.json'), 'utf8')); } catch { /* none */ }
const eosIds = new Set([gen.eos_token_id ?? cfg.eos_token_id].flat().filter((x) => x != null));
const onnxFile = a.onnx ? path.resolve(modelDir, a.onnx)
  : ['onnx/model.onnx', 'onnx/model_quantized.onnx'].map((f) => path.join(modelDir, f)).find((f) => fs.existsSync(f));
const NL = cfg.num_hidden_layers, KV = cfg.num_key_value_heads ?? cfg.num_attention_heads;
const HD = cfg.head_dim ?? cfg.hidden_size / cfg.num_attention_heads, V = cfg.vocab_size;
const t64 = (xs, dims) => new ort.Tensor('int64', BigInt64Array.from(xs.map(BigInt)), dims);
let session;
async function onnxGreedy(ids, n) {
  session ??= await ort.InferenceSession.create(onnxFile, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  let past = {};
  for (let i = 0; i < NL; i++) for (const kv of ['key', 'value']) past[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, KV, 0, HD]);
  const out = [], rows = [];
  let chunk = ids, p = 0;
  for (let step = 0; step < n; step++) {
    const feeds = { input_ids: t64(chunk, [1, chunk.length]), attention_mask: t64(Array(p + chunk.length).fill(1), [1, p + chunk.length]),
      position_ids: t64(chunk.map((_, j) => p + j), [1, chunk.length]), ...past };
    const r = await session.run(feeds);
    const row = Float32Array.from(r.logits.data.subarray((chunk.length - 1) * V, chunk.length * V));
    past = {};
    for (let i = 0; i < NL; i++) for (const kv of ['key', 'value']) past[`past_key_values.${i}.${kv}`] = r[`present.${i}.${kv}`];
    p += chunk.length;
    let best = 0;
    for (let v = 1; v < V; v++) if (row[v] > row[best]) best = v;
    rows.push(row);
    out.push(best);
    if (eosIds.has(best)) break;
    chunk = [best];
  }
  return { ids: out, rows };
}
function logSoftmax(row) {
  let mx = -Infinity;
  for (const x of row) mx = Math.max(mx, x);
  let s = 0;
  for (const x of row) s += Math.exp(x - mx);
  const lse = mx + Math.log(s);
  return (v) => row[v] - lse;
}

// ---------------------------------------------------------------- main
env.localModelPath = path.dirname(modelDir);
env.allowRemoteModels = false;
const tok = await AutoTokenizer.from_pretrained(path.basename(modelDir));
const srv = await startServer();
const report = { gguf: path.resolve(a.gguf), model: modelDir, onnx: path.relative(modelDir, onnxFile), server: { port: srv.port, pid: srv.pid }, tokenize: [], greedy: [] };
let ok = true;
try {
  for (const text of TEXTS) {
    for (const addSpecial of [false, true]) {
      const ref = Array.from(tok.encode(text, { add_special_tokens: addSpecial }));
      const got = (await post(srv, '/tokenize', { content: text, add_special: addSpecial })).tokens;
      const match = JSON.stringify(ref) === JSON.stringify(got);
      if (!match) ok = false;
      report.tokenize.push(match ? { text, add_special: addSpecial, match, n: ref.length } : { text, add_special: addSpecial, match, ref, got });
    }
  }
  for (const prompt of PROMPTS) {
    const promptIds = Array.from(tok.encode(prompt));
    const ref = await onnxGreedy(promptIds, nPredict);
    const res = await post(srv, '/completion', { prompt, n_predict: nPredict, temperature: 0, top_k: 1, top_p: 1, min_p: 0,
      repeat_penalty: 1, cache_prompt: false, return_tokens: true, n_probs: 5, seed: 0 });
    const got = res.tokens;
    let agree = 0;
    while (agree < ref.ids.length && agree < got.length && ref.ids[agree] === got[agree]) agree++;
    let maxDlp = 0; // max |logprob(server) - logprob(onnx)| over the server's top-5, on the agreeing steps
    for (let s = 0; s < Math.min(agree + 1, ref.rows.length, res.completion_probabilities?.length ?? 0); s++) {
      const lp = logSoftmax(ref.rows[s]);
      for (const c of res.completion_probabilities[s].top_logprobs) maxDlp = Math.max(maxDlp, Math.abs(c.logprob - lp(c.id)));
    }
    const decodeAfter = (ids) => tok.decode([...promptIds, ...ids], { skip_special_tokens: true }).slice(tok.decode(promptIds, { skip_special_tokens: true }).length);
    const refText = decodeAfter(ref.ids);
    const entry = { prompt, onnx_tokens: ref.ids.length, server_tokens: got.length, agree,
      identical: agree === ref.ids.length && (agree === got.length || eosIds.has(ref.ids.at(-1))),
      text_equal: refText === res.content, max_abs_logprob_diff_top5: Number(maxDlp.toExponential(2)), onnx_text: refText };
    if (res.content !== refText) entry.server_text = res.content;
    if (a.cli) { // Inkling's own engine, greedy, same model folder and ONNX precision
      const dtype = path.basename(onnxFile) === 'model.onnx' ? 'fp32' : 'q8';
      const r = spawnSync(process.execPath, [path.resolve(a.cli), 'continue', '-', '--model', modelDir, '--dtype', dtype, '--strategy', 'greedy',
        '--max-tokens', String(nPredict), '--repetition-penalty', '1', '--threads', '1', '--json'], { input: prompt, encoding: 'utf8' });
      const cli = r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').pop()).text : null;
      entry.cli_text_equals_onnx = cli === refText;
      entry.cli_text_equals_server = cli === res.content;
      if (cli !== refText) entry.cli_text = cli ?? r.stderr;
    }
    if (!entry.identical && agree < ref.ids.length && agree < got.length) {
      const row = ref.rows[agree];
      const mine = ref.ids[agree], theirs = got[agree];
      entry.first_diff = { step: agree, onnx_token: mine, server_token: theirs,
        onnx_logit_gap: Number((row[mine] - row[theirs]).toFixed(4)),
        server_top2: res.completion_probabilities?.[agree]?.top_logprobs.slice(0, 2).map((c) => ({ id: c.id, logprob: Number(c.logprob.toFixed(4)) })) };
      entry.near_tie = entry.first_diff.onnx_logit_gap < tie;
      if (!entry.near_tie) ok = false;
    } else if (!entry.identical) ok = false;
    report.greedy.push(entry);
  }
} finally {
  await stopServer(srv);
}
report.server.stopped = srv.exited();
report.summary = {
  tokenize: `${report.tokenize.filter((t) => t.match).length}/${report.tokenize.length}`,
  greedy: report.greedy.map((g) => `${g.agree}/${g.onnx_tokens}`).join(' '),
  ok,
};
console.log(JSON.stringify(report, null, 1));
process.exit(ok ? 0 : 1);
