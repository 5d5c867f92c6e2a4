/**
 * Chinese, Japanese and Korean text: counted in characters, not syllables, and broken into
 * verse lines at full-width clause punctuation as well as at newlines.
 */

const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const CJK_CHARS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;
const LETTERS = /[\p{L}\p{N}]/gu;

/** Punctuation that ends a line of classical Chinese verse (and a clause in CJK prose). */
export const CJK_LINE_END = /[。，！？；]/;

/** Whether a character is a CJK ideograph, kana or hangul syllable. */
export function isCjkChar(char: string): boolean {
  return CJK_CHAR.test(char);
}

/** Number of CJK characters in a string (punctuation and Latin letters not counted). */
export function countCjkCharacters(text: string): number {
  return text.match(CJK_CHARS)?.length ?? 0;
}

/** Whether most of the letters in a text are CJK characters. */
export function isCjkText(text: string): boolean {
  const letters = text.match(LETTERS)?.length ?? 0;
  return letters > 0 && countCjkCharacters(text) / letters > 0.5;
}

/**
 * Splits one line of CJK text after each clause-ending mark (。，！？；), keeping the mark with
 * its clause, and returns each piece with its offset in the line. Pieces without any CJK
 * character (stray punctuation) are merged into the previous piece.
 */
export function splitCjkClauses(line: string): { text: string; offset: number }[] {
  const pieces: { text: string; offset: number }[] = [];
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    if (!CJK_LINE_END.test(line[i])) continue;
    // Keep closing quotes and brackets that follow the mark with the clause they close.
    let end = i + 1;
    while (end < line.length && /[」』”’）)\]】》〉]/.test(line[end])) end++;
    pushPiece(pieces, line.slice(start, end), start);
    start = end;
    i = end - 1;
  }
  if (start < line.length) pushPiece(pieces, line.slice(start), start);
  return pieces;
}

function pushPiece(pieces: { text: string; offset: number }[], raw: string, offset: number): void {
  const lead = raw.length - raw.trimStart().length;
  const text = raw.trim();
  if (!text) return;
  const previous = pieces[pieces.length - 1];
  if (previous && countCjkCharacters(text) === 0) {
    previous.text += text;
    return;
  }
  pieces.push({ text, offset: offset + lead });
}
