/**
 * A small least-recently-used cache of completions, so a repeated request (the writer pauses,
 * moves away and back, undoes) is answered at once instead of by the model.
 */
export class CompletionCache<V> {
  private readonly entries = new Map<string, V>();

  /** @param maxEntries how many completions to keep; the least recently used go first. */
  constructor(readonly maxEntries = 32) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`CompletionCache size must be a whole number ≥ 1, got ${maxEntries}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached value, which becomes the most recently used; undefined on a miss. */
  get(key: string): V | undefined {
    const k = storedKey(key);
    if (!this.entries.has(k)) return undefined;
    const value = this.entries.get(k)!;
    // A Map iterates in insertion order: re-inserting moves the entry to the young end.
    this.entries.delete(k);
    this.entries.set(k, value);
    return value;
  }

  has(key: string): boolean {
    return this.entries.has(storedKey(key));
  }

  set(key: string, value: V): void {
    const k = storedKey(key);
    this.entries.delete(k);
    this.entries.set(k, value);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(key: string): boolean {
    return this.entries.delete(storedKey(key));
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * The cache key for a prompt and the settings that shape its completion: a hash of the prompt
 * (prompts are long; the cache holds only keys and short completions) and the settings in a
 * canonical form, so that key order in a settings object does not matter.
 */
export function completionKey(prompt: string, settings: unknown): string {
  return `${hashText(prompt)}|${stableStringify(settings)}`;
}

/**
 * A 53-bit hash of a text (cyrb53) with its length, as a short string. Two different prompts
 * share a key with odds of about one in 2⁵³ per pair: far below anything a writer will meet.
 */
export function hashText(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const hash = 4294967296 * (2097151 & h2) + (h1 >>> 0);
  return `${hash.toString(36)}.${text.length.toString(36)}`;
}

/** Long keys (a caller passing a whole prompt) are stored hashed to keep the cache small. */
function storedKey(key: string): string {
  return key.length > 256 ? `#${hashText(key)}` : key;
}

function stableStringify(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? String(value);
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .sort()
    .filter((k) => record[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${stableStringify(record[k])}`)
    .join(',')}}`;
}
