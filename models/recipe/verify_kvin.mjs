// Check copy-free ("kvin") graphs against the transformers.js-layout graph of the same folder.
//
//   node models/recipe/verify_kvin.mjs --model models/inkling-verse \
//        [--std onnx/model_quantized.onnx] [--kvin onnx/model_kvin_q8.onnx --kvin onnx/model_kvin_q4.onnx]
//        [--chunks 16,16,8] [--steps 24] [--text TEXT]
//
// For the standard graph and for each kvin file: a 40-token prompt (the text's first 40 tokens)
// prefilled in chunks, then --steps greedy steps, each graph choosing its own tokens. Runs of the
// kvin graph:
//   A  fixed buffer of capacity 64, unused slots filled with junk (finite, |x| <= 1000);
//   B  capacity 48, grown to 128 (valid slots copied into a new junk-filled buffer) when the next
//      token does not fit (the step before runs with a full buffer, P = valid length = 48);
//   C  the first chunk with an empty past (P = 0), then capacity 64.
//   D  batch 2: the prompt and a second one (rows decode independently), capacity 64.
// Reports per run: greedy tokens agreeing with the standard graph, max |Δlogit| over the prefill
// chunks' last positions and the decode steps (over the steps where both chose the same tokens so
// far), and B/C vs A (same graph: bucket change and empty past should change nothing but rounding).
// --std may also name a kvin graph (e.g. a q4ref export: float MatMuls by the dequantized 4-bit
// weights, to check the 4-bit packing of a q4 file exported with --q4-head 4 --acc-level 0).
// Exit status 1 when B or C differ from A (by more than 1e-4 or on a token), or when a kvin file
// that is not q4 differs from the standard graph in runs A-C on a token or by more than --tol
// (default 0.25: both q8 graphs quantize activations to uint8 on the fly, and different float
// rounding upstream flips some of those roundings; the standard q8 graph is ~0.1-0.25 from the fp32
// graph of the same weights). Batch rows (D) are reported only: DynamicQuantizeLinear uses one
// scale for the whole batch, so a q8 row's numbers depend on the other row (in the standard
// graph too); an f32 kvin graph matches per row to ~1e-5.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { env, AutoTokenizer } from '@huggingface/transformers';
import { KvinState, StdState, argmax } from './kvin.mjs';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/inkling-verse' },
    std: { type: 'string', default: 'onnx/model_quantized.onnx' },
    kvin: { type: 'string', multiple: true, default: ['onnx/model_kvin_q8.onnx', 'onnx/model_kvin_q4.onnx'] },
    chunks: { type: 'string', default: '16,16,8' },
    steps: { type: 'string', default: '24' },
    tol: { type: 'string', default: '0.25' },
    text: { type: 'string', default: 'The old man walked down to the sea, and the wind came over the water; he stood there and ' +
      'watched the boats come home one by one, and the gulls cried over the harbour wall until it was dark.' },
    text2: { type: 'string', default: 'Shall I compare thee to a summer\'s day?\nThou art more lovely and more temperate:\n' +
      'Rough winds do shake the darling buds of May,\nAnd summer\'s lease hath all too short a date.' },
  },
});
const dir = path.resolve(a.model);
const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
env.localModelPath = path.dirname(dir);
env.allowRemoteModels = false;
const tok = await AutoTokenizer.from_pretrained(path.basename(dir));
const chunks = a.chunks.split(',').map(Number);
const N = chunks.reduce((x, y) => x + y, 0), steps = Number(a.steps);
const promptOf = (text) => {
  let ids = Array.from(tok.encode(text));
  while (ids.length < N) ids = ids.concat(Array.from(tok.encode(text, { add_special_tokens: false })));
  return ids.slice(0, N);
};
const prompts = [promptOf(a.text), promptOf(a.text2)];
const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 };
const V = cfg.vocab_size;
let seed = 12345;
const junk = () => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed / 2 ** 32 - 0.5) * 2000; };

// one run: returns per-row lists of logits (one per prefill chunk end and per decode step) and tokens
async function decode(state, rows) {
  const B = rows.length, res = rows.map(() => ({ logits: [], tokens: [] }));
  let off = 0, cur = null;
  for (const [ci, c] of chunks.entries()) {
    const lg = await state.run(rows.map(r => r.slice(off, off + c)));
    off += c;
    cur = rows.map((_, b) => lg.slice(b * V, (b + 1) * V));
    cur.forEach((l, b) => res[b].logits.push(l));
  }
  for (let t = 0; t < steps; t++) {
    const next = cur.map(l => argmax(l));
    next.forEach((id, b) => res[b].tokens.push(id));
    const lg = await state.run(next.map(id => [id]));
    cur = rows.map((_, b) => lg.slice(b * V, (b + 1) * V));
    cur.forEach((l, b) => res[b].logits.push(l));
  }
  return res;
}

