/**
 * Word alternatives: where each token the model wrote lies in the text Inkling inserted, which
 * tokens are the writer's "words" (a choice point: the token a word begins with, and the pieces
 * that finish it), which of them the model was unsure of, and what choosing another word there
 * keeps and asks for. Pure: the editor side (vscode/history/wordChoices.ts) follows edits with the
 * store below and forgets an insertion's choices as soon as the writer touches it.
 */
import type { FormConstraint, GeneratedToken, TokenChoice } from '../../common/generation';
import { buildContinuationRequest, type ContinuationRequest } from '../prompts/commands/continuationRequest';
import { shiftRange, type TextEdit } from './insertionTracker';
import { remapLineEndings, type LineEnding } from './lineEndings';
import type { TextKindName } from '../prompts/text/textKind';
import { formContextOf } from '../verse/scheme/schemeHabit';

/** A token's place in an inserted text: [start, end) in that text. */
export interface TokenSpan {
  start: number;
  end: number;
  token: GeneratedToken;
}

/**
 * A choice point the writer sees as one word (or one mark): the token where it begins and the
 * tokens that finish it. `start` skips the blank the first token may begin with.
 */
export interface ChoiceUnit {
  /** Index in the spans of the token the word begins with: its alternatives are the choice. */
  span: number;
  start: number;
  end: number;
  /** How likely the model found the token the word begins with. */
  probability: number;
}

/**
 * Where the model's tokens lie in the text that was inserted. The inserted text is the model's
 * text after the writing request's `finish`: blanks dropped or added at its start, stanza
 * breaks squeezed, the end cut at a line or sentence, a space added before the writer's text.
 * Tokens are matched character by character, blanks on either side may be skipped; at the first
 * mismatch of visible characters the rest stays unmatched (those words get no alternatives).
 * A token none of whose characters are in the text is left out.
 */
export function alignTokens(tokens: readonly GeneratedToken[], inserted: string): TokenSpan[] {
  const spans: TokenSpan[] = [];
  let j = 0;
  let stopped = false;
  for (const token of tokens) {
    if (stopped || j >= inserted.length) break;
    let first = -1;
    let last = -1;
    for (let k = 0; k < token.text.length; k++) {
      const c = token.text[k]!;
      while (j < inserted.length && c !== inserted[j] && !isBlank(c) && isBlank(inserted[j]!)) j++;
      if (j >= inserted.length) break;
      if (c === inserted[j]) {
        if (first < 0) first = j;
        last = j;
        j++;
      } else if (!isBlank(c)) {
        stopped = true;
        break;
      }
      // else: a blank of the model's that finish dropped.
    }
    if (first >= 0) spans.push({ start: first, end: last + 1, token });
  }
  return spans;
}

/** The writer's words in an aligned text: each begins at a token that does not continue a word. */
export function choiceUnits(text: string, spans: readonly TokenSpan[]): ChoiceUnit[] {
  const units: ChoiceUnit[] = [];
  for (const [i, s] of spans.entries()) {
    const visible = firstVisible(text, s.start, s.end);
    if (visible < 0) continue;
    const previous = units.at(-1);
    if (previous && visible === s.start && previous.end === s.start && continuesWord(text, s.start)) {
      previous.end = s.end;
      continue;
    }
    units.push({ span: i, start: visible, end: s.end, probability: s.token.probability });
  }
  return units;
}

/** The unit holding an offset of the text (a hover there), if any. */
export function unitAt(units: readonly ChoiceUnit[], offset: number): ChoiceUnit | undefined {
  return units.find((u) => offset >= u.start && offset < u.end);
}

/** The alternatives worth offering at a unit: not the token written, not an empty or special piece; likeliest first. */
export function offeredAlternatives(token: GeneratedToken): TokenChoice[] {
  return token.alternatives.filter((a) => a.text !== token.text && a.text !== '' && !/^<[^<>\s]*>$/.test(a.text) && !a.text.includes('\uFFFD'));
}

/** How an alternative reads in a list: its visible text, or what a blank means. */
export function choiceLabel(text: string): string {
  if (text === '\n' || /^[ \t]*\n$/.test(text)) return '↵ end the line';
  if (/^\n[ \t]*\n/.test(text)) return '↵↵ end the stanza';
  if (!text.trim()) return '␣ a space';
  return text.replace(/\n/g, '↵').trim();
}

/**
 * How an alternative reads where it would go: one that begins without a blank right after a
 * letter finishes the word before it ("The" + "y" reads "They").
 */
