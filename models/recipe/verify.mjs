// Verify an exported model folder against the PyTorch reference (run from the repo root):
//   node models/recipe/verify.mjs <models dir> <model name> <verify_ref.json> [fp32 onnx path]
// 1. tokenizer: transformers.js ids == SentencePiece ids, and encode->decode is exact
// 2. ONNX (onnxruntime-node): prefill with an empty past + one-token decode steps with the KV
//    cache, logits vs PyTorch (max abs diff), for fp32 (if given) and the int8 model
// 3. transformers.js AutoModelForCausalLM (dtype q8) loads and generate()s.
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { env, AutoTokenizer, AutoModelForCausalLM } from '@huggingface/transformers';

const [modelsDir, name, refPath, fp32Path] = process.argv.slice(2);
env.localModelPath = path.resolve(modelsDir);
env.allowRemoteModels = false;
const dir = path.join(env.localModelPath, name);
const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
const ref = JSON.parse(fs.readFileSync(refPath, 'utf8'));
let ok = true;

// ---- 1. tokenizer
const tok = await AutoTokenizer.from_pretrained(name);
let tokOk = 0;
for (const c of ref.cases) {
  const ids = Array.from(tok.encode(c.text));
  const dec = tok.decode(ids, { skip_special_tokens: true });
  const same = JSON.stringify(ids) === JSON.stringify(c.ids);
  const rt = dec === c.text;
  if (same && rt) tokOk++;
  else { ok = false; console.log('TOKENIZER MISMATCH', JSON.stringify(c.text), { same, rt, dec: JSON.stringify(dec), ids: ids.slice(0, 20), ref: c.ids.slice(0, 20) }); }
}
console.log(`tokenizer: ${tokOk}/${ref.cases.length} cases identical to SentencePiece and round-trip exactly`);
if (ref.docs?.length) { // the whole held-out split: training-time (SentencePiece) ids == runtime ids
  let n = 0, bad = 0, rtBad = 0;
  for (const d of ref.docs) {
    const ids = Array.from(tok.encode(d.text));
    n += ids.length;
    if (JSON.stringify(ids) !== JSON.stringify(d.ids)) bad++;
    if (tok.decode(ids, { skip_special_tokens: true }) !== d.text) rtBad++;
  }
  if (bad || rtBad) ok = false;
  console.log(`tokenizer on the val split: ${ref.docs.length} documents, ${n} tokens, ${bad} documents differ from SentencePiece, ${rtBad} fail the round trip`);
}

// ---- 2. ONNX vs PyTorch
const L = cfg.num_hidden_layers, KV = cfg.num_key_value_heads, HD = cfg.head_dim, V = cfg.vocab_size;
function t64(a, dims) { return new ort.Tensor('int64', BigInt64Array.from(a.map(BigInt)), dims); }
async function runCached(file, ids, prefill) {
  const sess = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  let past = {};
  for (let i = 0; i < L; i++) for (const kv of ['key', 'value']) past[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, KV, 0, HD]);
  const rows = [];
  let p = 0;
  const chunks = [ids.slice(0, prefill), ...ids.slice(prefill).map((x) => [x])];
  for (const ch of chunks) {
    const feeds = { input_ids: t64(ch, [1, ch.length]), attention_mask: t64(Array(p + ch.length).fill(1), [1, p + ch.length]),
      position_ids: t64(ch.map((_, j) => p + j), [1, ch.length]), ...past };
    const out = await sess.run(feeds);
    const lg = out.logits.data;
    for (let j = 0; j < ch.length; j++) rows.push(lg.subarray(j * V, (j + 1) * V));
    past = {};
    for (let i = 0; i < L; i++) for (const kv of ['key', 'value']) past[`past_key_values.${i}.${kv}`] = out[`present.${i}.${kv}`];
    p += ch.length;
  }
  return rows;
}
function compare(rows, label) {
  let maxd = 0, agree = 0, nll = 0;
  for (let t = 0; t < rows.length; t++) {
    const r = ref.logits[t], o = rows[t];
    let am = 0, bm = 0;
    for (let v = 0; v < V; v++) { maxd = Math.max(maxd, Math.abs(r[v] - o[v])); if (o[v] > o[am]) am = v; if (r[v] > r[bm]) bm = v; }
    if (am === bm) agree++;
    if (t + 1 < rows.length) { // NLL of the next passage token under this model
      let mx = -Infinity; for (let v = 0; v < V; v++) mx = Math.max(mx, o[v]);
      let s = 0; for (let v = 0; v < V; v++) s += Math.exp(o[v] - mx);
      nll += mx + Math.log(s) - o[ref.ids[t + 1]];
    }
  }
  console.log(`${label}: max |logit diff| vs PyTorch = ${maxd.toExponential(3)}, argmax agreement ${agree}/${rows.length}, passage NLL/token ${(nll / (rows.length - 1)).toFixed(4)}`);
  return maxd;
}
{
  let rnll = 0; const n = ref.logits.length;
  for (let t = 0; t + 1 < n; t++) { const r = ref.logits[t]; const mx = Math.max(...r); const s = r.reduce((a, x) => a + Math.exp(x - mx), 0); rnll += mx + Math.log(s) - r[ref.ids[t + 1]]; }
  console.log(`pytorch: passage NLL/token ${(rnll / (n - 1)).toFixed(4)} (${n} tokens)`);
}
const prefill = Math.floor(ref.ids.length / 2);
if (fp32Path) { const d = compare(await runCached(fp32Path, ref.ids, prefill), 'onnx fp32 (prefill ' + prefill + ' + cached decode)'); if (d > 1e-3) ok = false; }
compare(await runCached(path.join(dir, 'onnx', 'model_quantized.onnx'), ref.ids, prefill), 'onnx q8  (prefill ' + prefill + ' + cached decode)');

// ---- 3. transformers.js load + generate
let t0 = performance.now();
const model = await AutoModelForCausalLM.from_pretrained(name, { dtype: 'q8' });
const loadMs = performance.now() - t0;
for (const prompt of ["Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:\n", 'It was a dark and stormy night; the rain fell in torrents, except']) {
  const inputs = tok(prompt);
  t0 = performance.now();
  const out = await model.generate({ ...inputs, max_new_tokens: 60, do_sample: false, repetition_penalty: 1.1 });
  const ms = performance.now() - t0;
  const text = tok.decode(out[0], { skip_special_tokens: true });
  if (!text.startsWith(prompt)) { ok = false; console.log('PROMPT NOT PRESERVED'); }
  console.log(`--- generate (greedy, 60 tokens, ${ms.toFixed(0)} ms):\n${text}\n---`);
}
console.log(`transformers.js load (q8): ${loadMs.toFixed(0)} ms`);
console.log(ok ? 'VERIFY OK' : 'VERIFY FAILED');
process.exit(ok ? 0 : 1);
