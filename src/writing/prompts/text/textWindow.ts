/**
 * How much of a document a request reads around the cursor. Cost follows the window, not the
 * document: a 10 MB manuscript reads the same few kilobytes per keystroke as a sonnet.
 *
 * Before the cursor the window holds the prompt (`ghostPromptChars`, 2,000 characters at most) and, well beyond it, enough
 * text to see whether the cursor is inside a code fence or an HTML comment opened earlier; after
 * the cursor, enough to trim a suggestion against the rest of the line and the next lines.
 */
export const SCAN_BEFORE_CHARS = 20_000;
export const READ_AFTER_CHARS = 2_000;
/** A window starts at a line start unless that line began this far before the scan limit (one enormous line). */
const MAX_LINE_BACKTRACK = 2_000;

export interface WindowRange {
  /** Document offset where the window starts. */
  start: number;
  /** Document offset where it ends. */
  end: number;
  /** The window starts where the document does (front matter can only be seen there). */
  atDocumentStart: boolean;
}

/**
 * The range of a document of `length` characters to read for a cursor at `offset`.
 * `lineStartAt(o)` gives the offset of the start of the line holding offset `o`.
 */
export function windowAround(offset: number, length: number, lineStartAt: (offset: number) => number, before = SCAN_BEFORE_CHARS, after = READ_AFTER_CHARS): WindowRange {
  const at = Math.max(0, Math.min(offset, length));
  const from = Math.max(0, at - before);
  let start = from;
  if (from > 0) {
    const lineStart = lineStartAt(from);
    if (from - lineStart <= MAX_LINE_BACKTRACK) start = lineStart;
  }
  return { start, end: Math.min(length, at + after), atDocumentStart: start === 0 };
}
