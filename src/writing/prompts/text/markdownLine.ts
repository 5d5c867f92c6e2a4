/**
 * Markdown syntax inside one line of a poem or paragraph: what a writer types to format a
 * line but does not read aloud, so it must not count as words, syllables or rhymes.
 */

const TRAILING_HARD_BREAK = /(?: {2,}|\\|<br\s*\/?>(?:\s*)|&nbsp;\s*)$/i;

/**
 * Splits a Markdown hard-break marker (two or more trailing spaces, a trailing backslash or
 * `<br>`) off the end of a line. Poets writing in Markdown use these to keep their line breaks.
 */
export function splitHardBreak(line: string): { text: string; hardBreak: boolean } {
  const match = TRAILING_HARD_BREAK.exec(line);
  if (!match) return { text: line, hardBreak: false };
  return { text: line.slice(0, match.index).trimEnd(), hardBreak: true };
}

/**
 * Removes inline Markdown (emphasis, strikethrough, code ticks, links, images, footnote marks,
 * HTML tags and common entities), keeping the words a reader would see.
 */
export function stripInlineMarkdown(line: string): string {
  return line
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/\[\^[^\]]*\]/g, '')
    .replace(/<\/?[a-z][^>]*>/gi, ' ')
    .replace(/&nbsp;|&#160;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&mdash;/gi, '—')
    .replace(/&ndash;/gi, '–')
    .replace(/[*~`]+/g, '')
    // Underscores mark emphasis only at word edges; inside a word CommonMark keeps them.
    .replace(/(^|[^\p{L}\p{N}])_+|_+(?=$|[^\p{L}\p{N}])/gu, '$1');
}
