import { isCjkChar } from '../../verse/chinese/cjkText';

export interface NearDuplicateOptions {
  /** Edit similarity (1 − distance / length) at or above which two texts are the same. Default 0.85. */
  editThreshold?: number;
  /** Word-set (Jaccard) similarity at or above which two texts of four or more words are the same. Default 0.9. */
  wordThreshold?: number;
}

/**
 * Text reduced to what a reader would call "the same words": Unicode-normalised, lower case,
 * punctuation and Markdown dropped, whitespace collapsed.
 */
export function normalizeForComparison(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019']/g, '')
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * How alike two texts are, 0 to 1: the larger of their edit similarity (catches a changed
 * letter or word ending) and, for texts of four words or more, their word-set overlap
 * (catches the same words rearranged or one word swapped in a long line).
 */
export function similarity(a: string, b: string): { edit: number; words: number } {
  const x = normalizeForComparison(a);
  const y = normalizeForComparison(b);
  if (x === y) return { edit: 1, words: 1 };
  const longest = Math.max(x.length, y.length);
  const edit = 1 - editDistance(x, y) / longest;
  const wx = tokens(x);
  const wy = tokens(y);
  const words = Math.min(wx.size, wy.size) >= 4 ? jaccard(wx, wy) : 0;
  return { edit, words };
}

/** Whether two alternatives say the same thing in nearly the same words. */
export function isNearDuplicate(a: string, b: string, options: NearDuplicateOptions = {}): boolean {
  const s = similarity(a, b);
  return s.edit >= (options.editThreshold ?? 0.85) || s.words >= (options.wordThreshold ?? 0.9);
}

/**
 * Keeps the first of each group of near-duplicate alternatives, in order; alternatives that
 * are empty after normalising are dropped.
 */
export function dedupeAlternatives<T>(items: readonly T[], textOf: (item: T) => string = String, options: NearDuplicateOptions = {}): T[] {
  const kept: T[] = [];
  for (const item of items) {
    const text = textOf(item);
    if (!normalizeForComparison(text)) continue;
    if (kept.some((k) => isNearDuplicate(textOf(k), text, options))) continue;
    kept.push(item);
  }
  return kept;
}

/** Words, or single characters in CJK text, which has no spaces between words. */
function tokens(text: string): Set<string> {
  const out = new Set<string>();
  for (const word of text.split(' ')) {
    if (!word) continue;
    if ([...word].some(isCjkChar)) for (const c of word) out.add(c);
    else out.add(word);
  }
  return out;
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  for (const t of a) if (b.has(t)) shared++;
  return shared / (a.size + b.size - shared);
}

/** Levenshtein distance over code points, in O(min(n, m)) memory; long texts are compared by their first 2000 characters. */
function editDistance(a: string, b: string): number {
  let x = [...a].slice(0, 2000);
  let y = [...b].slice(0, 2000);
  if (x.length < y.length) [x, y] = [y, x];
  let previous = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1)));
    }
    previous = current;
  }
  return previous[y.length];
}
