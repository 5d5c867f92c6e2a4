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
  /**
   * Copy-free models (see LanguageModel): each tensor is a buffer of this many positions per
   * row, of which the first `length` are valid; the rest may hold anything finite (the attention
   * mask hides them). A forward pass writes its new positions into the buffers in place, so a
   * cache object stays valid for its first `length` positions until a pass runs from a shorter
   * cache over the same buffers, or the buffers grow in place (`appendToCache`). Absent: the
   * arrays hold exactly `length` positions.
   */
  capacity?: number;
}

/** Copy-free buffers grow by this many positions at a time. */
export const CACHE_GRANULE = 64;

/** Bytes of a cache of `rows` rows holding `positions` positions each (float32). */
export function cacheBytes(layout: KvLayout, rows: number, positions: number): number {
  return rows * layout.tensors * layout.kvHeads * positions * layout.headDim * 4;
}

export function emptyCache(layout: KvLayout, batch = 1): KvCache {
  return { batch, length: 0, data: Array.from({ length: layout.tensors }, () => new Float32Array(0)) };
}

/** Keeps the first `length` positions of every row (a copy-free cache only forgets the rest: no copy). */
export function truncateCache(cache: KvCache, layout: KvLayout, length: number): KvCache {
  if (length >= cache.length) return cache;
  if (cache.capacity !== undefined) return { ...cache, length };
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

/**
 * Builds a batch whose row i is row `rows[i]` of `cache` (tiling a single row, or reordering beams),
 * in new buffers. A copy-free cache may be given room for `capacity` positions (rounded up to
 * `granule`), so that a batch that will write that many never grows its buffers — growing keeps
 * the old and the new in memory at once, for n rows.
 */
export function gatherRows(cache: KvCache, layout: KvLayout, rows: readonly number[], capacity?: number, granule = CACHE_GRANULE): KvCache {
  const slots = cache.capacity ?? cache.length;
  const room = cache.capacity !== undefined && capacity !== undefined && capacity > slots ? Math.ceil(capacity / granule) * granule : slots;
  const { kvHeads, headDim } = layout;
  const block = kvHeads * slots * headDim;
  const data = cache.data.map((src) => {
    const out = new Float32Array(rows.length * kvHeads * room * headDim);
    rows.forEach((from, to) => {
      // The same stride: the row's block at once; a wider one: each head's valid positions.
      if (room === slots) out.set(src.subarray(from * block, (from + 1) * block), to * block);
      else for (let h = 0; h < kvHeads; h++) out.set(src.subarray((from * kvHeads + h) * slots * headDim, ((from * kvHeads + h) * slots + cache.length) * headDim), (to * kvHeads + h) * room * headDim);
    });
    return out;
  });
  return cache.capacity === undefined ? { batch: rows.length, length: cache.length, data } : { batch: rows.length, length: cache.length, capacity: room, data };
}

/**
 * Writes `s` new positions per row (`fresh[t]`: [batch, kvHeads, s, headDim]) after the first
 * `length` of a copy-free cache, growing its buffers (to the next multiple of `granule`
 * positions, the valid ones kept) when they are full. Returns the cache after the write.
 *
 * Given `maxPositions` (the model's context), a buffer is made resizable up to that many
 * positions a row and later grows in place (`growRows`): a cache of 600 positions on a 135M
 * model is ~28 MB, and a new buffer each 64 positions kept the old one alive beside it until a
 * collection. A cache object from before an in-place growth is stale afterwards (its rows moved);
 * the decode loop always goes on from the newest.
 */
export function appendToCache(cache: KvCache, layout: KvLayout, fresh: readonly Float32Array[], s: number, granule = CACHE_GRANULE, maxPositions?: number): KvCache {
  const { kvHeads, headDim } = layout;
  const rows = cache.batch * kvHeads;
  const len = cache.length;
  let capacity = cache.capacity ?? cache.length;
  let data = cache.data;
  if (len + s > capacity) {
    const grown = Math.ceil((len + s) / granule) * granule;
    data = cache.data.map((src) => growRows(src, rows, capacity, len, grown, headDim, maxPositions));
    capacity = grown;
  }
  data.forEach((dst, t) => {
    const src = fresh[t]!;
    for (let r = 0; r < rows; r++) dst.set(src.subarray(r * s * headDim, (r + 1) * s * headDim), (r * capacity + len) * headDim);
  });
  return { batch: cache.batch, length: len + s, capacity, data };
}

type ResizableBuffer = ArrayBuffer & { readonly resizable?: boolean; readonly maxByteLength?: number; resize?(byteLength: number): void };

/**
 * `src` ([rows, from, headDim]) with room for `to` positions a row, the first `len` of each row
 * kept. A resizable buffer that `src` spans grows in place, its rows moved apart last first (each
 * moves to a higher offset, over nothing not yet moved); otherwise a new buffer, resizable up to
 * `maxPositions` a row where that is given and the runtime has resizable ArrayBuffers.
 */
function growRows(src: Float32Array, rows: number, from: number, len: number, to: number, headDim: number, maxPositions?: number): Float32Array {
  const buffer = src.buffer as ResizableBuffer;
  const bytes = rows * to * headDim * 4;
  if (buffer.resizable && buffer.resize && src.byteOffset === 0 && src.byteLength === buffer.byteLength && bytes <= buffer.maxByteLength!) {
    buffer.resize(bytes);
    const out = new Float32Array(buffer, 0, rows * to * headDim);
    for (let r = rows - 1; r > 0; r--) out.copyWithin(r * to * headDim, r * from * headDim, (r * from + len) * headDim);
    return out;
  }
  const out = resizableFloats(rows * to * headDim, maxPositions === undefined ? 0 : rows * maxPositions * headDim);
  for (let r = 0; r < rows; r++) out.set(src.subarray(r * from * headDim, (r * from + len) * headDim), r * to * headDim);
  return out;
}

/** `length` floats, in a buffer that may grow to `maxLength` where that is more and the runtime allows it. */
function resizableFloats(length: number, maxLength: number): Float32Array {
  if (maxLength > length) {
    try {
      const Resizable = ArrayBuffer as unknown as new (byteLength: number, options: { maxByteLength: number }) => ArrayBuffer;
      return new Float32Array(new Resizable(length * 4, { maxByteLength: maxLength * 4 }), 0, length);
    } catch {
      // Too large a reservation for this runtime: a plain buffer, grown by copying.
    }
  }
  return new Float32Array(length);
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
