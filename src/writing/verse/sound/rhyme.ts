import { hanRhymeKey, hanRhymes, lastHanChar } from '../chinese/hanziRhyme';
import { lineWords } from '../lines/lineWords';
import { isVowelPhone, pronunciations } from './pronouncingDictionary';

/** The sound of a word's ending under one pronunciation. */
export interface RhymeEnding {
  /** Phones from the last stressed vowel on, stress removed: "wood" → "UH D". */
  strict: string;
  /** The final vowel (stress removed), whether it is stressed, and the consonants after it. */
  vowel: string;
  stressed: boolean;
  coda: string;
}

/** What a line-ending word sounds like, for comparing rhymes. */
export interface RhymeKey {
  word: string;
  /** One per dictionary pronunciation; empty when the word is not in the dictionary. */
  endings: RhymeEnding[];
  /** Spelling-based key (last vowel group onward), used when a word is not in the dictionary. */
  spelling: string;
  /** The key to show and to match exactly: the first strict ending, or `~` + spelling. */
  key: string;
  /** A Han character, rhyming by its pinyin final (see hanziRhyme.ts): `endings` hold its readings' rhyme groups. */
  han?: boolean;
  /** For a Han character: the script of the poem it ends a line of, so that rhymes offered for it are in that script. */
  script?: 'traditional' | 'simplified';
}

/** `strict`: identical sound from the last stressed vowel on. `loose`: also slant rhymes. */
export type RhymeMatch = 'strict' | 'loose';

/**
 * Poetic spellings whose rhyme sound differs from what their letters suggest; mapped to a
 * word the dictionary knows with that sound.
 */
const POETIC_FORMS: Readonly<Record<string, string>> = {
  "o'er": 'or', "e'er": 'air', "ne'er": 'air', "where'er": 'air', "whate'er": 'air', "whene'er": 'air',
  "e'en": 'keen', "ta'en": 'rain', "heav'n": 'heaven', "giv'n": 'given', "pow'r": 'sour', "flow'r": 'sour',
  "ev'n": 'even', "sev'n": 'seven', "fi'ry": 'fiery', "ev'ry": 'every',
};

/** The rhyme key of a word, or null for a word without letters. */
export function rhymeKey(word: string): RhymeKey | null {
  // Chinese has no words between spaces: a run of Han characters rhymes on its last one.
  const han = /\p{Script=Han}$/u.test(word) ? lastHanChar(word) : null;
  if (han) return hanRhymeKey(han);
  const w = word.toLowerCase().replace(/[\u2018\u2019\u02BC]/g, "'").normalize('NFD').replace(/\p{M}/gu, '');
  if (!/\p{L}/u.test(w)) return null;
  const spelling = spellingKey(w);
  // A word said with stress is not rhymed by its reduced form too: "that" (DH AH0 T beside DH AE1
  // T) would rhyme with "but" and "what", "to" (T IH0) with "it".
  const said = lookUp(w) ?? [];
  const stressed = said.filter((phones) => phones.some((p) => /[12]$/.test(p)));
  const endings = (stressed.length ? stressed : said).map(endingOf);
  return { word: w, endings, spelling, key: endings[0]?.strict ?? `~${spelling}` };
}

/** The rhyme key of a line's last word, or null for a line without words. */
export function lineRhymeKey(line: string): RhymeKey | null {
  // A line of Chinese verse ends on its last character, whatever punctuation follows it.
  const lastLetter = /[\p{L}\p{N}](?=[^\p{L}\p{N}]*$)/u.exec(line)?.[0];
  if (lastLetter && /\p{Script=Han}/u.test(lastLetter)) return hanRhymeKey(lastLetter);
  const words = lineWords(line);
  for (let i = words.length - 1; i >= 0; i--) {
    const key = rhymeKey(words[i]);
    if (key) return key;
  }
  return null;
}

/**
 * Whether two line endings rhyme. Strict: same sound from the last stressed vowel on (under
 * any of their pronunciations), or the same spelling key for words the dictionary lacks.
 * Loose also accepts slant rhymes: the same final vowel and coda ("husbandry"/"posterity"),
 * the same non-empty coda where one final vowel is unstressed ("hence"/"difference",
 * "temperate"/"date") or the coda has two or more consonants ("field"/"held"), eye rhymes
 * ("love"/"prove"), and the Early Modern rhyme of a final unstressed -y with "eye"
 * ("memory"/"die", "symmetry"/"eye").
 */
export function rhymes(a: RhymeKey, b: RhymeKey, match: RhymeMatch = 'strict'): boolean {
  if (a.han || b.han) return a.han === true && b.han === true && hanRhymes(a, b, match);
  if (a.word === b.word) return true;
  if (a.endings.length && b.endings.length) {
    for (const x of a.endings) {
      for (const y of b.endings) {
        if (x.strict === y.strict) return true;
        if (match === 'loose' && (slant(x, y) || yEye(a.word, x, y) || yEye(b.word, y, x))) return true;
      }
    }
    // Eye rhymes, many of them rhymes in the poet's day: "love"/"prove", "alone"/"gone".
    return match === 'loose' && a.spelling === b.spelling && a.spelling.length > 1;
  }
  if (a.spelling === b.spelling) return true;
  if (match === 'strict') return false;
  const codaA = a.spelling.replace(/^[aeiouy]+/, '');
  const codaB = b.spelling.replace(/^[aeiouy]+/, '');
  return codaA !== '' && codaA === codaB;
}

