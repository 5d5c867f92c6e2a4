// Decode-step time: the transformers.js-layout graph (KV cache in and out) vs copy-free "kvin"
// graphs (KV cache as inputs only; models/recipe/export_kvin.py), one process, steps interleaved.
//
//   node bench/kvinStepBench.mjs [--model bench/models/smollm2-135m-shape]
//        [--graph std=onnx/model_quantized.onnx --graph kvin_q8=onnx/model_kvin_q8.onnx ...]
//        (LABEL=FILE@N: that kvin graph gets buckets in steps of N slots instead of --buckets)
//        [--lengths 16,256,512,1024] [--steps 24] [--warmup 4] [--buckets 256,512,1024,2048]
//   node bench/kvinStepBench.mjs --rss [same --model/--graph]     resident memory, one child process per graph
//
// A graph whose label starts with "std" is driven as transformers.js drives it: past_key_values
// of exactly the valid length L, all outputs (present.*, logits for the step) returned by
// onnxruntime-node. The kvin graphs get fixed-capacity buffers (the smallest bucket > L, so the
// new token fits), the mask, and their new key/value rows are written into the buffers after
// each step (models/recipe/kvin.mjs, included in the time). The cache content is random (the
// time does not depend on it); every step re-runs the same valid length. Per length, step i runs
// every graph once, in an order rotated by i; medians over --steps steps after --warmup.
// One intra-op thread.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { KvinState, modelDims } from '../models/recipe/kvin.mjs';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string', default: 'bench/models/smollm2-135m-shape' },
    graph: { type: 'string', multiple: true,
      default: ['std_q8=onnx/model_quantized.onnx', 'kvin_q8=onnx/model_kvin_q8.onnx', 'kvin_q4=onnx/model_kvin_q4.onnx'] },
    lengths: { type: 'string', default: '16,256,512,1024' },
    steps: { type: 'string', default: '24' },
    warmup: { type: 'string', default: '4' },
    buckets: { type: 'string', default: '256,512,1024,2048' },
    rss: { type: 'boolean', default: false },
    'rss-one': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const dir = path.resolve(a.model);
const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
const { L: NL, KV, HD } = modelDims(cfg);
const opts = { intraOpNumThreads: 1, interOpNumThreads: 1 };
// --graph LABEL=FILE[@N]: @N gives that kvin graph buckets in steps of N slots (the smallest multiple of N > L)
const graphs = a.graph.map(g => {
  const i = g.indexOf('='), m = /^(.*?)(?:@(\d+))?$/.exec(g.slice(i + 1));
  return { label: g.slice(0, i), file: path.isAbsolute(m[1]) ? m[1] : path.join(dir, m[1]), step: m[2] ? Number(m[2]) : null };
});
const buckets = a.buckets.split(',').map(Number);
const bucketFor = (g, L) => g.step ? (Math.floor(L / g.step) + 1) * g.step : buckets.find(c => c > L);
let seed = 1;
const rnd = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 32 - 0.5; };
const MB = (x) => +(x / 2 ** 20).toFixed(0);

if (a['rss-one']) {  // child: load one graph, report RSS after load and after steps at the longest length
  const g = graphs.find(x => x.label === a['rss-one']);
  const base = process.memoryUsage().rss;
  const t0 = performance.now();
  const sess = await ort.InferenceSession.create(g.file, opts);
  const loadMs = performance.now() - t0;
  global.gc?.();
  const afterLoad = process.memoryUsage().rss;
  const Lmax = Math.max(...a.lengths.split(',').map(Number));
  const step = makeStep(g, sess, Lmax);
  for (let i = 0; i < 8; i++) await step();
  const afterSteps = process.memoryUsage().rss;
  console.log(JSON.stringify({ label: g.label, file_bytes: fs.statSync(g.file).size, load_ms: Math.round(loadMs),
    rss_before_mb: MB(base), rss_after_load_mb: MB(afterLoad), rss_after_8_steps_at_mb: MB(afterSteps), at_length: Lmax }));
  process.exit(0);
}

