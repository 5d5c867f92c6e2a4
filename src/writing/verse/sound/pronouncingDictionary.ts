/**
 * The CMU Pronouncing Dictionary, loaded on demand.
 *
 * 135K entries are not imported statically: an extension that imported them at activation would
 * stall the host. Until `loadPronouncingDictionary()` has resolved, lookups answer `undefined`
 * and callers fall back to spelling-based estimates.
 *
 * They are kept as one text, a line per entry sorted by word ("word PHONES"), searched by halves
 * over the lines' offsets: ~4.1 MB, where the dictionary as an object of 135K properties held
 * ~18 MB of heap and raised RSS by 40-83 MB as it was parsed (measured with `--expose-gc`). The
 * shipped bundles read that text from a file of its own (scripts/build.mjs); the npm package's
 * object, which test bundles import inline, is turned into the same text once.
 */

let dictionary: DictionaryText | undefined;
let loading: Promise<void> | undefined;

/** Loads the dictionary once; later calls return the same promise. */
export function loadPronouncingDictionary(): Promise<void> {
  loading ??= import('cmu-pronouncing-dictionary').then((module) => {
    dictionary = new DictionaryText((module as { dictionary: string | Readonly<Record<string, string>> }).dictionary);
  });
  return loading;
}

/** Whether lookups can use the dictionary yet. */
export function isPronouncingDictionaryLoaded(): boolean {
  return dictionary !== undefined;
}

/**
 * Every pronunciation the dictionary lists for a word, most common first, as ARPAbet phones
 * with stress digits on vowels (`["W", "UH1", "D"]`). `undefined` when the word is unknown or
 * the dictionary is not loaded yet. The word is matched case-insensitively, apostrophes as typed.
 */
export function pronunciations(word: string): string[][] | undefined {
  if (!dictionary) return undefined;
  const key = word.toLowerCase();
  const first = dictionary.get(key);
  if (first === undefined) return undefined;
  const found: string[][] = [first.split(' ')];
  for (let variant = 2; ; variant++) {
    const more = dictionary.get(`${key}(${variant})`);
    if (more === undefined) break;
    found.push(more.split(' '));
  }
  return found;
}

/**
 * Entries as one text of lines "key value", sorted by key in code-unit order, and the offset of
 * each line; `get` finds a key by halving. Keys hold no space or line break.
 */
export class DictionaryText {
  private readonly text: string;
  private readonly starts: Int32Array;

  /** From the text itself (sorted here when it is not), or from an object of key → value. */
  constructor(source: string | Readonly<Record<string, string>>) {
    let text = typeof source === 'string' ? source : entriesText(Object.entries(source));
    let starts = lineStarts(text);
    if (!sorted(text, starts)) {
      const lines = text.split('\n').filter((line) => line.includes(' '));
      text = entriesText(lines.map((line) => [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)]));
      starts = lineStarts(text);
    }
    this.text = text;
    this.starts = starts;
  }

  get size(): number {
    return this.starts.length;
  }

  /** The value of `key`, or undefined. */
  get(key: string): string | undefined {
    // Verse asks for the same words again and again (a poem is re-read at every line), and a word
    // the dictionary lacks is tried in several spellings: answers, found or not, are remembered.
    const known = this.recent.get(key);
    if (known !== undefined) return known === null ? undefined : known;
    if (this.recent.size >= RECENT_KEYS) this.recent.clear();
    const value = this.search(key);
    this.recent.set(key, value ?? null);
    return value;
  }

  private readonly recent = new Map<string, string | null>();

  private search(key: string): string | undefined {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const order = compareKey(this.text, this.starts[mid]!, key);
      if (order === 0) {
        const from = this.starts[mid]! + key.length + 1;
        const end = this.text.indexOf('\n', from);
        return this.text.slice(from, end < 0 ? this.text.length : end);
      }
      if (order < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}

/** Lookups remembered (found or not) before the memory is cleared (a poem needs a few hundred). */
const RECENT_KEYS = 5_000;

/** Sorted lines "key value" (code-unit order of the keys), joined by line breaks. */
function entriesText(entries: [string, string][]): string {
  return entries
    .filter(([key]) => key && !/[ \n]/.test(key))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key} ${value.replace(/\n/g, ' ')}`)
    .join('\n');
}

/** Offsets of the lines that hold an entry (a key, a space, a value). */
function lineStarts(text: string): Int32Array {
  const starts: number[] = [];
  for (let at = 0; at < text.length; ) {
    const end = text.indexOf('\n', at);
    const stop = end < 0 ? text.length : end;
    const space = text.indexOf(' ', at);
    if (space > at && space < stop) starts.push(at);
    at = stop + 1;
  }
  return Int32Array.from(starts);
}

/** Whether every line's key comes after the one before (strictly). */
function sorted(text: string, starts: Int32Array): boolean {
  let before = '';
  for (let i = 0; i < starts.length; i++) {
    const key = text.slice(starts[i]!, text.indexOf(' ', starts[i]!));
    if (i > 0 && !(before < key)) return false;
    before = key;
  }
  return true;
}

/** The key of the line at `at` against `key`: negative when it sorts before, 0 when equal. */
function compareKey(text: string, at: number, key: string): number {
  for (let i = 0; ; i++) {
    const c = text.charCodeAt(at + i);
    const ended = c === 32 || Number.isNaN(c);
    if (i === key.length) return ended ? 0 : 1;
    if (ended) return -1;
    const d = c - key.charCodeAt(i);
    if (d !== 0) return d;
  }
}

/** Number of vowels (syllables) in an ARPAbet pronunciation. */
export function phoneSyllables(phones: readonly string[]): number {
  let count = 0;
  for (const phone of phones) if (isVowelPhone(phone)) count++;
  return count;
}

/** ARPAbet vowels carry a stress digit (0, 1 or 2); consonants carry none. */
export function isVowelPhone(phone: string): boolean {
  const last = phone.charCodeAt(phone.length - 1);
  return last >= 48 && last <= 50;
}
