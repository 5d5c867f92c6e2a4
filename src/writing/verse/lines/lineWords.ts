import { stripInlineMarkdown } from '../../prompts/text/markdownLine';

/**
 * Words that begin with an apostrophe in verse ("'tis", "'gainst"); any other leading
 * apostrophe is an opening quotation mark.
 */
const LEADING_ELISIONS = new Set([
  'tis', 'twas', 'twere', 'twill', 'twould', 'gainst', 'twixt', 'tween', 'neath', 'mid', 'midst',
  'mongst', 'scape', 'em', 'bout', 'til', 'round', 'cause', 'fore', 'gan', 'tho', 'cross', 'nough',
]);

/** Words that end with an apostrophe in verse ("th' expense", "o' the"). */
const TRAILING_ELISIONS = new Set(['th', 'i', 'o', 'wi', 'gi', 'fra']);

const CURLY_APOSTROPHES = /[\u2018\u2019\u02BC\u0060\u00B4]/g;
const WORD_CHAR = /[\p{L}\p{M}\p{N}]/u;

/**
 * The words of one line of text, lower-cased, in order: inline Markdown removed, split at
 * spaces, dashes, hyphens and slashes, punctuation trimmed. Apostrophes that mark elisions
 * ("o'er", "lov'st", "belov'd", "'tis", "th'") stay, normalised to ASCII `'`.
 */
export function lineWords(line: string): string[] {
  const plain = stripInlineMarkdown(line).replace(CURLY_APOSTROPHES, "'").toLowerCase();
  const words: string[] = [];
  for (const token of plain.split(/[\s\-\u2010-\u2015\u2212/]+/)) {
    const word = trimWord(token);
    if (word) words.push(word);
  }
  return words;
}

function trimWord(token: string): string {
  let start = 0;
  let end = token.length;
  while (start < end && !WORD_CHAR.test(token[start])) start++;
  while (end > start && !WORD_CHAR.test(token[end - 1])) end--;
  if (start === end) return '';
  let word = token.slice(start, end);
  if (start > 0 && token[start - 1] === "'" && LEADING_ELISIONS.has(word.split("'")[0])) word = `'${word}`;
  if (end < token.length && token[end] === "'" && TRAILING_ELISIONS.has(word)) word = `${word}'`;
  return word;
}
