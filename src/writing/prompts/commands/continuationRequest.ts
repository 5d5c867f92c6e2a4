import type { FormConstraint } from '../../../common/generation';
import { msg } from '../../../common/message';
import { isCjkChar, isCjkText } from '../../verse/chinese/cjkText';
import { continuationLines, countWords, cutContinuation, paragraphWords } from './continuation';
import { cursorContext, type QuietReason } from '../text/cursorContext';
import { analyzePoemForm, type PoemForm } from '../../verse/poem/poemForm';
import { prefixWindow, type CountTokens, type PrefixWindow } from '../text/prefixWindow';
import { detectTextKind, type TextKindName } from '../text/textKind';

/**
 * How much text before the cursor a command's prompt may take, in characters: a command writes
 * whole lines or stanzas, so it keeps the longer window (ghost text on the worker reads 1,000).
 */
export const CONTINUE_PROMPT_CHARS = 2000;
/** The most model pieces one continuation may take: a long stanza, never a runaway. */
export const MAX_CONTINUATION_TOKENS = 400;
/** The most lines one "Continue" may ask for. */
export const MAX_CONTINUATION_LINES = 40;

/**
 * What a writing command asks the model for, and how it turns the model's text into the text
 * it inserts. Plain data plus two pure functions, so the same request can be replayed (by
 * Regenerate, by the CLI in tests) and gives the same insertion for the same model text.
 */
export interface WritingRequest {
  prompt: string;
  stopStrings: string[];
  maxNewTokens: number;
  kind: TextKindName;
  /** Lines wanted (verse); 1 for a prose paragraph. */
  lines: number;
  /** Form-keeping for the engine: verse's when the writer's settings keep form (withForm), prose's paragraph rule always; absent: plain sampling. */
  formConstraint?: FormConstraint;
  /** The document before the cursor for the engine's form planning (GenerateParams.formContext): rhyme mode only. */
  formContext?: string;
  /**
   * The text to insert for the model's text so far. `finished`: the model ended it itself (end
   * of sequence or a stop string), so its last line is whole; otherwise a last line without a
   * newline after it is dropped (or, for a preview, pass true to show it as it grows).
   */
  finish(generated: string, finished: boolean): string;
  /** The model's text already holds everything `finish` keeps: generation can stop early. */
  isComplete(generated: string): boolean;
}

export interface ContinuationRequestInput {
  /** The document, or the window of it around the insertion point, with `\n` line breaks. */
  text: string;
  /** Where the continuation goes (the cursor, or the end of the selection), in `text`. */
  offset: number;
  /** `text` starts where the document does (default true). */
  atDocumentStart?: boolean;
  /** Lines wanted; 0 or absent: the rest of the stanza, a whole stanza, or four (verse). */
  lines?: number;
  /** Prompt budget; characters unless `countTokens` is given. Default CONTINUE_PROMPT_CHARS. */
  maxPromptChars?: number;
  countTokens?: CountTokens;
  /** Overrides the verse/prose decision. */
  kind?: TextKindName;
}

export interface ContinuationRequestReady extends WritingRequest {
  ok: true;
  form: PoemForm;
  window: PrefixWindow;
}

export interface ContinuationRequestRefused {
  ok: false;
  reason: Exclude<QuietReason, 'mid-word'> | 'empty';
  /** What to tell the writer. */
  message: string;
}

export type ContinuationRequest = ContinuationRequestReady | ContinuationRequestRefused;

// Functions, so that each refusal is said in the writer's language when it happens.
const REFUSALS: Record<ContinuationRequestRefused['reason'], () => string> = {
  'front-matter': () => msg('The cursor is in the front matter: move it into the text to continue it.'),
  'code-block': () => msg('The cursor is in a code block: Inkling continues verse and prose, not code.'),
  'html-comment': () => msg('The cursor is in an HTML comment: move it into the text to continue it.'),
  empty: () => msg('There is no text before the cursor to continue.'),
};

/**
 * Builds the request for "Continue This Poem / Continue Writing" at an offset: the prompt is the
 * window of text before it (a trailing space kept: the engines then begin a new word, see
 * promptEnd.ts); verse asks for `lines` lines in the poem's form (by default the rest of the stanza, a
 * stanza, or four) and is cut at a line break; prose asks for the rest of the paragraph.
 */
