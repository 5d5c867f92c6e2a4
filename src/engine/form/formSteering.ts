/**
 * Form-keeping decoding: shapes each row of logits so that a continuation keeps the poem's
 * form. Line length: the line break is suppressed well before the line's target length, boosted
 * near it, and once the target is met no new word may start. Stanzas: a blank line where the
 * form's stanza ends and none inside one. Rhyme: when the scheme says a line rhymes with an
 * earlier one, its last word is drawn from a trie of the partner's rhymes as the model spells
 * them, backing off to free sampling when none fits. CJK text counts characters and ends a line
 * at a clause mark.
 *
 * The state is read from the text each step (the line in progress, its length), so that the
 * only things carried between steps are positions in a trie and short counters; a row's state
 * clones cheaply for beam search.
 */
import type { RowShaping, Shaping } from './shaping';
import type { FormConstraint } from '../../common/generation';
import type { VocabularyIndex } from '../tokens/vocabularyIndex';
import { ban, banNewWords, boost, keepOnly, probabilityMass } from '../decode/logitShaping';
import { syllableMask, type TrieNode } from '../tokens/tokenTrie';
import { completedLines, lengthBand, lineEnds, lineInProgress, lineLength, type LinePlan, type PlanOptions } from '../../writing/verse/lines/linePlan';
import { lineWords } from '../../writing/verse/lines/lineWords';
import { lineRhymeKey, type RhymeKey } from '../../writing/verse/sound/rhyme';
import { endsWithBlankLine, isWeakEnding, isWholeWord, lastWord, lineRhymesWith, opensRhymeWell } from '../../writing/verse/lines/lineEnding';

/** What the steering needs from the model and the poem. */
export interface SteeringContext {
  vocab: VocabularyIndex;
  eosIds: ReadonlySet<number>;
  /** Plans the line being written at the end of a text. */
  plan(text: string, options?: PlanOptions): LinePlan;
  /**
   * The tokens that spell `text` where it goes: at the start of a line, or after the text of
   * one. Absent, or null for a text the tokenizer cannot spell there: refrains are left to the model.
   */
  spell?(text: string, atLineStart: boolean): number[] | null;
  /** Words rhyming with `partner` as the model spells them mid-line; null when there are none. */
  rhymeTrie(partner: RhymeKey): TrieNode | null;
  /**
   * Whether a later line could answer a line ending on `key` with a rhyme (the lexicon has a few
   * for it). Absent: every ending could.
   */
  canAnswer?(key: RhymeKey): boolean;
  /** CJK clause marks (，。！？；) as the model spells them. */
  clauseMarks(): TrieNode;
}

/** Logit added to line breaks once a line is long enough, and once it has reached its target. */
export const NEAR_BOOST = 2;
export const FAR_BOOST = 6;
/**
 * Tokens a word may still take after the target is reached before the line break is forced: a
 * few for an ending, more for a word the dictionary does not know yet (a small vocabulary spells
 * long words in many pieces).
 */
const OVER_TOKENS = 3;
const OVER_TOKENS_UNFINISHED = 8;
/** Within this many tokens of the budget's end the line in progress is closed. */
const CLOSING_TOKENS = 6;
/** Punctuation tokens allowed in a row where the line must end or rhyme. */
const PUNCTUATION_RUN = 2;
/** Rhyme mode backs off when the model gives all fitting rhymes less than this probability. */
export const MIN_RHYME_MASS = 1e-4;
/**
 * Logit added to the rhymes that fit when the line has room for one more word or a rhyme, so
 * that a rhyme the model finds plausible there is taken then, not forced a word later after the
 * clause has closed (when the model gives every rhyme too little to take one: a back-off, or a
 * word tacked on after the full stop). Chosen on the tuning files with Inkling's own model
 * (bench/EVAL-FORM.md): 0 / 2 / 4 / 6 / 8 / 12 kept the poem's own scheme 57.2 / 64.0 / 70.7 /
 * 72.7 / 75.4 / 76.8 %, perplexity 20.3 / 21.1 / 20.9 / 21.4 / 21.7 / 22.7.
 */
export const RHYME_NUDGE = 8;