function slant(x: RhymeEnding, y: RhymeEnding): boolean {
  if (x.coda !== y.coda) return false;
  if (x.vowel === y.vowel) return true;
  // Same consonants after an unstressed vowel ("hence"/"difference"), or a cluster of two or
  // more ("field"/"held", "art"/"convert"): the consonance poets accept as rhyme.
  return x.coda !== '' && (!x.stressed || !y.stressed || x.coda.includes(' '));
}

function yEye(word: string, x: RhymeEnding, y: RhymeEnding): boolean {
  return /[^aeiou]y$/.test(word) && x.vowel === 'IY' && !x.stressed && x.coda === '' && y.vowel === 'AY' && y.stressed && y.coda === '';
}

function lookUp(word: string): string[][] | undefined {
  // Own-property check: a line ending in "constructor" must not find Object.prototype's.
  const poetic = Object.hasOwn(POETIC_FORMS, word) ? POETIC_FORMS[word] : undefined;
  if (poetic) return pronunciations(poetic);
  const direct = pronunciations(word);
  if (direct) return direct;
  // "belov'd" sounds like the non-syllabic "beloved"; "mak'st" like "make" + "st".
  const elided = /^(.+)'(d|st|s)$/.exec(word);
  if (elided) {
    const [, base, suffix] = elided;
    if (suffix === 'd') {
      const withEd = pronunciations(`${base}ed`);
      if (withEd) return [withEd.reduce((a, b) => (syllables(b) < syllables(a) ? b : a))];
    }
    const stem = pronunciations(base) ?? pronunciations(`${base}e`);
    if (stem) return stem.map((phones) => [...phones, ...(suffix === 'st' ? ['S', 'T'] : suffix === 's' ? ['Z'] : ['D'])]);
  }
  if (word.includes("'")) return pronunciations(word.replace(/'/g, ''));
  return archaicVerb(word) ?? withoutPrefix(word);
}

/** "viewest", "gazeth": the archaic verb endings, an unstressed syllable after the stem. */
function archaicVerb(word: string): string[][] | undefined {
  const match = /^(.{2,}?)(e?st|e?th)$/.exec(word);
  if (!match) return undefined;
  const [, stem, ending] = match;
  const found = pronunciations(stem) ?? pronunciations(`${stem}e`);
  if (!found) return undefined;
  const tail = ending.endsWith('st') ? ['S', 'T'] : ['TH'];
  return found.map((phones) => [...phones, 'AH0', ...tail]);
}

const PREFIXES = ['over', 'under', 'out', 'fore', 'with', 'mis', 'dis', 'un', 're', 'up', 'be', 'in', 'en'];

/** "uprear" rhymes like "rear", "unprovident" like "provident". */
function withoutPrefix(word: string): string[][] | undefined {
  for (const prefix of PREFIXES) {
    if (word.length - prefix.length < 3 || !word.startsWith(prefix)) continue;
    const found = pronunciations(word.slice(prefix.length));
    if (found) return found;
  }
  return undefined;
}

function syllables(phones: readonly string[]): number {
  return phones.filter(isVowelPhone).length;
}

function endingOf(phones: readonly string[]): RhymeEnding {
  let lastVowel = -1;
  let lastStressed = -1;
  for (let i = 0; i < phones.length; i++) {
    if (!isVowelPhone(phones[i])) continue;
    lastVowel = i;
    if (!phones[i].endsWith('0')) lastStressed = i;
  }
  if (lastVowel < 0) {
    const all = phones.join(' ');
    return { strict: all, vowel: '', stressed: false, coda: all };
  }
  // Unstressed monosyllables ("the", "a") rhyme on their only vowel.
  const from = lastStressed >= 0 ? lastStressed : lastVowel;
  // Unstressed AH and IH are both the reduced vowel ("graces" rhymes with "faces"), and before
  // r the dictionary writes one vowel two ways ("here" IY R, "near" IH R).
  const bare = phones.map((p, i) => (p === 'IH0' ? 'AH' : p.startsWith('IY') && phones[i + 1] === 'R' ? 'IH' : p.replace(/\d$/, '')));
  const coda = bare.slice(lastVowel + 1);
  // The r-coloured vowel is a vowel plus r, so "convert" ends in "r t" like "art".
  if (bare[lastVowel] === 'ER') coda.unshift('R');
  return {
    strict: bare.slice(from).join(' '),
    vowel: bare[lastVowel],
    stressed: !phones[lastVowel].endsWith('0'),
    coda: coda.join(' '),
  };
}

/**
 * Spelling key: from the last vowel group to the end, where a final silent e belongs with the
 * vowel before it ("time" → "ime", "undergrowth" → "owth", "spring" → "ing").
 */
function spellingKey(word: string): string {
  const letters = word.replace(/[^\p{L}]/gu, '');
  const silentE = /[aeiouy][^aeiouy]+e$/.test(letters) && letters.length > 3;
  const body = silentE ? letters.slice(0, -1) : letters;
  const match = /[aeiouy]+[^aeiouy]*$/.exec(body);
  if (!match) return letters;
  return silentE ? `${match[0]}e` : match[0];
}
