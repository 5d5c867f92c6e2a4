/**
 * What form-keeping decoding needs in the worker, built on first use so that loading a model
 * pays nothing for it: the pronouncing dictionary (syllables and rhymes), a word-frequency list
 * (which rhymes are real, common words), the vocabulary index, and per-partner rhyme tries.
 */
import type { LanguageModel } from '../model/languageModel';
import type { SteeringContext } from './formSteering';
import { buildTokenTrie, type TrieEntry, type TrieNode } from '../tokens/tokenTrie';
import { VocabularyIndex } from '../tokens/vocabularyIndex';
import { hashText } from '../../writing/prompts/ghost/completionCache';
import { planLine, type LinePlan, type PlanOptions } from '../../writing/verse/lines/linePlan';
import { loadPinyin } from '../../writing/verse/chinese/hanziRhyme';
import { loadPronouncingDictionary } from '../../writing/verse/sound/pronouncingDictionary';
import type { RhymeKey } from '../../writing/verse/sound/rhyme';
import { loadRhymeLexicon, type RhymeLexicon } from '../../writing/verse/sound/rhymeLexicon';

/** Rhyme tries kept per model (one per rhyme sound a poem has used recently). */
const TRIE_CACHE = 64;
/** Rhyming words offered per line, commonest first. */
const RHYME_CANDIDATES = 250;
/** Line endings whose rhymes were counted, kept per model. */
const ANSWERABLE_CACHE = 4096;
/** Rhyming characters offered: a rhyme group's common characters, all of them (a few hundred). */
const HAN_CANDIDATES = 1000;
const CLAUSE_MARKS = ['，', '。', '！', '？', '；'];
const LINE_END = /[\n。，！？；]/;
/** Plans kept, keyed by the text before the line in progress (as much of it as the line's form reads) and the request's formContext. */
const PLAN_CACHE = 16;
const PLAN_KEY_CHARS = 3200;

type Model = Pick<LanguageModel, 'pieces' | 'encodeContinuation' | 'eosIds'>;

export class FormResources {
  private vocab: VocabularyIndex | null = null;
  private marks: TrieNode | null = null;
  private readonly tries = new Map<string, TrieNode | null>();
  private rhymeLexicon: RhymeLexicon | null = null;
  private readonly plans = new Map<string, LinePlan>();
  private readonly answerable = new Map<string, boolean>();

  constructor(private readonly model: Model) {}

  /**
   * Loads what a constraint needs; the first call with rhyme on takes ~0.2 s (dictionary and
   * index, as shipped; ~1.3 s before they were texts). Chinese verse (`cjk`) also needs
   * pinyin-pro (its rhymes, and which of its lines rhyme) and, in rhyme mode, the common
   * characters by rhyme group: ~1 s more the first time.
   */
  async prepare(rhyme: boolean, cjk = false): Promise<void> {
    await loadPronouncingDictionary();
    if (cjk) await loadPinyin();
    if (rhyme) this.rhymeLexicon = await loadRhymeLexicon({ han: cjk });
    this.vocabulary();
  }

  /** The vocabulary index alone (a prose paragraph's steering needs no dictionary). */
  vocabulary(): VocabularyIndex {
    return (this.vocab ??= new VocabularyIndex(this.model.pieces));
  }

  context(): SteeringContext {
    if (!this.vocab) throw new Error('FormResources.prepare() must finish before context().');
    return {
      vocab: this.vocab,
      eosIds: this.model.eosIds,
      plan: (text, options) => this.plan(text, options),
      spell: (text, atLineStart) => this.spell(text, atLineStart),
      rhymeTrie: (partner) => this.rhymeTrie(partner),
      canAnswer: (key) => this.canAnswer(key),
      clauseMarks: () => (this.marks ??= buildTokenTrie(CLAUSE_MARKS.map((m) => ({ ids: this.model.encodeContinuation(m) ?? [], word: m, syllables: 1 })))),
    };
  }

  /**
   * Plans the line at the end of `text`. The plan does not depend on the words of the line in
   * progress, only on the lines before it, so ghost text typed within a line plans once
   * (analysing a 2000-character window costs a few milliseconds).
   */
  private plan(text: string, options: PlanOptions = { rhyme: true }): LinePlan {
    let end = text.length;
    while (end > 0 && !LINE_END.test(text[end - 1]!)) end--;
    // The document before the cursor counts too (rhyme mode's guess at a first stanza): up to its
    // last line break, so that typing within a line still plans once.
    const context = options.context ? hashText(options.context.slice(0, options.context.lastIndexOf('\n') + 1)) : '';
    const key = `${options.rhyme ? 1 : 0}${options.chorus ?? ''}${options.cjk ?? ''}${context}\u0000${end < text.length ? 1 : 0}${text.slice(Math.max(0, end - PLAN_KEY_CHARS), end)}`;
    const hit = this.plans.get(key);
    if (hit) return hit;
    let plan = planLine(text, options);
    // A Chinese rhyme is offered in the poem's script (a traditional poem gets 還, not 还).
    const hanzi = this.rhymeLexicon?.hanzi;
    if (plan.rhymeWith?.han && hanzi) plan = { ...plan, rhymeWith: { ...plan.rhymeWith, script: hanzi.scriptOf(text) ?? undefined } };
    this.plans.set(key, plan);
    if (this.plans.size > PLAN_CACHE) this.plans.delete(this.plans.keys().next().value!);
    return plan;
  }

  /**
   * Tokens for `text` where it goes. At a line start it is spelled after a line break (whose
   * tokens are dropped), so that the tokenizer does not glue it to a word before it.
   */
  private spell(text: string, atLineStart: boolean): number[] | null {
    if (!atLineStart) return this.model.encodeContinuation(text);
    const ids = this.model.encodeContinuation(`\n${text}`);
    if (!ids) return null;
    const pieces = this.model.pieces;
    let i = 0;
    while (i < ids.length && /^\n+$/.test(pieces[ids[i]!] ?? '')) i++;
    // A line break merged into the text's first token cannot be split off.
    return i > 0 ? ids.slice(i) : null;
  }

  /** RhymeLexicon.canAnswer, kept per word (true without a lexicon). */
  private canAnswer(key: RhymeKey): boolean {
    const lexicon = this.rhymeLexicon;
    if (!lexicon) return true;
    let answered = this.answerable.get(key.word);
    if (answered === undefined) {
      answered = lexicon.canAnswer(key);
      if (this.answerable.size >= ANSWERABLE_CACHE) this.answerable.clear();
      this.answerable.set(key.word, answered);
    }
    return answered;
  }

  private rhymeTrie(partner: RhymeKey): TrieNode | null {
    const lexicon = this.rhymeLexicon;
    if (!lexicon) return null;
    const key = `${partner.key}\u0000${partner.word}\u0000${partner.script ?? ''}`;
    if (this.tries.has(key)) {
      const hit = this.tries.get(key)!;
      this.tries.delete(key);
      this.tries.set(key, hit);
      return hit;
    }
    const entries: TrieEntry[] = [];
    for (const c of lexicon.candidates(partner, partner.han ? HAN_CANDIDATES : RHYME_CANDIDATES)) {
      // A Chinese character follows the one before it with no space.
      const ids = this.model.encodeContinuation(partner.han ? c.word : ` ${c.word}`);
      if (ids?.length) entries.push({ ids, word: c.word, syllables: c.syllables });
    }
    const trie = entries.length ? buildTokenTrie(entries) : null;
    this.tries.set(key, trie);
    if (this.tries.size > TRIE_CACHE) this.tries.delete(this.tries.keys().next().value!);
    return trie;
  }
}