/** A line ending in a letter and a lone hyphen: a compound's first half. */
const HYPHEN_JOINT = /\p{L}-$/u;
/** A compound's second half being written (up to a dozen letters after a word's hyphen). */
const COMPOUND_IN_PROGRESS = /\p{L}-(\p{L}{0,12})$/u;
/** A line ending in a letter and an apostrophe. */
const APOSTROPHE_END = /\p{L}['\u2019]$/u;
/** A line ending in a mark that closes a sentence or clause (and any quotes or brackets after it). */
const CLAUSE_CLOSED = /[.!?;:…]['"\u2019\u201d)\]]*\s*$/u;
/** A single quote opening before a word. */
const OPENING_QUOTE = /(^|[\s(\[—-])['\u2018](?=\p{L})/u;

/** Per request: the constraint, the prompt's last line, and the plan for the first line. */
export class FormSteering implements Shaping {
  readonly head: string;
  readonly firstPlan: LinePlan;
  /** False when line length, stanzas and rhyme are all off: only `lines` applies (plain sampling, stopped after N lines). */
  readonly shapes: boolean;
  /** CJK verse whose lines end in clause marks (classical verse) ends each clause with one; other CJK verse ends lines with a newline. */
  readonly clausesEndInMarks: boolean;
  /** The prompt ends a word in an apostrophe somewhere (an elision, "o'", "a'", or a closing quote): the model may too. */
  readonly wordsEndInApostrophes: boolean;
  planOptions: PlanOptions;
  private spaceSet: Set<number> | null = null;

  constructor(
    readonly ctx: SteeringContext,
    readonly constraint: FormConstraint,
    readonly prompt: string,
    /** The document before the cursor (the request's `formContext`), for what the prompt alone does not show. */
    formContext?: string,
  ) {
    this.planOptions = { rhyme: true, chorus: constraint.chorus, ...(formContext ? { context: formContext } : {}) };
    const plan = ctx.plan(prompt, this.planOptions);
    // A Chinese poem stays one however the model goes on (a model that knows no Chinese writes English words).
    this.planOptions = { ...this.planOptions, cjk: plan.unit === 'character' || undefined };
    this.head = lineInProgress(prompt, plan.unit);
    const target = constraint.firstLineLength;
    let rhymeWith = plan.rhymeWith;
    if (constraint.firstLineRhyme !== undefined) rhymeWith = constraint.firstLineRhyme === null ? null : lineRhymeKey(constraint.firstLineRhyme);
    this.firstPlan = { ...plan, target: target && target > 0 ? Math.round(target) : plan.target, rhymeWith: constraint.rhyme ? rhymeWith : null };
    this.shapes = constraint.lineLength !== false || constraint.stanzas !== false || constraint.rhyme === true;
    const lastLine = prompt.split('\n').filter((l) => l.trim()).pop() ?? '';
    this.clausesEndInMarks = /[。，！？；][」』”’）)\]】》〉]*\s*$/.test(lastLine);
    this.wordsEndInApostrophes = /\p{L}['\u2019](?![\p{L}\p{N}])/u.test(prompt);
  }

  row(): RowSteering {
    return new RowSteering(this);
  }

  /** Pieces of spaces only (indentation), as a set. */
  spaceIds(): Set<number> {
    return (this.spaceSet ??= new Set(this.ctx.vocab.spaces));
  }
}

interface RhymeEntry {
  /** Fitting first tokens of the rhyme word. */
  roots: Set<number>;
  mask: number;
}

/** One sequence's steering state. */
export class RowSteering implements RowShaping {
  private plan: LinePlan;
  private lines = 0;
  private rhymeRoot: TrieNode | null = null;
  /** Inside the rhyme word: the trie node reached and the syllable window it must land in. */
  private node: TrieNode | null = null;
  private nodeMask = 0;
  /** Rhyme roots offered this step; choosing one enters the trie. */
  private offered: RhymeEntry | null = null;
  private backedOff = false;
  /** The rhyme word is written: only punctuation and the line break may follow. */
  private closing = false;
  private overTokens = 0;
  private punctuationRun = 0;
  /** Progress through a multi-token CJK clause mark. */
  private markNode: TrieNode | null = null;
  /** Tokens in a row after which the text ended in U+FFFD (a character's bytes still arriving, or invalid ones). */
  private pendingBytes = 0;
  /** Tokens spelling a refrain or label, and how many of them are written; null when none is being spelled. */
  private forced: number[] | null = null;
  private forcedAt = 0;
  /** The refrain (or label) of this line is written: only the line end may follow. */
  private refrainDone = false;
  /** The model refused a token of the refrain (it gave it no chance at all): the line goes on freely. */
  private refrainDropped = false;
  /** The line being shaped ends in a letter: a lone hyphen or apostrophe would leave it half a word. */
  private afterLetter = false;
  /** An apostrophe may close the line's last word: the poem ends words with them, or a quote opened in the line. */
  private apostropheOk = false;

  constructor(private readonly steering: FormSteering) {
    this.plan = steering.firstPlan;
    this.startLine();
  }

  clone(): RowSteering {
    const copy = Object.create(RowSteering.prototype) as RowSteering;
    Object.assign(copy, this);
    return copy;
  }

  /**
   * Shapes one row of logits in place, given the text generated so far and how many tokens the
   * budget still allows (near its end the line closes rather than run off mid-line).
   */
  shape(logits: Float32Array, text: string, tokensLeft = Infinity): void {
    const { ctx, constraint, head } = this.steering;
    if (!this.steering.shapes) return;
    this.sync(text);
    const plan = this.plan;
    const full = head + text;
    const line = lineInProgress(full, plan.unit);
    const atLineStart = !/[\p{L}\p{N}]/u.test(line);
    this.afterLetter = /\p{L}$/u.test(line);
    // A quote opened in the line may close after its last word ("'Come home'").
    this.apostropheOk = this.steering.wordsEndInApostrophes || OPENING_QUOTE.test(line);
    // A line is never left unfinished by the end of the text.
    if (!atLineStart) for (const id of ctx.eosIds) logits[id] = -Infinity;
    if (tokensLeft <= CLOSING_TOKENS && this.closeBeforeBudget(logits, text, atLineStart, tokensLeft)) return;
    if (plan.unit === 'character') return this.shapeClause(logits, text, full, line, atLineStart);
    if (this.insideCharacter(text)) return; // let a multi-byte character finish

    const v = ctx.vocab;
    if (this.forced && this.forcedAt < this.forced.length) {
      const id = this.forced[this.forcedAt]!;
      keepOnly(logits, (t) => t === id, [id]);
      return;
    }
    if (atLineStart) {
      const breakWanted = constraint.stanzas !== false && plan.needsStanzaBreak && !endsWithBlankLine(this.steering.prompt, text);
      if (breakWanted) keepOnly(logits, (id) => v.newlines[id]! > 0, v.lineBreaks.concat(v.blankLines));
      else {
        ban(logits, v.lineBreaks.concat(v.blankLines));
        if (!this.startRefrain(logits, line, text) && constraint.lineLength !== false) this.shapeIndent(logits, line);
      }
      return;
    }
    const used = lineLength(line, 'syllable');
    // A line does not end on half a word: a compound's hyphen ("night ere-", "Thou the-"), or an
    // apostrophe in a poem that ends no word with one ("lightweight'"). Its word may go on.
    const halfWord = HYPHEN_JOINT.test(line) || (!this.apostropheOk && APOSTROPHE_END.test(line));
    const endsInWord = halfWord || /[\p{L}\p{N}'\u2019]$/u.test(line);
    const blankAllowed = constraint.stanzas !== false && plan.endsStanza;
    if (!blankAllowed) ban(logits, v.blankLines);
    if (halfWord) ban(logits, v.lineBreaks.concat(v.blankLines));
    // A compound's second half follows its hyphen at once and is finished before anything else
    // comes: "summer- air", "sea-," and "a light-w firefly" (a rhyme let in mid-word) are slips.
    const compound = COMPOUND_IN_PROGRESS.exec(line);
    if (compound && !isWholeWord(compound[1]!)) keepOnly(logits, (id) => v.startsWithLetter[id] === 1, []);
    if (this.refrainDone) {
      // Word for word: not even a mark after it ("[Chorus]." is no label).
      this.keepLineEnd(logits, blankAllowed, false);
      return;
    }
    if (plan.refrain && !plan.refrain.whole && constraint.lineLength !== false && this.shapeTail(logits, line, used, endsInWord)) return;

    if (this.closing) {
      this.keepLineEnd(logits, blankAllowed);
      return;
    }
    if (this.node) {
      this.shapeInsideRhyme(logits, blankAllowed);
      return;
    }
    const target = constraint.lineLength === false ? null : plan.target;
    if (this.rhymeRoot && !this.backedOff && target !== null && !lineRhymesWith(line, plan.rhymeWith!)) {
      if (this.shapeTowardRhyme(logits, line, used, target, endsInWord)) return;
    }
    if (target === null) {
      if (constraint.lineLength !== false && plan.range) this.shapeRange(logits, line, used, plan.range, endsInWord, blankAllowed);
      return;
    }
    const { low, high } = lengthBand(target);
    // A line that would end on "the" or "of" takes one more word while the band allows it; so
    // does a line a later one is to rhyme with that would end on a word with (almost) no rhymes
    // ("window", "lesson") or on a sound the stanza has used.
    const weakEnding = used < high && (isWeakEnding(lastWord(line)) || (used >= low && this.poorOpening(line)));
    if (used < low || weakEnding) {
      ban(logits, v.lineBreaks.concat(v.blankLines));
      // Nor may it close its sentence there, only to tack a word on after the full stop ("to
      // me, my.—Del"): a comma at most, then a new word. An apostrophe after a letter is no mark
      // but a word being spelled ("that'|s", "cataract'|s"): it goes on, and only a poem that ends
      // words in apostrophes ("o'", "ne'er" as "ne'") may start a new word there ("that' is" is a slip).
      if (weakEnding && used >= low) {
        if (this.afterLetter) ban(logits, v.clauseClosers);
        else if (APOSTROPHE_END.test(line)) keepOnly(logits, (id) => v.startsWithLetter[id] === 1 || (this.apostropheOk && v.startsWord[id] === 1), []);
        else if (/\p{P}$/u.test(line)) keepOnly(logits, (id) => v.startsWord[id] === 1, []);
      }
    } else if (used < target) boost(logits, v.lineBreaks, NEAR_BOOST);
    else {
      boost(logits, v.lineBreaks, FAR_BOOST);
      if (blankAllowed) boost(logits, v.blankLines, FAR_BOOST);
      // A word still being spelled ("arou|") may finish; a whole one may take an ending ("walk|ing").
      const unfinished = endsInWord && !isWholeWord(lastWord(line));
      if (this.overTokens >= (unfinished ? OVER_TOKENS_UNFINISHED : OVER_TOKENS)) this.keepLineEnd(logits, blankAllowed);
      else {
        banNewWords(logits, v, endsInWord);
        this.banHalfWords(logits);
      }
    }
  }

  /**
   * Rhyme mode, a line that opens a rhyme (LinePlan.opensRhyme): whether it would end on a word a
   * later line could hardly answer, or on a sound the stanza has already used.
   */
  private poorOpening(line: string): boolean {
    const { ctx, constraint } = this.steering;
    if (constraint.rhyme !== true || !this.plan.opensRhyme) return false;
    // A sentence closed after the word: more words would be tacked on past it ("me. [Ex").
    if (CLAUSE_CLOSED.test(line)) return false;
    return !opensRhymeWell(line, this.plan.takenRhymes ?? [], (key) => ctx.canAnswer?.(key) !== false);
  }

  /** Records the chosen token; `text` is the generated text including it. */
  accept(token: number, text: string): void {
    if (!this.steering.shapes) return;
    const v = this.steering.ctx.vocab;
    if (this.forced && this.forcedAt < this.forced.length) {
      // The model can only refuse a forced token when it gives it no chance at all: then the refrain is dropped.
      if (token === this.forced[this.forcedAt]) this.forcedAt++;
      else {
        this.forced = null;
        this.refrainDropped = true;
      }
      if (this.forced && this.forcedAt === this.forced.length) this.refrainDone = true;
    }
    if (this.node) {
      const child = this.node.children.get(token);
      if (child) this.node = child;
      else {
        this.closing = this.node.word !== null;
        this.node = null;
      }
    } else if (this.offered?.roots.has(token)) {
      this.node = this.rhymeRoot!.children.get(token)!;
      this.nodeMask = this.offered.mask;
    }
    this.offered = null;
    this.punctuationRun = v.punctuation[token] ? this.punctuationRun + 1 : 0;
    this.pendingBytes = text.endsWith('\uFFFD') ? this.pendingBytes + 1 : 0;
    const unit = this.plan.unit;
    if (unit === 'character') {
      const marks = this.steering.ctx.clauseMarks();
      this.markNode = this.markNode?.children.get(token) ?? marks.children.get(token) ?? null;
    }
    const limit = this.plan.target ?? this.plan.range?.high ?? null;
    if (limit !== null && lineLength(lineInProgress(this.steering.head + text, unit), unit) >= limit) this.overTokens++;
  }

  /**
   * Where to cut `text` once it holds the lines asked for (after the last line's clause mark in
   * CJK text, before its newline otherwise), or null to go on.
   */
  stopAt(text: string): string | null {
    const wanted = this.steering.constraint.lines;
    if (!wanted || wanted < 1) return null;
    const ends = lineEnds(this.steering.head, text, this.plan.unit);
    if (ends.length < wanted) return null;
    const cut = text.slice(0, ends[wanted - 1]);
    return cut.endsWith('\n') ? cut.slice(0, -1) : cut;
  }

  /**
   * The text ends inside a multi-byte character whose bytes are still coming. A UTF-8 character
   * has at most three bytes after its first; a longer run of U+FFFD is bytes that never make a
   * character, and steering must not wait for them.
   */
  private insideCharacter(text: string): boolean {
    return text.endsWith('\uFFFD') && this.pendingBytes < 4;
  }

  /**
   * The token budget is nearly spent: a new line is not begun (the text ends here), and the
   * line in progress is closed — its word may finish for a few tokens, the last one is the break
   * (a clause mark in CJK verse, spelled through the marks' trie). Returns true when it shaped.
   */
  private closeBeforeBudget(logits: Float32Array, text: string, atLineStart: boolean, tokensLeft: number): boolean {
    const { ctx } = this.steering;
    const v = ctx.vocab;
    const eos = [...ctx.eosIds];
    if (atLineStart) {
      // Only once a line has been written: a continuation never ends before its first line.
      if (eos.length === 0 || this.lines === 0) return false;
      keepOnly(logits, (id) => ctx.eosIds.has(id), eos);
      return true;
    }
    if (this.plan.unit === 'character') {
      const marks = ctx.clauseMarks();
      const next = this.markNode && this.markNode.children.size ? [...this.markNode.children.keys()] : this.insideCharacter(text) ? null : [...marks.children.keys(), ...v.lineBreaks];
      if (!next) return false;
      const allowed = new Set(next);
      keepOnly(logits, (id) => allowed.has(id), next);
      return true;
    }
    if (this.insideCharacter(text)) return false;
    if (tokensLeft <= 1) {
      keepOnly(logits, (id) => v.newlines[id] === 1, v.lineBreaks);
      return true;
    }
    boost(logits, v.lineBreaks, FAR_BOOST);
    banNewWords(logits, v, /[\p{L}\p{N}'\u2019]$/u.test(text));
    ban(logits, v.blankLines);
    return true;
  }

  /** A line completed since the last step: plan the next one from the poem as it now stands. */
  private sync(text: string): void {
    const done = completedLines(this.steering.head, text, this.plan.unit);
    if (done === this.lines) return;
    this.lines = done;
    const { prompt, constraint, ctx } = this.steering;
    const plan = ctx.plan(prompt + text, this.steering.planOptions);
    const first = this.steering.firstPlan;
    // The prompt says what a line is counted in; lines the model wrote in another script do not change that.
    const counted = plan.unit === first.unit ? plan : { ...plan, unit: first.unit, target: first.target };
    this.plan = { ...counted, rhymeWith: constraint.rhyme ? plan.rhymeWith : null };
    this.startLine();
  }

  private startLine(): void {
    this.rhymeRoot = this.plan.rhymeWith ? this.steering.ctx.rhymeTrie(this.plan.rhymeWith) : null;
    this.node = null;
    this.offered = null;
    this.backedOff = false;
    this.closing = false;
    this.overTokens = 0;
    this.forced = null;
    this.forcedAt = 0;
    this.refrainDone = false;
    this.refrainDropped = false;
  }

  /**
   * A line that is a refrain (or a song's section label) is spelled word for word from its
   * start, with its indentation. Returns true when it began spelling (the row is shaped).
   */
  private startRefrain(logits: Float32Array, line: string, text: string): boolean {
    const plan = this.plan;
    const spell = this.steering.ctx.spell;
    if (!plan.refrain?.whole || !spell || this.refrainDone || this.refrainDropped) return false;
    // A section label opens a new stanza: without the blank line before it (ghost text leaves stanzas alone), none is written.
    if (plan.label && plan.needsStanzaBreak && !endsWithBlankLine(this.steering.prompt, text)) {
      this.refrainDropped = true;
      return false;
    }
    // Only what is not yet on the line: indentation the writer (or the model) already typed stays.
    const wanted = (plan.indent ?? '') + plan.refrain.text;
    const rest = wanted.startsWith(line) ? wanted.slice(line.length) : plan.refrain.text;
    return this.forceSpelling(logits, rest ? spell(rest, line === '') : null);
  }

  /** Spells `ids` from here on, starting with this row; none (the words cannot be spelled): the refrain is dropped. */
  private forceSpelling(logits: Float32Array, ids: number[] | null | undefined): boolean {
    if (!ids?.length) {
      this.refrainDropped = true;
      return false;
    }
    this.forced = ids;
    this.forcedAt = 0;
    const id = ids[0]!;
    keepOnly(logits, (t) => t === id, [id]);
    return true;
  }

  /**
   * A line whose position ends in a refrain phrase ("an' a' that"): it may not end before the
   * phrase, and once its words leave just room for the phrase, the phrase is spelled.
   * Returns true when it shaped the row.
   */
  private shapeTail(logits: Float32Array, line: string, used: number, endsInWord: boolean): boolean {
    const v = this.steering.ctx.vocab;
    const tail = this.plan.refrain!.text;
    const spell = this.steering.ctx.spell;
    if (!spell || this.refrainDropped) return false;
    if (endsWithWords(line, tail)) {
      this.refrainDone = true;
      this.keepLineEnd(logits, this.steering.constraint.stanzas !== false && this.plan.endsStanza, false);
      return true;
    }
    const target = this.plan.target ?? this.plan.range?.high ?? null;
    const room = target === null ? 0 : target - used;
    // A word being spelled finishes before the phrase, within the allowance a word past the length gets.
    const atWordEnd = !endsInWord || isWholeWord(lastWord(line)) || this.overTokens >= OVER_TOKENS_UNFINISHED;
    if (room > lineLength(tail, 'syllable') || !atWordEnd) {
      ban(logits, v.lineBreaks.concat(v.blankLines));
      return true;
    }
    return this.forceSpelling(logits, spell(/\s$/.test(line) ? tail : ` ${tail}`, false));
  }

  /**
   * At the start of a line, its indentation: spaces up to the plan's indent, then a word with no
   * further space; a line at an unindented position starts at the margin.
   */
  private shapeIndent(logits: Float32Array, line: string): void {
    const want = (this.plan.indent ?? '').length;
    const v = this.steering.ctx.vocab;
    const have = /^[ \t]*/.exec(line)![0].length;
    if (have !== line.length) return; // a quotation mark or dash already opened the line
    const room = want - have;
    if (room <= 0) {
      keepOnly(logits, (id) => v.leadingSpaces[id] === 0 && v.newlines[id] === 0, []);
      return;
    }
    // Spaces that leave room, or a word whose own leading space completes the indentation.
    const spaces = this.steering.spaceIds();
    keepOnly(logits, (id) => v.newlines[id] === 0 && ((spaces.has(id) && v.leadingSpaces[id]! <= room) || v.leadingSpaces[id] === room), v.spaces);
  }

  /**
   * Free verse: no target, but the poem's own spread — the line may not end before its shortest
   * lines' length, and past its longest it closes as a line past its target does.
   */
  private shapeRange(logits: Float32Array, line: string, used: number, range: { low: number; high: number }, endsInWord: boolean, blankAllowed: boolean): void {
    const v = this.steering.ctx.vocab;
    if (used < range.low) {
      ban(logits, v.lineBreaks.concat(v.blankLines));
      return;
    }
    if (used < range.high) return;
    boost(logits, v.lineBreaks, FAR_BOOST);
    if (blankAllowed) boost(logits, v.blankLines, FAR_BOOST);
    const unfinished = endsInWord && !isWholeWord(lastWord(line));
    if (this.overTokens >= (unfinished ? OVER_TOKENS_UNFINISHED : OVER_TOKENS)) this.keepLineEnd(logits, blankAllowed);
    else banNewWords(logits, v, endsInWord);
  }

  /**
   * Before the rhyme word: free words while there is room for more than one, then only words
   * that rhyme and fit the line (or back off). Returns true when it shaped the row itself.
   */
  private shapeTowardRhyme(logits: Float32Array, line: string, used: number, target: number, endsInWord: boolean): boolean {
    const v = this.steering.ctx.vocab;
    const room = target - used;
    const { low, high } = lengthBand(target);
    const lineEnds = v.lineBreaks.concat(v.blankLines);
    let mask = syllableMask(low - used, high - used);
    let roots = fittingRoots(this.rhymeRoot!, mask);
    if (room > 2 || (room === 2 && roots.size === 0)) {
      // The line cannot end until it rhymes.
      ban(logits, lineEnds);
      return true;
    }
    if (room === 2) {
      // Either another free word or a rhyme that fits: the model chooses, nudged toward the rhyme.
      ban(logits, lineEnds);
      boost(logits, [...roots], RHYME_NUDGE);
      this.offered = { roots, mask };
      return true;
    }
    if (roots.size === 0) {
      // Nothing fits the length: a rhyme that overruns it still beats no rhyme.
      mask = syllableMask(1, 31);
      roots = fittingRoots(this.rhymeRoot!, mask);
    }
    // A word still being spelled ("aga|in", "don|'t": not a word yet, or the model would rather go
    // on spelling it) may finish first, and the model's wish to finish it says nothing about the
    // rhymes; a whole word may not be extended into another. Not for ever: past the allowance the
    // plain length rule gives (OVER_TOKENS_UNFINISHED), the word stops where it is. A model that
    // always would rather go on spelling (a babbling one; a random-weight model wrote one "word"
    // of 287 tokens) otherwise held the line open until the budget ran out.
    const unfinished = endsInWord && this.overTokens < OVER_TOKENS_UNFINISHED && (!isWholeWord(lastWord(line)) || probabilityMass(logits, (id) => v.startsWithLetter[id] === 1) > 0.5);
    if (roots.size === 0 || (!unfinished && probabilityMass(logits, (id) => roots.has(id)) < MIN_RHYME_MASS)) {
      this.backedOff = true;
      return false;
    }
    this.offered = { roots, mask };
    // A comma or a dash may come before the rhyme, not a full stop: the rhyme would then begin a
    // sentence in lower case ("I am happy. willow?").
    const punctuationOk = this.punctuationRun < PUNCTUATION_RUN && endsInWord;
    keepOnly(logits, (id) => roots.has(id) || (unfinished && v.startsWithLetter[id] === 1) || (punctuationOk && v.punctuation[id] === 1 && v.closesSentence[id] === 0), [...roots]);
    this.banHalfWords(logits);
    return true;
  }

  private shapeInsideRhyme(logits: Float32Array, blankAllowed: boolean): void {
    const v = this.steering.ctx.vocab;
    const node = this.node!;
    let children = [...node.children].filter(([, c]) => (c.reach & this.nodeMask) !== 0).map(([id]) => id);
    if (children.length === 0) children = [...node.children.keys()];
    const allowed = new Set(children);
    if (node.word !== null) {
      for (const id of v.lineBreaks) allowed.add(id);
      if (blankAllowed) for (const id of v.blankLines) allowed.add(id);
    }
    const endOk = node.word !== null;
    keepOnly(logits, (id) => allowed.has(id) || (endOk && v.punctuation[id] === 1), [...allowed]);
    if (endOk) this.banHalfWords(logits);
  }

  /**
   * Where a line should close (at its length, one syllable from its rhyme, after the rhyme word):
   * no piece that would leave its last word half written — a lone hyphen ("night ere-", "Thou
   * the-"), or an apostrophe in a poem that ends no word with one ("that ee'.", "she'.—"), a small
   * model's slips.
   */
  private banHalfWords(logits: Float32Array): void {
    if (!this.afterLetter) return;
    const v = this.steering.ctx.vocab;
    ban(logits, this.apostropheOk ? v.hyphensAfterWord : v.halfWordEnds);
  }

  private keepLineEnd(logits: Float32Array, blankAllowed: boolean, punctuation = true): void {
    const v = this.steering.ctx.vocab;
    const ends = blankAllowed ? v.lineBreaks.concat(v.blankLines) : v.lineBreaks;
    const endSet = new Set(ends);
    const punctuationOk = punctuation && this.punctuationRun < PUNCTUATION_RUN;
    keepOnly(logits, (id) => endSet.has(id) || (punctuationOk && v.punctuation[id] === 1), ends);
    this.banHalfWords(logits);
  }

  /**
   * CJK verse: a line is a clause of `target` characters ending in a clause mark. Marks (and
   * line breaks inside a clause) are held back until the clause is long enough; then only a
   * mark may follow, spelled through the marks' trie when the tokenizer needs several tokens.
   * A piece of several characters that would run past the count is held back too, so the
   * count is exact (a vocabulary that knows Chinese spells 青天 in one piece). In rhyme mode the
   * clause's last character comes from the rhyme characters' trie.
   */
  private shapeClause(logits: Float32Array, text: string, full: string, line: string, atLineStart: boolean): void {
    const { ctx, constraint } = this.steering;
    const v = ctx.vocab;
    const marks = ctx.clauseMarks();
    const target = constraint.lineLength === false ? null : this.plan.target;
    const used = lineLength(line, 'character');
    const blankAllowed = constraint.stanzas !== false && this.plan.endsStanza;
    if (atLineStart) {
      // A newline after a clause mark is layout (two clauses a line), but never an empty line.
      if (full.endsWith('\n')) {
        const breakWanted = constraint.stanzas !== false && this.plan.needsStanzaBreak && !endsWithBlankLine(this.steering.prompt, text);
        if (breakWanted) keepOnly(logits, (id) => v.newlines[id] === 1, v.lineBreaks);
        else ban(logits, v.lineBreaks.concat(v.blankLines));
      }
      ban(logits, terminalChildren(this.markNode ?? marks));
      if (this.markNode) ban(logits, terminalChildren(marks));
      if (target !== null) this.banOvershoot(logits, target);
      return;
    }
    if (!blankAllowed) ban(logits, v.blankLines);
    if (target === null) return;
    if (used < target) {
      ban(logits, v.lineBreaks);
      ban(logits, terminalChildren(marks));
      if (this.markNode) ban(logits, terminalChildren(this.markNode));
      this.banOvershoot(logits, target - used);
      if (this.rhymeRoot && !this.backedOff) this.shapeRhymeCharacter(logits, text, target - used);
      return;
    }
    if (this.markNode && this.markNode.children.size) {
      keepOnly(logits, (id) => this.markNode!.children.has(id), [...this.markNode.children.keys()]);
      return;
    }
    if (this.insideCharacter(text)) return;
    const starts = new Set([...marks.children.keys(), ...(this.steering.clausesEndInMarks ? [] : v.lineBreaks)]);
    // A word in another script may finish before the mark, for a few tokens.
    const finishing = /[\p{L}\p{N}]$/u.test(line) && !/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]$/u.test(line) && this.overTokens < OVER_TOKENS;
    keepOnly(logits, (id) => starts.has(id) || (finishing && v.startsWithLetter[id] === 1), [...starts]);
  }

  /**
   * Pieces of several CJK characters that would carry the clause past its count (`room`
   * characters left), and in rhyme mode any that would write its last character without the
   * rhyme's say.
   */
  private banOvershoot(logits: Float32Array, room: number): void {
    const v = this.steering.ctx.vocab;
    const rhyming = this.rhymeRoot !== null && !this.backedOff;
    for (const id of v.multiCjk) if (v.cjkChars[id]! > room || (rhyming && v.cjkChars[id]! >= room)) logits[id] = -Infinity;
  }

  /**
   * Rhyme in Chinese verse: the clause's last character (one left to write) is one of the rhyme
   * characters, spelled through their trie (a character may take several byte tokens); back off
   * when the model gives them all almost no chance.
   */
  private shapeRhymeCharacter(logits: Float32Array, text: string, room: number): void {
    if (this.node) {
      const node = this.node;
      if (node.children.size) keepOnly(logits, (id) => node.children.has(id), [...node.children.keys()]);
      return;
    }
    if (room !== 1 || this.insideCharacter(text)) return;
    const root = this.rhymeRoot!;
    const roots = new Set(root.children.keys());
    if (roots.size === 0 || probabilityMass(logits, (id) => roots.has(id)) < MIN_RHYME_MASS) {
      this.backedOff = true;
      return;
    }
    this.offered = { roots, mask: ~0 };
    keepOnly(logits, (id) => roots.has(id), [...roots]);
  }
}

/** Whether a line ends with the words of `tail` (case, punctuation and spacing aside). */
function endsWithWords(line: string, tail: string): boolean {
  const a = lineWords(line);
  const b = lineWords(tail);
  return b.length > 0 && a.length >= b.length && b.every((w, i) => a[a.length - b.length + i] === w);
}

function fittingRoots(root: TrieNode, mask: number): Set<number> {
  const out = new Set<number>();
  for (const [id, child] of root.children) if ((child.reach & mask) !== 0) out.add(id);
  return out;
}

function terminalChildren(node: TrieNode): number[] {
  const out: number[] = [];
  for (const [id, child] of node.children) if (child.word !== null) out.push(id);
  return out;
}
