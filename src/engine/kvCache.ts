/**
 * The model's key/value cache as plain Float32Arrays shaped [batch, kvHeads, length, headDim]
 * per layer and kind, in the order of the model's `past_key_values.*` inputs. The copies here
 * (truncate to a shared prefix, tile one row to a batch, gather beams) are what lets a new
 * prompt that extends the last one skip re-reading its prefix.
 */
export interface KvLayout {
  kvHeads: number;
  headDim: number;
  /** Number of past tensors (2 per layer). */
  tensors: number;
}

export interface KvCache {
  batch: number;
  length: number;
  data: Float32Array[];
}

export function emptyCache(layout: KvLayout, batch = 1): KvCache {
  return { batch, length: 0, data: Array.from({ length: layout.tensors }, () => new Float32Array(0)) };
}

/** Keeps the first `length` positions of every row. */
export function truncateCache(cache: KvCache, layout: KvLayout, length: number): KvCache {
  if (length >= cache.length) return cache;
  const { kvHeads, headDim } = layout;
  const rows = cache.batch * kvHeads;
  const data = cache.data.map((src) => {
    const out = new Float32Array(rows * length * headDim);
    for (let r = 0; r < rows; r++) {
      out.set(src.subarray(r * cache.length * headDim, r * cache.length * headDim + length * headDim), r * length * headDim);
    }
    return out;
  });
  return { batch: cache.batch, length, data };
}

/** Builds a batch whose row i is row `rows[i]` of `cache` (tiling a single row, or reordering beams). */
export function gatherRows(cache: KvCache, layout: KvLayout, rows: readonly number[]): KvCache {
  const block = layout.kvHeads * cache.length * layout.headDim;
  const data = cache.data.map((src) => {
    const out = new Float32Array(rows.length * block);
    rows.forEach((from, to) => out.set(src.subarray(from * block, (from + 1) * block), to * block));
    return out;
  });
  return { batch: rows.length, length: cache.length, data };
}

export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * The end of a prompt's ids that fits `room` tokens (the first id kept too when it is the
 * model's beginning-of-sequence token). The cut is a multiple of `stride` (a quarter of the
 * room) past the start, so it moves only every `stride` tokens as the prompt grows; at least
 * three quarters of the room is kept.
 */
export function keepPromptEnd(ids: readonly number[], room: number, keepFirst: boolean): number[] {
  if (ids.length <= room) return ids.slice();
  const head = keepFirst ? 1 : 0;
  const body = ids.length - head;
  const fit = room - head;
  const stride = Math.max(1, Math.floor(fit / 4));
  const cut = Math.ceil((body - fit) / stride) * stride;
  return [...ids.slice(0, head), ...ids.slice(head + cut)];
}
