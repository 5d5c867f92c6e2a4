import { lineWords } from './lineWords';
import { pronunciations } from '../sound/pronouncingDictionary';
import { lineRhymeKey, rhymes, type RhymeKey } from '../sound/rhyme';

/**
 * English words a line does not end on (articles, prepositions, conjunctions, possessives):
 * form-keeping lets the line take one more word instead, within its length band.
 */
const WEAK_ENDINGS = new Set(['a', 'an', 'the', 'of', 'to', 'in', 'on', 'at', 'by', 'for', 'with', 'from', 'into', 'upon', 'onto', 'and', 'or', 'nor', 'but', 'if', 'than', 'as', 'my', 'your', 'our', 'their', 'thy', 'its']);

/** Whether a line ending in `word` would end weakly ("the", "of", "my"). */
export function isWeakEnding(word: string): boolean {
  return WEAK_ENDINGS.has(word.toLowerCase());
}

/** The last word of a line, lower-cased ('' for none). */
export function lastWord(line: string): string {
  const words = lineWords(line);
  return words[words.length - 1] ?? '';
}

/**
 * Whether `word` is a whole word by the dictionary (so a line may end after it). A lone letter
 * other than "a", "I" or "O" is a word still being spelled, though the dictionary lists letters.
 */
export function isWholeWord(word: string): boolean {
  const w = word.toLowerCase();
  if (w.length === 1 && !'aio'.includes(w)) return false;
  return pronunciations(w) !== undefined;
}

/**
 * Whether a line that opens a rhyme (LinePlan.opensRhyme) ends well for it: on a sound the
 * stanza has not used (`taken`), and one a later line can answer (`canAnswer`: the lexicon has
 * rhymes for it). A line without a word to key is given the benefit of the doubt. "Used" is
 * what the scheme reader hears as the same sound, slant rhymes included: a new line ending on
 * "any" under "be" reads as its rhyme, and the next lines are planned from that misreading.
 */
export function opensRhymeWell(line: string, taken: readonly RhymeKey[], canAnswer: (key: RhymeKey) => boolean): boolean {
  const key = lineRhymeKey(line);
  if (!key) return true;
  return !taken.some((t) => rhymes(key, t, 'loose')) && canAnswer(key);
}

/** Whether the line's last word rhymes strictly with `partner`. */
export function lineRhymesWith(line: string, partner: RhymeKey): boolean {
  const key = lineRhymeKey(line);
  return key !== null && rhymes(key, partner, 'strict');
}

/**
 * Whether a blank line has come since the last line with words in `before` + `text`, looking
 * only at the end (a stray mark on a line of its own does not undo a stanza break).
 */
export function endsWithBlankLine(before: string, text: string): boolean {
  const tail = text.length >= 240 ? text.slice(-240) : before.slice(-240) + text;
  const lines = tail.split('\n');
  for (let i = lines.length - 2; i >= 0; i--) {
    if (!lines[i]!.trim()) return true;
    if (/[\p{L}\p{N}]/u.test(lines[i]!)) return false;
  }
  return false;
}
