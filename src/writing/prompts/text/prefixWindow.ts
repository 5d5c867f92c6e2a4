import { findFrontMatter } from './frontMatter';

/** Counts a text's length in model tokens (or an estimate of it). */
export type CountTokens = (text: string) => number;

/** The part of the text before the cursor that goes into the prompt. */
export interface PrefixWindow {
  text: string;
  /** Offset in the input where `text` begins. */
  start: number;
  /** Whether earlier text was left out to fit the budget (front matter aside). */
  truncated: boolean;
  /** Where the window was cut: not at all, at a stanza or paragraph, a line, or a word boundary. */
  cut: 'none' | 'paragraph' | 'line' | 'word';
}

/**
 * The longest end of `before` (the text before the cursor) that fits `budget` tokens, cut at a
 * stanza or paragraph break if one fits, else at a line break, else between words, never inside
 * a word. Front matter is never part of the prompt (it is looked for only when `before` starts
 * where the document does). `countTokens` defaults to characters; it is
 * assumed to grow with the text, and is called O(log n) times.
 */
export function prefixWindow(before: string, budget: number, countTokens: CountTokens = (t) => t.length, atDocumentStart = true): PrefixWindow {
  const frontMatter = atDocumentStart ? findFrontMatter(before) : null;
  const base = frontMatter?.closed ? frontMatter.end : frontMatter ? before.length : 0;
  const fits = (start: number) => countTokens(before.slice(start)) <= budget;
  if (fits(base)) return { text: before.slice(base), start: base, truncated: false, cut: 'none' };

  const paragraphs = starts(before, base, /\n[ \t]*\r?\n\s*/g);
  const lastParagraph = paragraphs[paragraphs.length - 1] ?? base;
  const lines = starts(before, lastParagraph, /\n/g);
  const lastLine = lines[lines.length - 1] ?? lastParagraph;
  const words = starts(before, lastLine, /[ \t]+/g);
  for (const [cut, candidates] of [['paragraph', paragraphs], ['line', lines], ['word', words]] as const) {
    const start = earliestFitting(candidates, fits);
    if (start !== undefined) return { text: before.slice(start), start, truncated: true, cut };
  }
  return { text: '', start: before.length, truncated: true, cut: 'word' };
}

/** Offsets just after each match of `separator` from `from` on, in increasing order. */
function starts(text: string, from: number, separator: RegExp): number[] {
  const found: number[] = [];
  separator.lastIndex = from;
  for (let m = separator.exec(text); m; m = separator.exec(text)) {
    const end = m.index + m[0].length;
    if (end < text.length) found.push(end);
    if (m[0].length === 0) separator.lastIndex++;
  }
  return found;
}

/** Binary search: later starts leave less text, so once one fits all later ones do. */
function earliestFitting(candidates: readonly number[], fits: (start: number) => boolean): number | undefined {
  let lo = 0;
  let hi = candidates.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fits(candidates[mid])) hi = mid;
    else lo = mid + 1;
  }
  return candidates[lo];
}
