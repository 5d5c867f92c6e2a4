// Held-out loss of any transformers.js-layout ONNX LM on the recipe's val split, per token,
// per character and per UTF-8 byte, so models with different tokenizers compare.
//   node models/recipe/eval_bpb.mjs <models dir> <model name> <onnx file> [ctx=256] [split dir]
// Each val document (split/val_*.txt, documents separated by three newlines) is tokenized
// whole; its tokens are cut into windows of ctx-1, each fed as <s> + window with an empty past.
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { env, AutoTokenizer } from '@huggingface/transformers';

const [modelsDir, name, onnxFile, ctxArg, splitArg] = process.argv.slice(2);
const ctx = Number(ctxArg || 256);
const splitDir = splitArg || path.join(path.dirname(new URL(import.meta.url).pathname), 'work', 'split');
env.localModelPath = path.resolve(modelsDir);
env.allowRemoteModels = false;
const cfg = JSON.parse(fs.readFileSync(path.join(env.localModelPath, name, 'config.json'), 'utf8'));
const tok = await AutoTokenizer.from_pretrained(name);
const sess = await ort.InferenceSession.create(path.isAbsolute(onnxFile) ? onnxFile : path.join(env.localModelPath, name, 'onnx', onnxFile), { intraOpNumThreads: 1, interOpNumThreads: 1 });
const L = cfg.num_hidden_layers, KV = cfg.num_key_value_heads, HD = cfg.head_dim ?? cfg.hidden_size / cfg.num_attention_heads, V = cfg.vocab_size;
const bos = cfg.bos_token_id;
const t64 = (a, d) => new ort.Tensor('int64', BigInt64Array.from(a.map(BigInt)), d);
const res = {};
let T = { nll: 0, tok: 0, bytes: 0, chars: 0 };
const t0 = performance.now();
for (const part of ['poetry', 'prose']) {
  const docs = fs.readFileSync(path.join(splitDir, `val_${part}.txt`), 'utf8').split('\n\n\n');
  const r = { nll: 0, tok: 0, bytes: 0, chars: 0 };
  for (const doc of docs) {
    r.bytes += Buffer.byteLength(doc, 'utf8');
    r.chars += [...doc].length;
    const ids = Array.from(tok.encode(doc, { add_special_tokens: false }));
    for (let s = 0; s < ids.length; s += ctx - 1) {
      const w = [bos, ...ids.slice(s, s + ctx - 1)];
      const feeds = { input_ids: t64(w, [1, w.length]), attention_mask: t64(w.map(() => 1), [1, w.length]), position_ids: t64(w.map((_, j) => j), [1, w.length]) };
      for (let i = 0; i < L; i++) for (const kv of ['key', 'value']) feeds[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, KV, 0, HD]);
      const lg = (await sess.run(feeds)).logits.data;
      for (let j = 0; j + 1 < w.length; j++) {
        const row = lg.subarray(j * V, (j + 1) * V);
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
const out = { model: name, onnx: onnxFile, ctx, seconds: +((performance.now() - t0) / 1000).toFixed(1) };
for (const [k, r] of Object.entries(res)) {
  out[k] = { tokens: r.tok, bytes: r.bytes, nll_per_token: +(r.nll / r.tok).toFixed(4), ppl_per_token: +Math.exp(r.nll / r.tok).toFixed(2),
    bits_per_byte: +(r.nll / r.bytes / Math.LN2).toFixed(4), bits_per_char: +(r.nll / r.chars / Math.LN2).toFixed(4), bytes_per_token: +(r.bytes / r.tok).toFixed(3) };
}
console.log(JSON.stringify(out, null, 1));
