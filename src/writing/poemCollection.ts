import { CJK_LINE_END, isCjkText } from './cjkText';
import { splitStanzas } from './poemLines';
import { detectTextKind } from './textKind';

/** One poem found in a file. */
export interface CollectedPoem {
  title: string;
  /** The poem's text, one verse line per text line, stanzas separated by one blank line. */
  text: string;
}

/** Blank-line blocks at least this long (median) are whole poems, not stanzas. */
const POEM_BLOCK_LINES = 10;

/**
 * Splits a file into poems. The rule, in order:
 * 1. Markdown headings (`# Title`) start poems: each heading's block is one poem, titled by it.
 *    In CJK text a first line without clause marks under the heading is the author, not verse.
 * 2. Otherwise blank lines separate either poems or stanzas. A blank line is also a stanza
 *    break, so the blocks' lengths decide: blocks with a median of ten or more lines are whole
 *    poems (no common stanza is that long; a sonnet is fourteen), shorter ones are the stanzas
 *    of one poem (Frost's five-line stanzas).
 * Files read as prose (detectTextKind) hold no poems.
 */
export function splitPoems(text: string, name: string): CollectedPoem[] {
  const normalized = text.replace(/\r\n?/g, '\n');
  if (detectTextKind(normalized).kind !== 'verse') return [];
  if (/^#{1,6}\s+\S/m.test(normalized)) return byHeadings(normalized);
  const blocks = normalized
    .split(/\n[ \t]*\n/)
    .map((b) => trimLines(b))
    .filter((b) => b.length > 0);
  if (blocks.length === 0) return [];
  const lengths = blocks.map((b) => b.length).sort((a, b) => a - b);
  const medianLines = lengths[lengths.length >> 1]!;
  if (blocks.length > 1 && medianLines >= POEM_BLOCK_LINES) return blocks.map((b, i) => ({ title: `${name} ${i + 1}`, text: b.join('\n') }));
  return [{ title: name, text: blocks.map((b) => b.join('\n')).join('\n\n') }];
}

function byHeadings(text: string): CollectedPoem[] {
  const poems: CollectedPoem[] = [];
  const parts = text.split(/^#{1,6}\s+/m).slice(1);
  for (const part of parts) {
    const newline = part.indexOf('\n');
    const title = (newline < 0 ? part : part.slice(0, newline)).trim();
    const stanzas = (newline < 0 ? '' : part.slice(newline + 1))
      .split(/\n[ \t]*\n/)
      .map((b) => trimLines(b))
      .filter((b) => b.length > 0);
    const first = stanzas[0];
    if (first && first.length > 1 && isCjkText(first.join('')) && !CJK_LINE_END.test(first[0]!)) first.shift();
    const body = stanzas.map((b) => b.join('\n')).join('\n\n');
    if (body) poems.push({ title, text: body });
  }
  return poems;
}

/** Lines of a block without indentation or trailing spaces (the sonnets' couplets are indented). */
function trimLines(block: string): string[] {
  return block
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

/**
 * A deterministic, file-balanced sample: poems are taken from the files in turn, each file's
 * poems evenly spaced through it, until `limit` are chosen.
 */
export function samplePoems<T>(files: readonly (readonly T[])[], limit: number): T[] {
  const orders = files.map((poems) => spread(poems.length));
  const chosen: T[] = [];
  for (let round = 0; chosen.length < limit; round++) {
    let took = false;
    files.forEach((poems, f) => {
      if (chosen.length >= limit || round >= orders[f]!.length) return;
      chosen.push(poems[orders[f]![round]!]!);
      took = true;
    });
    if (!took) break;
  }
  return chosen;
}

/** 0 … n−1 in an order that spreads evenly: first, middle, quarters, … (bit-reversal). */
function spread(n: number): number[] {
  if (n <= 0) return [];
  let bits = 0;
  while (1 << bits < n) bits++;
  const out: number[] = [];
  for (let i = 0; i < 1 << bits; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
    if (r < n) out.push(r);
  }
  return out;
}

/**
 * The poem up to its cut: after about two fifths of its text lines (at least two, and at least
 * one left), ending with a newline. Lines wanted: what remains, up to `maxLines` (clauses in CJK).
 */
export function cutPoem(text: string, maxLines: number): { prompt: string; cutAfterLines: number; wanted: number } {
  const lines = text.split('\n');
  const verse = lines.map((l, i) => (l.trim() ? i : -1)).filter((i) => i >= 0);
  const cutAfterLines = Math.max(2, Math.min(verse.length - 1, Math.round(verse.length * 0.4)));
  const lastIndex = verse[cutAfterLines - 1]!;
  const prompt = `${lines.slice(0, lastIndex + 1).join('\n')}\n`;
  const wanted = Math.min(maxLines, formLines(text) - formLines(prompt));
  return { prompt, cutAfterLines, wanted };
}

/** Lines as form analysis counts them (CJK clauses count as lines). */
export function formLines(text: string): number {
  return splitStanzas(text).reduce((n, s) => n + s.lines.length, 0);
}