export function choiceLabelAt(text: string, before: string): string {
  const tail = /[\p{L}\p{N}\p{M}'\u2019]+$/u.exec(before)?.[0] ?? '';
  return tail && WORD_CHAR.test(text[0] ?? '') ? `${tail}${choiceLabel(text)}` : choiceLabel(text);
}

/** A probability as writers read it: "42 %", "<1 %". */
export function percent(probability: number): string {
  const p = probability * 100;
  if (p > 0 && p < 1) return '<1 %';
  return `${Math.round(p)} %`;
}

/** What choosing another word keeps of an insertion and what a fresh continuation starts from. */
export interface WordChoicePlan {
  /** The inserted text before the chosen word (unchanged). */
  keep: string;
  /** The chosen word as it goes into the text. */
  chosen: string;
  /** The rest of the insertion, which the chosen word and a fresh continuation replace. */
  replaced: string;
  /** Lines the continuation writes (verse: the original's lines less those already whole); 1 for prose. */
  lines: number;
}

/**
 * Plans choosing `alternative` at `unit` of an inserted text (`\n` line breaks): the text before
 * that word's first token stays, the alternative follows it, and the continuation writes what is
 * left of the lines the insertion asked for (verse) or the rest of the paragraph (prose).
 * `before`: the document's character right before the insertion (a blank there is not doubled).
 */
export function planWordChoice(text: string, spans: readonly TokenSpan[], unit: ChoiceUnit, alternative: TokenChoice, before: string, request: { kind: TextKindName; lines: number }): WordChoicePlan {
  const at = spans[unit.span]!.start;
  const keep = text.slice(0, at);
  const previous = keep ? keep.at(-1)! : before.at(-1) ?? '';
  const chosen = isBlank(previous) && previous !== '\n' ? alternative.text.replace(/^[ \t]+/, '') : alternative.text;
  const whole = completeLines(keep + chosen);
  return { keep, chosen, replaced: text.slice(at), lines: request.kind === 'prose' ? 1 : Math.max(1, request.lines - whole) };
}

/**
 * The request that writes on after a chosen word: what a fresh Continue asks right after it, with
 * the rest of the insertion gone — the insertion's kind, the lines it still owed, and its form
 * constraint (if it had one) for those lines. `before` ends where the chosen word goes; all texts
 * with `\n` line breaks.
 */
export function continuationAfterChoice(input: { before: string; chosen: string; after: string; atDocumentStart: boolean; lines: number; kind: TextKindName; formConstraint?: FormConstraint }): ContinuationRequest {
  const before = input.before + input.chosen;
  const built = buildContinuationRequest({ text: before + input.after, offset: before.length, atDocumentStart: input.atDocumentStart, lines: input.lines, kind: input.kind });
  // Prose keeps the paragraph rule the new request brings (its text decides how paragraphs end).
  if (!built.ok || !input.formConstraint || built.kind === 'prose') return built;
  // Rhyme mode plans from the document before the cursor too (see withForm).
  const formContext = input.formConstraint.rhyme ? formContextOf(before) : undefined;
  return { ...built, formConstraint: { ...input.formConstraint, lines: built.lines }, ...(formContext ? { formContext } : {}) };
}

/** Lines with words on them that a line break has ended. */
export function completeLines(text: string): number {
  const lines = text.split('\n');
  lines.pop();
  return lines.filter((l) => l.trim()).length;
}

/**
 * Offsets in a text with `\n` line breaks → offsets in the same text with `\r\n` (a CRLF
 * document counts two characters per line break).
 */
export function spansInCrlf(spans: readonly TokenSpan[], lfText: string): TokenSpan[] {
  const breaksBefore = (offset: number) => {
    let n = 0;
    for (let i = lfText.indexOf('\n'); i >= 0 && i < offset; i = lfText.indexOf('\n', i + 1)) n++;
    return n;
  };
  return spans.map((s) => ({ ...s, start: s.start + breaksBefore(s.start), end: s.end + breaksBefore(s.end) }));
}

/** An insertion whose words have alternatives, followed through the writer's edits. */
export interface ChoiceInsertion<T> {
  id: number;
  /** Offset of the inserted text in the document as it is now. */
  start: number;
  /** The inserted text as it stands in the document (its own line breaks). */
  text: string;
  /** Token spans and units in `text`'s offsets. */
  spans: TokenSpan[];
  units: ChoiceUnit[];
  detail: T;
}

/** The most insertions kept per document; the oldest go first. */
export const MAX_CHOICE_INSERTIONS = 200;

/**
 * The insertions of each document whose words have alternatives. An edit before an insertion
 * moves it; an edit that touches it (typing inside, deleting across it, undoing it) forgets it:
 * its alternatives belonged to the text as the model wrote it.
 */
export class WordChoiceStore<T> {
  private readonly documents = new Map<string, ChoiceInsertion<T>[]>();
  private nextId = 1;

  /** Keeps an insertion (replacing any it overlaps) and returns it. */
  record(document: string, start: number, text: string, spans: TokenSpan[], detail: T): ChoiceInsertion<T> {
    const end = start + text.length;
    const list = (this.documents.get(document) ?? []).filter((i) => i.start + i.text.length <= start || i.start >= end);
    const insertion: ChoiceInsertion<T> = { id: this.nextId++, start, text, spans, units: choiceUnits(text, spans), detail };
    list.push(insertion);
    while (list.length > MAX_CHOICE_INSERTIONS) list.shift();
    this.documents.set(document, list);
    return insertion;
  }

  /**
   * The document's line endings changed (one edit over the whole text, see lineEndings.ts):
   * each insertion keeps its words, at the offsets of `text` (the document now, with `eol`).
   */
  changeEol(document: string, text: string, from: LineEnding, eol: LineEnding): void {
    const list = this.documents.get(document);
    if (!list?.length || from === eol) return;
    const moved = remapLineEndings(list.flatMap((i) => [i.start, i.start + i.text.length]), text, from, eol);
    for (const insertion of list) {
      // Offsets inside the insertion move with its own line breaks.
      const inside = remapLineEndings(insertion.spans.flatMap((t) => [t.start, t.end]), insertion.text.split(from).join(eol), from, eol);
      const start = moved.get(insertion.start) ?? insertion.start;
      const end = moved.get(insertion.start + insertion.text.length) ?? start;
      insertion.start = start;
      insertion.text = text.slice(start, end);
      insertion.spans = insertion.spans.map((t) => ({ ...t, start: inside.get(t.start) ?? t.start, end: inside.get(t.end) ?? t.end }));
      insertion.units = choiceUnits(insertion.text, insertion.spans);
    }
  }

  /** Follows one edit; several edits of one change event go in descending offset order. Returns whether anything was forgotten or moved. */
  applyEdit(document: string, edit: TextEdit): boolean {
    const list = this.documents.get(document);
    if (!list?.length) return false;
    let changed = false;
    const kept: ChoiceInsertion<T>[] = [];
    for (const insertion of list) {
      const start = shiftRange(insertion.start, insertion.text.length, edit);
      if (start === null) {
        changed = true;
        continue;
      }
      if (start !== insertion.start) changed = true;
      insertion.start = start;
      kept.push(insertion);
    }
    if (kept.length) this.documents.set(document, kept);
    else this.documents.delete(document);
    return changed;
  }

  /** The insertion and word at a document offset. */
  at(document: string, offset: number): { insertion: ChoiceInsertion<T>; unit: ChoiceUnit } | undefined {
    for (const insertion of this.documents.get(document) ?? []) {
      const unit = unitAt(insertion.units, offset - insertion.start);
      if (unit) return { insertion, unit };
    }
    return undefined;
  }

  get(document: string, id: number): ChoiceInsertion<T> | undefined {
    return this.documents.get(document)?.find((i) => i.id === id);
  }

  list(document: string): readonly ChoiceInsertion<T>[] {
    return this.documents.get(document) ?? [];
  }

  /** Drops one insertion (it no longer matches the document). */
  remove(document: string, id: number): void {
    const list = this.documents.get(document)?.filter((i) => i.id !== id);
    if (list?.length) this.documents.set(document, list);
    else this.documents.delete(document);
  }

  /** The document was closed: its insertions can no longer be followed. */
  forget(document: string): void {
    this.documents.delete(document);
  }

  /** Everything, for the setting turned off. */
  clear(): void {
    this.documents.clear();
  }

  /** The document was renamed: its insertions go with it. */
  rename(from: string, to: string): void {
    const list = this.documents.get(from);
    if (!list) return;
    this.documents.delete(from);
    this.documents.set(to, list);
  }
}

function isBlank(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

function firstVisible(text: string, start: number, end: number): number {
  for (let i = start; i < end; i++) if (!isBlank(text[i]!)) return i;
  return -1;
}

const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

/** A token that starts right after a letter, with a letter (or an apostrophe), finishes that word. */
function continuesWord(text: string, at: number): boolean {
  const before = text[at - 1] ?? '';
  const c = text[at] ?? '';
  return WORD_CHAR.test(before) && (WORD_CHAR.test(c) || c === "'" || c === '\u2019');
}
