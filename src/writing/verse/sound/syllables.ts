import { syllable as estimateSyllables } from 'syllable';
import { isCjkChar } from '../chinese/cjkText';
import { lineWords } from '../lines/lineWords';
import { isPronouncingDictionaryLoaded, phoneSyllables, pronunciations } from './pronouncingDictionary';

/**
 * Syllables in one word as a poet would scan it. Uses the CMU dictionary (once loaded) and
 * falls back to a spelling estimate. Elisions count as elided: "o'er" 1, "lov'st" 1,
 * "belov'd" 2, "th'" 0, "'tis" 1; a grave accent sounds the ending ("belovèd" 3).
 * A CJK character counts as one.
 */
export function countWordSyllables(word: string): number {
  // A poem is re-read at every new line (and the editor reads its window at every keystroke):
  // counts are remembered, and forgotten once when the dictionary arrives and counts change.
  const withDictionary = isPronouncingDictionaryLoaded();
  if (withDictionary !== countedWithDictionary) {
    counted.clear();
    countedWithDictionary = withDictionary;
  }
  let count = counted.get(word);
  if (count === undefined) {
    if (counted.size >= COUNTED_WORDS) counted.clear();
    count = countAfresh(word);
    counted.set(word, count);
  }
  return count;
}

/**
 * Words whose count is remembered before the memory is cleared. A plain Map cleared when full, not
 * the LRU of writing/prompts/ghost/completionCache.ts: its bookkeeping on every hit cost the editor
 * 0.15–0.35 ms a keystroke (bench/ghostRequestBench.ts, three runs each).
 */
const COUNTED_WORDS = 5_000;
const counted = new Map<string, number>();
let countedWithDictionary = false;

function countAfresh(word: string): number {
  const w = word.toLowerCase().replace(/[\u2018\u2019\u02BC]/g, "'");
  if (!w) return 0;
  if (isCjkChar(w[0])) return [...w].filter(isCjkChar).length;
  if (/^\p{N}+$/u.test(w)) return estimateNumber(w);

  // A grave accent marks an ending the poet wants sounded: "belovèd", "cursèd".
  if (/[èé]d$/.test(w)) return sounded(w.slice(0, -2).normalize('NFD').replace(/\p{M}/gu, '') + 'ed');
  const plain = w.normalize('NFD').replace(/\p{M}/gu, '');

  const known = dictionaryCount(plain);
  if (known !== undefined) return known;
  if (plain.includes("'")) return elidedCount(plain);
  return Math.max(1, estimateSyllables(plain));
}

/** Syllables in one line: the sum over its words (CJK characters count one each). */
export function countLineSyllables(line: string): number {
  let total = 0;
  for (const word of lineWords(line)) total += countWordSyllables(word);
  return total;
}

/**
 * The fewest syllables among the dictionary's pronunciations: verse favours the compressed
 * forms ("ev'ry", "fi'ry", "flow'r"), and the dictionary lists them as variants.
 */
function dictionaryCount(word: string): number | undefined {
  const found = pronunciations(word);
  if (!found) return undefined;
  return Math.min(...found.map(phoneSyllables));
}

function elidedCount(word: string): number {
  if (word.endsWith("'")) return word === "th'" ? 0 : 1;
  if (word.startsWith("'")) return countWordSyllables(word.slice(1));
  const apostrophe = word.lastIndexOf("'");
  const base = word.slice(0, apostrophe);
  const suffix = word.slice(apostrophe + 1);
  switch (suffix) {
    case 's':
      // "beauty's" adds nothing; "prince's" adds a syllable after a sibilant.
      return countWordSyllables(base) + (/(?:[sxz]|ch|sh|[cgsz]e)$/.test(base) ? 1 : 0);
    case 'd':
      return elidedEd(base);
    case 'st':
      return stemCount(base) ?? vowelGroups(base);
    case 'll':
    case 're':
    case 've':
    case 'm':
      return countWordSyllables(base);
    case 't':
      // "couldn't": the "n't" is a syllable after a consonant ("could-n't"), not after a vowel ("don't").
      return base.endsWith('n') && /[^aeiouy]n$/.test(base) ? countWordSyllables(base.slice(0, -1)) + 1 : countWordSyllables(base.replace(/n$/, ''));
    default:
      // An apostrophe inside a word stands for a dropped vowel: "o'er", "heav'n", "pow'r".
      return vowelGroups(word.replace(/'/g, ''));
  }
}

/** "belov'd", "tatter'd", "gaz'd": the -ed is not a syllable. */
function elidedEd(base: string): number {
  const withEd = pronunciations(`${base}ed`);
  if (withEd) return Math.min(...withEd.map(phoneSyllables));
  return stemCount(base) ?? vowelGroups(`${base}d`);
}

/** "lov" → "love", "stopp" → "stop": the dictionary form of a stem left by an elision. */
function stemCount(base: string): number | undefined {
  const candidates = [base, `${base}e`];
  if (/([^aeiou])\1$/.test(base)) candidates.push(base.slice(0, -1));
  for (const candidate of candidates) {
    const count = dictionaryCount(candidate);
    if (count !== undefined) return count;
  }
  return undefined;
}

function sounded(withEd: string): number {
  const found = pronunciations(withEd);
  if (found) return Math.max(...found.map(phoneSyllables));
  return estimateSyllables(withEd.slice(0, -2)) + 1;
}

/**
 * Vowel groups in a spelling, for elided forms the general estimator misreads ("oer" is one
 * syllable, not two): a final silent e does not count, y after a consonant is a vowel.
 */
function vowelGroups(spelling: string): number {
  const groups = spelling.match(/[aeiouy]+/g) ?? [];
  let count = groups.length;
  if (spelling.startsWith('y') && /^y[aeiou]/.test(spelling)) count--;
  if (count > 1 && /[^aeiouy]e$/.test(spelling) && !/[^aeiouy]le$/.test(spelling)) count--;
  return Math.max(1, count);
}

/** Digits read as a number ("1914" as nineteen fourteen) are rare in verse; a rough count will do. */
function estimateNumber(digits: string): number {
  return Math.max(1, Math.round(digits.length * 1.5));
}
