import { isCjkChar } from '../../verse/chinese/cjkText';
import { findFrontMatter } from './frontMatter';

/** Why ghost text should stay quiet at a cursor. */
export type QuietReason = 'front-matter' | 'code-block' | 'html-comment' | 'mid-word';

export interface CursorContext {
  inFrontMatter: boolean;
  inCodeBlock: boolean;
  inHtmlComment: boolean;
  /** Letters on both sides of the cursor: the writer is editing a word, not extending the text. */
  midWord: boolean;
  /** Whether to offer a suggestion here. */
  suggest: boolean;
  /** The first reason not to suggest; null when `suggest` is true. */
  reason: QuietReason | null;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/**
 * Where the cursor is, for deciding whether to suggest: front matter, fenced code and HTML
 * comments are never the writer's verse or prose, so nothing is suggested there even on an
 * explicit request; in the middle of a word only an explicit request gets a suggestion.
 * Indented blocks are not treated as code, because verse is often indented. `text` may be a
 * window of the document (see textWindow.ts); `atDocumentStart` says whether it starts where the
 * document does.
 */
export function cursorContext(text: string, offset: number, explicit = false, atDocumentStart = true): CursorContext {
  const at = Math.max(0, Math.min(offset, text.length));
  // Front matter exists only at the start of a document; a window read from further on may begin
  // with a '---' thematic break.
  const frontMatter = atDocumentStart ? findFrontMatter(text) : null;
  const inFrontMatter = frontMatter !== null && (at < frontMatter.end || (!frontMatter.closed && at <= frontMatter.end));
  const { inCodeBlock, inHtmlComment } = inFrontMatter ? { inCodeBlock: false, inHtmlComment: false } : scanBlocks(text, frontMatter?.end ?? 0, at);
  const midWord = isWordChar(text, at - 1) && isWordChar(text, at);
  const reason: QuietReason | null = inFrontMatter
    ? 'front-matter'
    : inCodeBlock
      ? 'code-block'
      : inHtmlComment
        ? 'html-comment'
        : midWord && !explicit
          ? 'mid-word'
          : null;
  return { inFrontMatter, inCodeBlock, inHtmlComment, midWord, suggest: reason === null, reason };
}

/** Walks the lines from `start` to the cursor, tracking open code fences and HTML comments. */
function scanBlocks(text: string, start: number, at: number): { inCodeBlock: boolean; inHtmlComment: boolean } {
  let fence: { char: string; length: number } | null = null;
  let comment = false;
  let lineStart = start;
  while (lineStart <= at) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline < 0 ? text.length : newline;
    const line = text.slice(lineStart, lineEnd).replace(/\r$/, '');
    const cursorLine = at <= lineEnd;
    if (fence) {
      const closing = FENCE.exec(line);
      const closes = closing !== null && closing[1][0] === fence.char && closing[1].length >= fence.length && !closing[2].trim();
      // The closing fence line itself still belongs to the block.
      if (cursorLine) return { inCodeBlock: true, inHtmlComment: false };
      if (closes) fence = null;
    } else {
      const opening = comment ? null : FENCE.exec(line);
      // Backtick fences cannot have backticks in their info string; such a line is inline code.
      if (opening && !(opening[1][0] === '`' && opening[2].includes('`'))) {
        if (cursorLine) return { inCodeBlock: true, inHtmlComment: false };
        fence = { char: opening[1][0], length: opening[1].length };
      } else {
        const upTo = cursorLine ? at - lineStart : line.length;
        comment = commentStateAfter(line.slice(0, upTo), comment);
        if (cursorLine) return { inCodeBlock: false, inHtmlComment: comment };
      }
    }
    if (newline < 0) break;
    lineStart = newline + 1;
  }
  return { inCodeBlock: fence !== null, inHtmlComment: comment };
}

function commentStateAfter(segment: string, open: boolean): boolean {
  let inside = open;
  let i = 0;
  for (;;) {
    const next = inside ? segment.indexOf('-->', i) : segment.indexOf('<!--', i);
    if (next < 0) return inside;
    i = next + (inside ? 3 : 4);
    inside = !inside;
  }
}

/** Letters and digits, and an apostrophe between letters ("don|'t" is inside a word). CJK has no word boundaries to protect. */
function isWordChar(text: string, i: number): boolean {
  const c = text[i];
  if (c === undefined || isCjkChar(c)) return false;
  if (/[\p{L}\p{N}_]/u.test(c)) return true;
  if (c === "'" || c === '\u2019') return /\p{L}/u.test(text[i - 1] ?? '') && /\p{L}/u.test(text[i + 1] ?? '');
  return false;
}
