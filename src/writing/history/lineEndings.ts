/**
 * A change of a document's line endings (CRLF ⇄ LF, from the status bar or a formatter), which
 * VS Code reports as one edit replacing the whole text: telling it from a real edit, and moving
 * offsets from the old text to the new one, line by line. Pure; used by who-wrote-what, branch
 * history and word choices.
 */
import type { TextEdit } from './insertionTracker';

export type LineEnding = '\n' | '\r\n';

/**
 * Whether a change event (its edits, and the document's text after it) only turned `from` line
 * endings into `eol` ones: one edit replacing the whole old text by the whole new one, the old
 * text longer or shorter by exactly one character per line break. A file reloaded with other
 * words and other line endings is an edit like any other.
 */
export function lineEndingsOnly(edits: readonly TextEdit[], text: string, from: LineEnding, eol: LineEnding): boolean {
  if (from === eol || edits.length !== 1) return false;
  const [edit] = edits;
  if (edit!.offset !== 0 || edit!.inserted.length !== text.length || edit!.inserted !== text) return false;
  const breaks = text.split(eol).length - 1;
  return edit!.deleted === text.length + breaks * (from.length - eol.length);
}

/**
 * Where each of `points` (offsets in the text as it was, with `from` line endings) is in `text`
 * (the same lines with `eol` ones). A point inside a CRLF pair goes to the end of its line.
 */
export function remapLineEndings(points: readonly number[], text: string, from: LineEnding, eol: LineEnding): Map<number, number> {
  const sorted = [...new Set(points)].sort((a, b) => a - b);
  const moved = new Map<number, number>();
  let oldLine = 0;
  let newLine = 0;
  let next = 0;
  while (next < sorted.length) {
    const brk = text.indexOf(eol, newLine);
    const length = (brk < 0 ? text.length : brk) - newLine;
    // Points on this line (in old offsets: up to and including its line break).
    while (next < sorted.length && (brk < 0 || sorted[next]! < oldLine + length + from.length)) {
      const p = sorted[next++]!;
      moved.set(p, newLine + Math.min(p - oldLine, length));
    }
    if (brk < 0) break;
    oldLine += length + from.length;
    newLine += length + eol.length;
  }
  return moved;
}
