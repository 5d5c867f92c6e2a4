// Minimal driver for the copy-free ("kvin") decoder graphs written by export_kvin.py; the
// reference for a decode loop (used by verify_kvin.mjs, eval_bpb_kvin.mjs, bench/kvinStepBench.mjs).
//
//   const kv = new KvinState(session, config, { capacity: 256, buckets: [256, 512, 1024, 2048] });
//   let logits = await kv.run([ids...]);      // prefill (any chunk size), logits of the last token
//   logits = await kv.run([nextId]);          // one decode step
//   kv.grow(512);                             // copy the cache into a bigger buffer (bucket change)
//
// run() feeds the buffers as they are (capacity >= valid length is all the graph needs) and,
// when the new tokens do not fit, grows to the smallest bucket that holds them before writing
// them (so a buffer may be full, P == valid length, and capacity 0 works for a first prefill).
// Batch rows share one valid length here (no per-row padding); the graph itself takes any
// per-row mask and positions.
//
// The caller owns the cache: per layer one key and one value Float32Array of
// [batch, kv_heads, capacity, head_dim]. A step feeds them as past_key_values.{i}.* with
// attention_mask = [1 x len, 0 x (capacity - len), 1 x s] and position_ids len..len+s-1, then
// writes the returned new_key_values.{i}.* ([batch, kv_heads, s, head_dim]) into slots
// len..len+s-1. Slots past len may hold anything finite (they are masked).
import * as ort from 'onnxruntime-node';

export function modelDims(cfg) {
  return {
    L: cfg.num_hidden_layers,
    KV: cfg.num_key_value_heads ?? cfg.num_attention_heads,
    HD: cfg.head_dim ?? cfg.hidden_size / cfg.num_attention_heads,
    V: cfg.vocab_size,
  };
}

export class KvinState {
  constructor(session, cfg, { capacity = 256, batch = 1, fill = null, buckets = [256, 512, 1024, 2048] } = {}) {
    Object.assign(this, modelDims(cfg));
    this.session = session;
    this.buckets = buckets;
    this.batch = batch;
    this.len = 0;
    this.fill = fill; // optional (i) => value for unused slots (tests: prove they are masked)
    this.alloc(capacity);
  }

  alloc(capacity) {
    const { L, KV, HD, batch } = this;
    this.capacity = capacity;
    this.bufs = [];
    this.pastTensors = {};
    for (let i = 0; i < L; i++) {
      for (const kv of ['key', 'value']) {
        const buf = new Float32Array(batch * KV * capacity * HD);
        if (this.fill) for (let j = 0; j < buf.length; j++) buf[j] = this.fill(j);
        this.bufs.push(buf);
        this.pastTensors[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', buf, [batch, KV, capacity, HD]);
      }
    }
  }

  /** Copy the valid slots into a buffer of a new capacity (>= len). */
  grow(capacity) {
    if (capacity < this.len) throw new Error(`capacity ${capacity} < valid length ${this.len}`);
    const { KV, HD, batch, len } = this;
    const old = this.bufs, oldCap = this.capacity;
    this.alloc(capacity);
    for (let t = 0; t < old.length; t++) {
      for (let r = 0; r < batch * KV; r++) {
        this.bufs[t].set(old[t].subarray(r * oldCap * HD, (r * oldCap + len) * HD), r * capacity * HD);
      }
    }
  }

  /** ids: one array of s token ids per batch row (or a flat array for batch 1). Returns logits [batch * V]. */
  async run(ids) {
    const rows = Array.isArray(ids[0]) ? ids : [ids];
    const s = rows[0].length, { batch, capacity, len, L, KV, HD } = this;
    const T = capacity + s;
    const mask = new BigInt64Array(batch * T);
    const pos = new BigInt64Array(batch * s);
    const inp = new BigInt64Array(batch * s);
    for (let b = 0; b < batch; b++) {
      mask.fill(1n, b * T, b * T + len);
      mask.fill(1n, b * T + capacity, (b + 1) * T);
      for (let j = 0; j < s; j++) {
        pos[b * s + j] = BigInt(len + j);
        inp[b * s + j] = BigInt(rows[b][j]);
      }
    }
    const feeds = {
      input_ids: new ort.Tensor('int64', inp, [batch, s]),
      attention_mask: new ort.Tensor('int64', mask, [batch, T]),
      position_ids: new ort.Tensor('int64', pos, [batch, s]),
      ...this.pastTensors,
    };
    const out = await this.session.run(feeds);
    if (len + s > capacity) {
      const cap = this.buckets.find(c => c >= len + s);
      if (cap === undefined) throw new Error(`no bucket holds ${len + s} tokens`);
      this.grow(cap);
    }
    const cap = this.capacity;
    for (let i = 0; i < L; i++) {
      for (const [t, kv] of [[2 * i, 'key'], [2 * i + 1, 'value']]) {
        const src = out[`new_key_values.${i}.${kv}`].data, dst = this.bufs[t];
        for (let r = 0; r < batch * KV; r++) {
          dst.set(src.subarray(r * s * HD, (r + 1) * s * HD), (r * cap + len) * HD);
        }
      }
    }
    this.len += s;
    return out.logits.data;
  }
}

/** The transformers.js-layout graph (present.* fed back as past), same interface, for comparisons. */
export class StdState {
  constructor(session, cfg, { batch = 1 } = {}) {
    Object.assign(this, modelDims(cfg));
    this.session = session;
    this.batch = batch;
    this.len = 0;
    this.past = {};
    for (let i = 0; i < this.L; i++) {
      for (const kv of ['key', 'value']) {
        this.past[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [batch, this.KV, 0, this.HD]);
      }
    }
  }

  /** Returns the last position's logits [batch * V]. */
  async run(ids) {
    const rows = Array.isArray(ids[0]) ? ids : [ids];
    const s = rows[0].length, { batch, len, L, V } = this;
    const T = len + s;
    const feeds = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [batch, s]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(batch * T).fill(1n), [batch, T]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from(rows.flatMap(() => Array.from({ length: s }, (_, j) => BigInt(len + j)))), [batch, s]),
      ...this.past,
    };
    const out = await this.session.run(feeds);
    for (let i = 0; i < L; i++) {
      for (const kv of ['key', 'value']) this.past[`past_key_values.${i}.${kv}`] = out[`present.${i}.${kv}`];
    }
    this.len = T;
    const lg = out.logits.data, res = new Float32Array(batch * V);
    for (let b = 0; b < batch; b++) res.set(lg.subarray(((b * s) + s - 1) * V, (b * s + s) * V), b * V);
    return res;
  }
}

export function argmax(a, off = 0, n = a.length - off) {
  let best = off;
  for (let j = off + 1; j < off + n; j++) if (a[j] > a[best]) best = j;
  return best - off;
}
