/**
 * Gives back the memory a built tokenizer no longer needs. `@huggingface/tokenizers` (0.2) keeps
 * what it was built from — the parsed tokenizer.json, whose vocabulary object and merge list it
 * copied into maps, and for BPE the merge list again, split into pairs — and ranks merges in a
 * Map keyed by `JSON.stringify([left, right])`. Encoding and decoding read only the maps
 * (`tokens_to_ids`, `vocab`, `bpe_ranks.get`). At a 49K vocabulary (SmolLM's) the sources held
 * ~18 MB of heap and the ranks ~11 MB (measured, `node --expose-gc`); the ranks are rebuilt here
 * as sorted numbers (two token ids per merge, ~0.6 MB), answering the same `get`.
 *
 * Nothing changes unless the tokenizer has exactly the shape expected, so a library that works
 * differently is left as it is: it only costs the memory again.
 */
import type { Tokenizer } from '@huggingface/tokenizers';

interface BpeLike {
  tokens_to_ids?: unknown;
  merges?: unknown;
  bpe_ranks?: unknown;
}

export interface Released {
  /** The vocabulary and merge list of the tokenizer.json the tokenizer was built from. */
  sources: boolean;
  /** The merge ranks, now looked up by token ids. */
  ranks: boolean;
}

/**
 * Drops `json`'s vocabulary and merges (the object the tokenizer was built from, which it keeps)
 * and rebuilds a BPE model's merge ranks compactly. Call once the tokenizer is built and nothing
 * else reads `json.model`.
 */
export function releaseTokenizerSources(tokenizer: Tokenizer, json: object): Released {
  const released: Released = { sources: false, ranks: false };
  const model = (tokenizer as unknown as { model?: BpeLike | null }).model;
  if (model && model.bpe_ranks instanceof Map && model.tokens_to_ids instanceof Map && Array.isArray(model.merges)) {
    const ranks = CompactRanks.from(model.merges as unknown[], model.tokens_to_ids as Map<string, number>);
    if (ranks) {
      model.bpe_ranks = ranks;
      model.merges = [];
      released.ranks = true;
    }
  }
  const source = (json as { model?: { vocab?: unknown; merges?: unknown } }).model;
  if (source && typeof source === 'object') {
    delete source.vocab;
    delete source.merges;
    released.sources = true;
  }
  return released;
}

/**
 * A BPE model's merge ranks as sorted keys `left id × width + right id` with the rank beside
 * each; `get` takes the library's key (a JSON array of the two pieces) and answers as its Map did.
 */
export class CompactRanks {
  private constructor(
    private readonly ids: ReadonlyMap<string, number>,
    private readonly width: number,
    private readonly keys: Float64Array,
    private readonly ranks: Int32Array,
  ) {}

  /**
   * From the merge list (pairs, or "left right" strings) and the vocabulary; null when a merge's
   * piece is not in the vocabulary or two pieces share an id (then ids cannot stand for pieces). A pair listed twice ranks as its last listing, as `new Map(entries)` ranks it.
   */
  static from(merges: readonly unknown[], ids: ReadonlyMap<string, number>): CompactRanks | null {
    // Ids stand for pieces only where no two pieces share one (an added token may reuse an id).
    if (new Set(ids.values()).size !== ids.size) return null;
    let width = 1;
    for (const id of ids.values()) {
      if (!Number.isInteger(id) || id < 0) return null;
      if (id >= width) width = id + 1;
    }
    const byKey = new Map<number, number>();
    for (let rank = 0; rank < merges.length; rank++) {
      const merge = merges[rank];
      const pair = typeof merge === 'string' ? merge.split(' ', 2) : merge;
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') return null;
      const left = ids.get(pair[0]);
      const right = ids.get(pair[1]);
      if (left === undefined || right === undefined) return null;
      byKey.set(left * width + right, rank);
    }
    const keys = Float64Array.from(byKey.keys()).sort();
    const ranks = Int32Array.from(keys, (k) => byKey.get(k)!);
    return new CompactRanks(ids, width, keys, ranks);
  }

  get size(): number {
    return this.keys.length;
  }

  /** The rank of the merge `key` = JSON.stringify([left, right]) names, or undefined. */
  get(key: string): number | undefined {
    const pair = JSON.parse(key) as [string, string];
    const left = this.ids.get(pair[0]);
    const right = left === undefined ? undefined : this.ids.get(pair[1]);
    if (right === undefined) return undefined;
    const k = left! * this.width + right;
    let lo = 0;
    let hi = this.keys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.keys[mid]!;
      if (at === k) return this.ranks[mid];
      if (at < k) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}