export function buildContinuationRequest(input: ContinuationRequestInput): ContinuationRequest {
  const offset = Math.max(0, Math.min(input.offset, input.text.length));
  const context = cursorContext(input.text, offset, true, input.atDocumentStart ?? true);
  if (context.reason && context.reason !== 'mid-word') return refuse(context.reason);

  const before = input.text.slice(0, offset);
  const after = input.text.slice(offset);
  const window = prefixWindow(before, input.maxPromptChars ?? CONTINUE_PROMPT_CHARS, input.countTokens, input.atDocumentStart ?? true);
  const prompt = window.text;
  if (!prompt.trim()) return refuse('empty');

  const detected = detectTextKind(window.text);
  const kind = input.kind ?? detected.kind;
  const cjk = isCjkText(window.text);
  let form = analyzePoemForm(window.text, { kind });
  // A command at the end of a line that is already whole continues on the next line: the
  // prompt ends with the line break, and the insertion begins with it.
  const restOfLine = after.split('\n', 1)[0]!;
  const newLine = kind === 'verse' && !cjk && !restOfLine.trim() && lineInProgressIsWhole(form);
  if (newLine) form = analyzePoemForm(window.text, { kind, lastLineComplete: true });
  const wanted = Math.round(input.lines ?? 0);
  const lines = kind === 'prose' ? 1 : Math.min(MAX_CONTINUATION_LINES, wanted > 0 ? wanted : continuationLines(form));
  const unwrapped = detected.evidence.medianLength > 100;
  // Prose runs as long as the writer's paragraphs (the rest of the one in progress), to a sentence end.
  const words = kind === 'prose' ? proseWords(prompt, unwrapped) : undefined;

  const cut = (generated: string, finished: boolean) => {
    const c = cutContinuation(generated, form, { lines, finished, words });
    return newLine && c.text.trim() ? { ...c, text: `\n${c.text}` } : c;
  };
  return {
    ok: true,
    prompt: newLine ? `${prompt.replace(/[ \t]+$/, '')}\n` : prompt,
    stopStrings: kind === 'prose' ? [unwrapped ? '\n' : '\n\n'] : [],
    // A paragraph ends after a sentence, not on a comma: the engine's steering where it can (withForm adds verse's).
    ...(kind === 'prose' ? { formConstraint: { paragraph: true } } : {}),
    // A song's section label ("[Chorus]") comes on a line of its own, spelled in a few more pieces.
    maxNewTokens: kind === 'prose' ? proseTokens(words) : Math.min(MAX_CONTINUATION_TOKENS, verseTokens(lines, form.next.targetLength ?? form.medianLineLength, cjk) + (form.next.label ? 16 : 0)),
    kind,
    lines,
    form,
    window,
    finish: (generated, finished) => fitBetween(cut(generated, finished).text, before, after, kind),
    isComplete: (generated) => cut(generated, false).complete,
  };
}

/** Typical paragraph length when the text shows none (words). */
const DEFAULT_PARAGRAPH_WORDS = 80;

/**
 * The words the continuation should add: the writer's median paragraph, less what the paragraph
 * in progress already has (at least a sentence's worth).
 */
function proseWords(prompt: string, unwrapped: boolean): number {
  const typical = paragraphWords(prompt, unwrapped) ?? DEFAULT_PARAGRAPH_WORDS;
  const current = unwrapped ? (prompt.split('\n').at(-1) ?? '') : (prompt.split(/\n[ \t]*\n/).at(-1) ?? '');
  const written = countWords(current);
  return Math.max(12, Math.min(250, typical - written));
}

/** Tokens for a paragraph of `words`: ~1.5 pieces a word, half again for the sentence to end. */
function proseTokens(words: number | undefined): number {
  return Math.min(MAX_CONTINUATION_TOKENS, Math.max(48, Math.ceil((words ?? DEFAULT_PARAGRAPH_WORDS) * 1.5 * 1.5) + 16));
}

/**
 * Whether the line being written at the end of the text is whole already: as long as the
 * poem's lines (within a fifth), or ended by a full stop, question or exclamation mark.
 */
export function lineInProgressIsWhole(form: PoemForm): boolean {
  const line = form.stanzas.at(-1)?.lines.find((l) => !l.complete);
  if (!line || !line.text.trim()) return false;
  const target = form.next.targetLength ?? form.medianLineLength;
  if (target && line.length >= target * 0.8) return true;
  return /[.!?]["'\u2019\u201d)\]*_]*\s*$/.test(line.text);
}

/** Room for `lines` lines of about `target` syllables: ~1.5 pieces a syllable (2 a CJK character), punctuation, stanza breaks. */
function verseTokens(lines: number, target: number | null, cjk: boolean): number {
  const perLine = Math.ceil((target && target > 0 ? target : 10) * (cjk ? 2 : 1.5)) + 4;
  return Math.min(MAX_CONTINUATION_TOKENS, lines * perLine + 8);
}

/**
 * Fits a continuation between the text before and after the insertion point: no doubled
 * space after one the writer typed, and the writer's text after the cursor neither glued to
 * the last word nor run into the last line.
 */
export function fitBetween(continuation: string, before: string, after: string, kind: TextKindName): string {
  let out = /[ \t]$/.test(before) ? continuation.replace(/^[ \t]+/, '') : continuation;
  if (!out.trim()) return '';
  const rest = after.split('\n', 1)[0]!;
  if (!rest.trim()) return out;
  const atLineStart = before === '' || before.endsWith('\n');
  if (kind === 'verse' && (atLineStart || out.includes('\n'))) return `${out.replace(/[ \t]+$/, '')}\n`;
  // Chinese and Japanese run on without spaces: nothing is put between them.
  if (!/\s$/.test(out) && !/^\s/.test(rest) && !(isCjkChar(out.at(-1)!) || isCjkChar(rest[0]!))) out += ' ';
  return out;
}

function refuse(reason: ContinuationRequestRefused['reason']): ContinuationRequestRefused {
  return { ok: false, reason, message: REFUSALS[reason]() };
}