function compare(ref, got) {
  let agree = 0;
  while (agree < steps && ref.tokens[agree] === got.tokens[agree]) agree++;
  // logits entries: chunks.length prefill entries, then one per step; step t's logits depend on tokens < t
  let maxPrefill = 0, maxDecode = 0;
  for (let e = 0; e < ref.logits.length; e++) {
    const isPrefill = e < chunks.length;
    const step = e - chunks.length; // logits after feeding token `step`
    if (!isPrefill && step >= agree) break;
    let m = 0;
    const r = ref.logits[e], g = got.logits[e];
    for (let j = 0; j < V; j++) { const d = Math.abs(r[j] - g[j]); if (d > m || Number.isNaN(d)) m = Number.isNaN(d) ? Infinity : d; }
    if (isPrefill) maxPrefill = Math.max(maxPrefill, m); else maxDecode = Math.max(maxDecode, m);
  }
  const r = { tokens_agree: `${agree}/${steps}`, max_dlogit_prefill: +maxPrefill.toExponential(3), max_dlogit_decode: +maxDecode.toExponential(3) };
  if (agree < steps) {  // the reference's logit gap between its token and the other's at the first difference
    const l = ref.logits[chunks.length + agree - 1] ?? ref.logits[chunks.length - 1];
    r.first_difference = { step: agree, ref_gap: +(l[ref.tokens[agree]] - l[got.tokens[agree]]).toFixed(4) };
  }
  return r;
}

const stdSess = await ort.InferenceSession.create(path.isAbsolute(a.std) ? a.std : path.join(dir, a.std), opts);
const ref = [];
const refIsKvin = stdSess.outputNames.includes('new_key_values.0.key'); // --std may be a kvin graph too (q4ref checks)
for (const p of prompts) ref.push((await decode(refIsKvin ? new KvinState(stdSess, cfg, { capacity: 64 }) : new StdState(stdSess, cfg), [p]))[0]);
const report = { model: a.model, std: a.std, prompt_tokens: N, chunks, steps,
  std_greedy: ref.map(r => JSON.stringify(tok.decode(r.tokens))), kvin: {} };
let fail = false;
for (const f of a.kvin) {
  const sess = await ort.InferenceSession.create(path.isAbsolute(f) ? f : path.join(dir, f), opts);
  const A = (await decode(new KvinState(sess, cfg, { capacity: 64, fill: junk }), [prompts[0]]))[0];
  const Bv = (await decode(new KvinState(sess, cfg, { capacity: 48, fill: junk, buckets: [128] }), [prompts[0]]))[0];
  const C = (await decode(new KvinState(sess, cfg, { capacity: 0, fill: junk, buckets: [64] }), [prompts[0]]))[0];
  const D = await decode(new KvinState(sess, cfg, { capacity: 64, batch: 2, fill: junk }), prompts);
  const r = {
    A_vs_std: compare(ref[0], A),
    B_bucket_48_to_128_vs_std: compare(ref[0], Bv),
    C_empty_past_first_vs_std: compare(ref[0], C),
    D_batch2_row0_vs_std: compare(ref[0], D[0]),
    D_batch2_row1_vs_std: compare(ref[1], D[1]),
    B_vs_A: compare(A, Bv),
    C_vs_A: compare(A, C),
    greedy_A: JSON.stringify(tok.decode(A.tokens)),
  };
  report.kvin[f] = r;
  const bad = (c, tol) => c.tokens_agree !== `${steps}/${steps}` || !(c.max_dlogit_prefill <= tol) || !(c.max_dlogit_decode <= tol);
  if (bad(r.B_vs_A, 1e-4) || bad(r.C_vs_A, 1e-4)) fail = true;  // same graph: buffers must not matter
  if (!/q4/.test(f)) {  // q8 / f32 against the same weights: only rounding (q8: uint8 activations flip)
    for (const k of ['A_vs_std', 'B_bucket_48_to_128_vs_std', 'C_empty_past_first_vs_std']) if (bad(r[k], Number(a.tol))) fail = true;
  }
}
console.log(JSON.stringify(report, null, 1));
process.exit(fail ? 1 : 0);