if (a.rss) {
  const rows = [];
  for (const g of graphs) {
    const r = spawnSync(process.execPath, ['--expose-gc', new URL(import.meta.url).pathname, '--rss-one', g.label, '--model', a.model,
      '--lengths', a.lengths, '--buckets', a.buckets, ...graphs.flatMap(x => ['--graph', `${x.label}=${x.file}`])], { encoding: 'utf8' });
    if (r.status !== 0) { console.error(r.stderr); process.exit(1); }
    rows.push(JSON.parse(r.stdout.trim().split('\n').pop()));
  }
  console.log('| graph | file | load | RSS before | RSS after load | RSS after 8 steps at ' + rows[0].at_length + ' |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.label} | ${(r.file_bytes / 1e6).toFixed(1)} MB | ${r.load_ms} ms | ${r.rss_before_mb} MiB | ${r.rss_after_load_mb} MiB | ${r.rss_after_8_steps_at_mb} MiB |`);
  if (a.json) console.log(JSON.stringify(rows));
  process.exit(0);
}

function makeStep(g, sess, L) {
  const id = 1234 % cfg.vocab_size;
  if (g.label.startsWith('std')) {
    const feeds = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from([BigInt(id)]), [1, 1]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(L + 1).fill(1n), [1, L + 1]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from([BigInt(L)]), [1, 1]),
    };
    for (let i = 0; i < NL; i++) {
      for (const kv of ['key', 'value']) {
        const buf = new Float32Array(KV * L * HD);
        for (let j = 0; j < buf.length; j++) buf[j] = rnd();
        feeds[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', buf, [1, KV, L, HD]);
      }
    }
    return async () => { const out = await sess.run(feeds); return out.logits.data[0]; };
  }
  const cap = bucketFor(g, L);
  const st = new KvinState(sess, cfg, { capacity: cap, fill: rnd, buckets: [cap] });
  st.len = L;
  return async () => { st.len = L; const lg = await st.run([id]); return lg[0]; };
}

const q = (xs, p) => { const s = [...xs].sort((x, y) => x - y); const i = (s.length - 1) * p; const lo = Math.floor(i); return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo); };
const sessions = [];
for (const g of graphs) sessions.push(await ort.InferenceSession.create(g.file, opts));
const steps = Number(a.steps), warm = Number(a.warmup);
const results = {};
for (const L of a.lengths.split(',').map(Number)) {
  const fns = graphs.map((g, k) => makeStep(g, sessions[k], L));
  const times = graphs.map(() => []), cpu = graphs.map(() => []);
  for (let i = 0; i < warm + steps; i++) {
    for (let j = 0; j < graphs.length; j++) {
      const k = (i + j) % graphs.length;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await fns[k]();
      const dt = performance.now() - t0;
      const dc = process.cpuUsage(c0);
      if (i >= warm) { times[k].push(dt); cpu[k].push((dc.user + dc.system) / 1000); }
    }
  }
  results[L] = graphs.map((g, k) => ({ label: g.label, bucket: g.label.startsWith('std') ? L : bucketFor(g, L),
    median: q(times[k], 0.5), p25: q(times[k], 0.25), p75: q(times[k], 0.75), min: Math.min(...times[k]), max: Math.max(...times[k]), n: times[k].length,
    cpu_median: q(cpu[k], 0.5), cpu_p25: q(cpu[k], 0.25), cpu_p75: q(cpu[k], 0.75) }));
  fns.length = 0;
  global.gc?.();
}
const base = graphs[0].label;
console.log(`ms per decode step, ${a.model}, 1 thread; median [p25–p75] (min–max) of ${steps} steps; × = median / ${base}'s`);
console.log('| valid length | ' + graphs.map(g => g.label).join(' | ') + ' |');
console.log('|---|' + graphs.map(() => '---').join('|') + '|');
for (const [L, rs] of Object.entries(results)) {
  const b = rs[0].median;
  console.log(`| ${L} | ` + rs.map((r, k) => `${r.median.toFixed(1)} [${r.p25.toFixed(1)}–${r.p75.toFixed(1)}] (${r.min.toFixed(1)}–${r.max.toFixed(1)})` +
    (k ? ` ${(r.median / b).toFixed(2)}×` : '') + (r.label.startsWith('std') ? '' : ` b${r.bucket}`)).join(' | ') + ' |');
}
console.log(`\nCPU ms per step (process user+system, all threads; less sensitive to being descheduled on a busy machine): median [p25–p75]`);
console.log('| valid length | ' + graphs.map(g => g.label).join(' | ') + ' |');
console.log('|---|' + graphs.map(() => '---').join('|') + '|');
for (const [L, rs] of Object.entries(results)) {
  const b = rs[0].cpu_median;
  console.log(`| ${L} | ` + rs.map((r, k) => `${r.cpu_median.toFixed(1)} [${r.cpu_p25.toFixed(1)}–${r.cpu_p75.toFixed(1)}]` + (k ? ` ${(r.cpu_median / b).toFixed(2)}×` : '')).join(' | ') + ' |');
}
console.log(`load average at the end: ${(await import('node:os')).loadavg().map(x => x.toFixed(2)).join(' ')}`);
if (a.json) console.log(JSON.stringify(results));
