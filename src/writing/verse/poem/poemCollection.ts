import { CJK_LINE_END, isCjkText } from '../chinese/cjkText';
import { findPoems, isSectionNumber } from './poemBounds';
import { splitStanzas } from './poemLines';
import { detectTextKind } from '../../prompts/text/textKind';

/** One poem found in a file. */
export interface CollectedPoem {
  title: string;
  /** The poem's text, one verse line per text line, stanzas separated by one blank line. */
  text: string;
  /** Where its verse begins in the file (CRLF read as LF): what comes before it is `fileText.slice(0, at)` (see `textBefore`). */
  at: number;
}

/** Blank-line blocks at least this long (median) are whole poems, not stanzas. */
const POEM_BLOCK_LINES = 10;

/**
 * Splits a file into poems for eval-form. The poems are the ones ghost text and the commands
 * see (findPoems: headings, titles in capitals, numbers, separators, long runs of blank lines),
 * their titles and head matter left out; then, since a blank line is also a stanza break, a
 * poem whose blank-line blocks have a median of ten or more lines is one poem per block (no
 * common stanza is that long; a sonnet is fourteen; a file of sonnets parted by single blank
 * lines is many sonnets) — shorter blocks are the stanzas of one poem (Frost's five-line
 * stanzas). In CJK text a first line without clause marks under a title is the author, not
 * verse. Indentation is kept (it is part of the form), less what all the poem's lines share.
 * Files read as prose (detectTextKind) hold no poems, nor do passages of prose between poems.
 */
export function splitPoems(text: string, name: string): CollectedPoem[] {
  const normalized = text.replace(/\r\n?/g, '\n');
  if (detectTextKind(normalized).kind !== 'verse') return [];
  const out: CollectedPoem[] = [];
  findPoems(normalized).forEach((poem, k) => {
    // Numbers over numbered stanzas ("V.") part stanzas; they are not verse.
    const blocks = normalized
      .slice(poem.bodyStart, poem.end)
      .split('\n')
      .map((l) => (isSectionNumber(l.trim()) ? '' : l))
      .join('\n')
      .split(/\n[ \t]*\n/)
      .map((b) => b.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim().length > 0))
      .filter((b) => b.length > 0);
    const first = blocks[0];
    if (first && first.length > 1 && isCjkText(first.join('')) && !CJK_LINE_END.test(first[0]!)) first.shift();
    if (!blocks.length) return;
    const title = poem.title ?? `${name} ${k + 1}`;
    const lengths = blocks.map((b) => b.length).sort((a, b) => a - b);
    const asPoems = blocks.length > 1 && lengths[lengths.length >> 1]! >= POEM_BLOCK_LINES;
    // Where each block begins in the file: its first line, found in order after the one before.
    let cursor = poem.bodyStart;
    const starts = blocks.map((b) => {
      const found = normalized.indexOf(b[0]!.trim(), cursor);
      const start = found < 0 ? cursor : normalized.lastIndexOf('\n', found) + 1;
      cursor = Math.max(cursor, found < 0 ? cursor : found + 1);
      return start;
    });
    const parts = asPoems ? blocks.map((b, i) => ({ title: `${title} ${i + 1}`, blocks: [b], at: starts[i]! })) : [{ title, blocks, at: starts[0]! }];
    for (const part of parts) {
      const body = dedent(part.blocks.map((b) => b.join('\n')).join('\n\n'));
      if (detectTextKind(body).kind === 'verse' || body.split('\n').length < 4) out.push({ title: part.title, text: body, at: part.at });
    }
  });
  return out;
}

/**
 * Up to `chars` characters of a file before a poem's verse, from a line start: the text an
 * editor's window holds above a poem being written in a collection (its title included).
 */
export function textBefore(fileText: string, poem: CollectedPoem, chars: number): string {
  if (chars <= 0 || poem.at <= 0) return '';
  const normalized = fileText.replace(/\r\n?/g, '\n');
  let from = Math.max(0, poem.at - chars);
  if (from > 0) from = normalized.indexOf('\n', from - 1) + 1 || poem.at;
  return normalized.slice(Math.min(from, poem.at), poem.at);
}

/** Removes the indentation every line of a text shares (a poem set in from the margin as a whole). */
function dedent(text: string): string {
  const lines = text.split('\n');
  const indents = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
  const common = indents.length ? Math.min(...indents) : 0;
  return common ? lines.map((l) => l.slice(Math.min(common, /^[ \t]*/.exec(l)![0].length))).join('\n') : text;
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
  // Verse lines as form analysis counts them: a song's section labels are not lines.
  const verse = [...new Set(splitStanzas(text, { cjkClauses: false }).flatMap((s) => s.lines.map((l) => l.lineNumber)))];
  // A Chinese quatrain set two clauses a line has two lines of text: it is cut after its first.
  const least = verse.length === 2 && formLines(text) > 2 ? 1 : 2;
  const cutAfterLines = Math.max(least, Math.min(verse.length - 1, Math.round(verse.length * 0.4)));
  const lastIndex = verse[cutAfterLines - 1]!;
  const prompt = `${lines.slice(0, lastIndex + 1).join('\n')}\n`;
  const wanted = Math.min(maxLines, formLines(text) - formLines(prompt));
  return { prompt, cutAfterLines, wanted };
}

/** Lines as form analysis counts them (CJK clauses count as lines). */
export function formLines(text: string): number {
  return splitStanzas(text).reduce((n, s) => n + s.lines.length, 0);
}
