import { isCjkText, splitCjkClauses, countCjkCharacters, CJK_LINE_END } from '../chinese/cjkText';
import { findFrontMatter } from '../../prompts/text/frontMatter';
import { splitHardBreak } from '../../prompts/text/markdownLine';
import { isSectionNumber } from './poemBounds';
import { sectionLabel, type SectionLabel } from './songSections';

/** One line of verse (or one wrapped line of prose) as the writer reads it. */
export interface PoemLine {
  /** The line without indentation, blockquote marks or a trailing hard-break marker. */
  text: string;
  /** 0-based line number in the input; CJK clauses split from one line share it. */
  lineNumber: number;
  /** Offsets of `text` in the input: [start, end). */
  start: number;
  end: number;
  /** Ended with a Markdown hard break (two spaces, backslash, `<br>`). */
  hardBreak: boolean;
  /** False for a line still being written: the text's last line with no newline after it. */
  complete: boolean;
  /** The whitespace before the line's text (after any blockquote marks): part of the poem's shape. */
  indent: string;
}

/** A stanza (or paragraph): lines between blank lines, headings or section breaks. */
export interface PoemStanza {
  lines: PoemLine[];
  /** The song section label above it ("[Chorus]"), or null. */
  label: SectionLabel | null;
}

export interface SplitOptions {
  /** Break CJK lines after 。，！？； as well as at newlines (default true). */
  cjkClauses?: boolean;
}

const HEADING = /^\s{0,3}#{1,6}(\s|$)/;
const THEMATIC_BREAK = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const SETEXT_UNDERLINE = /^\s{0,3}(=+|-+)\s*$/;
const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const EMPTY_MARKUP = /^(?:\s|<br\s*\/?>|&nbsp;|\\)*$/i;

/**
 * Splits a text into stanzas and lines. Blank lines, Markdown headings, thematic breaks
 * (`---`, `* * *`), section numbers ("IV.") and fenced code end a stanza; front matter, code and
 * HTML comments are left out; a line underlined as a Setext heading is a title, not verse. A
 * song's section label ("[Chorus]", "Verse 2:") is not verse either: it ends the stanza before
 * it and labels the one after.
 */
export function splitStanzas(text: string, options: SplitOptions = {}): PoemStanza[] {
  const cjkClauses = options.cjkClauses ?? true;
  const stanzas: PoemStanza[] = [];
  let current: PoemLine[] = [];
  let label: SectionLabel | null = null;
  const close = () => {
    if (current.length) stanzas.push({ lines: current, label });
    if (current.length) label = null;
    current = [];
  };

  const frontMatter = findFrontMatter(text);
  let offset = frontMatter ? frontMatter.end : 0;
  let lineNumber = countNewlines(text, 0, offset);
  let fence: string | undefined;
  let inComment = false;

  while (offset < text.length) {
    const newline = text.indexOf('\n', offset);
    const lineEnd = newline < 0 ? text.length : newline;
    let raw = text.slice(offset, lineEnd);
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    const lineStart = offset;
    const complete = newline >= 0;
    offset = newline < 0 ? text.length : newline + 1;
    const number = lineNumber++;

    if (fence) {
      if (raw.trim().startsWith(fence) && raw.trim().replace(/[`~]/g, '') === '') fence = undefined;
      continue;
    }
    const fenceMatch = FENCE.exec(raw);
    if (fenceMatch) {
      close();
      fence = fenceMatch[1];
      continue;
    }
    // HTML comments are notes to self, not verse; a line that opens or closes one is skipped whole.
    if (inComment || raw.trimStart().startsWith('<!--')) {
      const from: number = inComment ? 0 : raw.indexOf('<!--') + 4;
      inComment = !raw.includes('-->', from);
      continue;
    }
    if (HEADING.test(raw) || EMPTY_MARKUP.test(raw)) {
      close();
      continue;
    }
    if (SETEXT_UNDERLINE.test(raw) && current.length === 1) {
      current = [];
      continue;
    }
    if (THEMATIC_BREAK.test(raw)) {
      close();
      continue;
    }

    const quote = /^\s*(?:>\s?)*/.exec(raw)![0];
    const { text: body, hardBreak } = splitHardBreak(raw.slice(quote.length));
    const content = body.trim();
    if (!content) {
      close();
      continue;
    }
    // A label ends the stanza above and names the one below; a complete label line only (one
    // still being typed may yet become verse).
    const found = complete ? sectionLabel(content) : null;
    if (found) {
      close();
      label = found;
      continue;
    }
    if (complete && isSectionNumber(content)) {
      close();
      continue;
    }
    // Indentation: spaces and tabs before the text, after the quote marks (which keep their own spacing).
    const indent = /^[ \t]*/.exec(quote.includes('>') ? body : raw)![0];
    const start = lineStart + quote.length + body.indexOf(content);
    if (cjkClauses && countCjkCharacters(content) > 0 && isCjkText(content)) {
      const pieces = splitCjkClauses(content);
      pieces.forEach((piece, i) => {
        const last = i === pieces.length - 1;
        current.push({
          text: piece.text,
          lineNumber: number,
          start: start + piece.offset,
          end: start + piece.offset + piece.text.length,
          hardBreak: last && hardBreak,
          complete: !last || complete || CJK_LINE_END.test(piece.text[piece.text.length - 1]),
          indent: i === 0 ? indent : '',
        });
      });
    } else {
      current.push({ text: content, lineNumber: number, start, end: start + content.length, hardBreak, complete, indent });
    }
  }
  close();
  return stanzas;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) count++;
  return count;
}
