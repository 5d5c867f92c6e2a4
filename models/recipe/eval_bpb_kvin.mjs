// Held-out loss of a model evaluated one token per step through its KV cache, as a decode loop
// runs it: works for copy-free "kvin" graphs (export_kvin.py; they return only the last position's
// logits, so eval_bpb.mjs's one-pass windows cannot be used) and for transformers.js-layout graphs
// (present.* fed back), so both layouts compare under the same procedure.
//   node models/recipe/eval_bpb_kvin.mjs <models dir> <model name> <onnx file> [ctx=256] [split dir] [--max-docs N]
// Same windows as eval_bpb.mjs: each val document (split/val_*.txt, documents separated by three
// newlines) is tokenized whole; its tokens are cut into windows of ctx-1, each fed as <s> + window
// from an empty cache, one token per step; the logits after token j score token j+1.
// kvin graphs: one buffer of capacity ctx reused by every window (stale slots are masked).
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { env, AutoTokenizer } from '@huggingface/transformers';
import { KvinState, StdState } from './kvin.mjs';

const args = process.argv.slice(2);
const mi = args.indexOf('--max-docs');
const maxDocs = mi >= 0 ? Number(args.splice(mi, 2)[1]) : Infinity;
const [modelsDir, name, onnxFile, ctxArg, splitArg] = args;
const ctx = Number(ctxArg || 256);
const splitDir = splitArg || path.join(path.dirname(new URL(import.meta.url).pathname), 'work', 'split');
env.localModelPath = path.resolve(modelsDir);
env.allowRemoteModels = false;
const cfg = JSON.parse(fs.readFileSync(path.join(env.localModelPath, name, 'config.json'), 'utf8'));
const tok = await AutoTokenizer.from_pretrained(name);
const file = path.isAbsolute(onnxFile) ? onnxFile : path.join(env.localModelPath, name, 'onnx', onnxFile);
const sess = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1 });
const kvin = sess.outputNames.includes('new_key_values.0.key');
const V = cfg.vocab_size, bos = cfg.bos_token_id;
const res = {};
const T = { nll: 0, tok: 0, bytes: 0, chars: 0 };
const t0 = performance.now();
const kstate = kvin ? new KvinState(sess, cfg, { capacity: ctx, buckets: [ctx] }) : null;
for (const part of ['poetry', 'prose']) {
  const docs = fs.readFileSync(path.join(splitDir, `val_${part}.txt`), 'utf8').split('\n\n\n').slice(0, maxDocs);
  const r = { nll: 0, tok: 0, bytes: 0, chars: 0 };
  for (const doc of docs) {
    r.bytes += Buffer.byteLength(doc, 'utf8');
    r.chars += [...doc].length;
    const ids = Array.from(tok.encode(doc, { add_special_tokens: false }));
    for (let s = 0; s < ids.length; s += ctx - 1) {
      const w = [bos, ...ids.slice(s, s + ctx - 1)];
      let st = kstate;
      if (kvin) st.len = 0; else st = new StdState(sess, cfg);
      for (let j = 0; j + 1 < w.length; j++) {
        const row = await st.run([w[j]]);
        let mx = -Infinity; for (let v = 0; v < V; v++) if (row[v] > mx) mx = row[v];
        let se = 0; for (let v = 0; v < V; v++) se += Math.exp(row[v] - mx);
        r.nll += mx + Math.log(se) - row[w[j + 1]];
        r.tok++;
      }
    }
  }
  res[part] = r;
  for (const k in T) T[k] += r[k];
}
res.all = T;
const out = { model: name, onnx: onnxFile, layout: kvin ? 'kvin' : 'transformers.js', mode: 'one token per step', ctx,
  seconds: +((performance.now() - t0) / 1000).toFixed(1) };
for (const [k, r] of Object.entries(res)) {
  out[k] = { tokens: r.tok, bytes: r.bytes, nll_per_token: +(r.nll / r.tok).toFixed(4), ppl_per_token: +Math.exp(r.nll / r.tok).toFixed(2),
    bits_per_byte: +(r.nll / r.bytes / Math.LN2).toFixed(4), bits_per_char: +(r.nll / r.chars / Math.LN2).toFixed(4), bytes_per_token: +(r.bytes / r.tok).toFixed(3) };
}
console.log(JSON.stringify(out, null, 1));
