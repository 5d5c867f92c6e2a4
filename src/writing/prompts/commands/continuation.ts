import { countCjkCharacters } from '../../verse/chinese/cjkText';
import type { PoemForm } from '../../verse/poem/poemForm';
import { isSectionLabel } from '../../verse/poem/songSections';
import { sentenceEnds } from '../text/sentenceEnd';

/** The part of a generated text to keep for "Continue This Poem". */
export interface ContinuationCut {
  text: string;
  /** Lines kept (not counting blank lines between stanzas). */
  lines: number;
  /** Whether as many lines as wanted (or, for prose, a whole paragraph) were there. */
  complete: boolean;
}

export interface ContinuationOptions {
  /** Lines wanted; default `continuationLines(form)`. */
  lines?: number;
  /**
   * The model ended the text itself (end of sequence or a stop string), so its last line is
   * whole; otherwise a last line without a newline may have been cut off by the token limit.
   */
  finished?: boolean;
  /**
   * Prose: the words the paragraph should still get, as long as the writer's paragraphs run.
   * The text ends at the first sentence end after that many words (or a paragraph break before).
   */
  words?: number;
}

/** The form fields a continuation needs. */
export type ContinuationForm = Pick<PoemForm, 'kind' | 'typicalStanzaLength' | 'next'>;

/**
 * How many lines "Continue This Poem" writes by default: the rest of the current stanza, a
 * whole stanza of the usual length when a new one begins, else four.
 */
export function continuationLines(form: ContinuationForm): number {
  if (form.next.linesRemainingInStanza) return form.next.linesRemainingInStanza;
  if (form.next.startsStanza && form.typicalStanzaLength) return form.typicalStanzaLength;
  return 4;
}

/**
 * Cuts a generated continuation to what the writer asked for. Verse: the first N lines, at a
 * line break, keeping stanza breaks (one blank line, however many the model wrote); a song's
 * section label ("[Chorus]") is kept whole and is not one of the N, nor is it left dangling at
 * the end. Prose: the first paragraph. An unfinished last line or sentence is dropped, and a
 * text is never cut inside a word.
 */
export function cutContinuation(generated: string, form: ContinuationForm, options: ContinuationOptions = {}): ContinuationCut {
  const text = generated.replace(/\r\n?/g, '\n');
  return form.kind === 'verse' ? cutVerse(text, options.lines ?? continuationLines(form), options.finished ?? false) : cutProse(text, options.finished ?? false, options.words);
}

function cutVerse(text: string, wanted: number, finished: boolean): ContinuationCut {
  const rawLines = text.split('\n');
  // The last piece has no newline after it: whole only if the model stopped by itself.
  const lastWhole = finished || text.endsWith('\n');
  const kept: string[] = [];
  let count = 0;
  let blank = false;
  for (let i = 0; i < rawLines.length && count < wanted; i++) {
    const line = rawLines[i];
    // An empty first piece is the end of the line the cursor is on, not a blank line.
    if (i === 0 && !line.trim()) {
      kept.push('');
      continue;
    }
    if (!line.trim()) {
      blank = true;
      continue;
    }
    if (i === rawLines.length - 1 && !lastWhole) {
      // Possibly cut off mid-line: worth keeping only when there is nothing else (and never a piece of a label).
      const whole = count === 0 && !/^\s*[[(]/.test(line) ? dropPartialWord(line) : '';
      if (whole) {
        if (blank) kept.push('');
        kept.push(whole);
        count++;
      }
      return { text: withoutDanglingLabel(kept), lines: count, complete: false };
    }
    if (blank) kept.push('');
    blank = false;
    kept.push(line);
    if (!isSectionLabel(line.trim())) count++;
  }
  return { text: withoutDanglingLabel(kept), lines: count, complete: count >= wanted };
}

/** The kept lines as text, without a section label that no line follows. */
function withoutDanglingLabel(kept: string[]): string {
  const out = [...kept];
  while (out.length && (!out[out.length - 1]!.trim() || isSectionLabel(out[out.length - 1]!.trim()))) {
    if (out.length === 1 && !out[0]!.trim()) break;
    out.pop();
  }
  return out.join('\n').trimEnd();
}

function cutProse(text: string, finished: boolean, words?: number): ContinuationCut {
  const leading = /^\s*/.exec(text)![0];
  const body = text.slice(leading.length);
  const paragraphEnd = body.search(/\n[ \t]*\n/);
  const within = paragraphEnd >= 0 ? body.slice(0, paragraphEnd) : body;
  // As long as the writer's paragraphs: the first sentence end once that many words are written.
  if (words && words > 0) {
    for (const end of sentenceEnds(within)) {
      if (countWords(within.slice(0, end)) >= words) return { text: (leading + within.slice(0, end)).trimEnd(), lines: 1, complete: true };
    }
  }
  // A paragraph the model closed itself, but on a comma, colon or no mark at all ("by some few
  // hours,", "to come home:"), ends at its last sentence; one with no sentence end is all there is.
  if (paragraphEnd >= 0 || finished) {
    const end = lastSentenceEnd(within.trimEnd());
    const kept = end > 0 ? within.slice(0, end) : within;
    return { text: (leading + kept).trimEnd(), lines: kept.trim() ? 1 : 0, complete: true };
  }
  // Cut off by the token limit: keep whole sentences, or whole words when there is no sentence end.
  const end = lastSentenceEnd(body);
  const kept = end > 0 ? body.slice(0, end) : dropPartialWord(body);
  return { text: (leading + kept).trimEnd(), lines: kept.trim() ? 1 : 0, complete: false };
}

/** Where the last sentence of `text` ends (-1: none). */
function lastSentenceEnd(text: string): number {
  let last = -1;
  for (const end of sentenceEnds(text)) last = end;
  return last;
}

/** Drops a last word that may have been cut off; a lone word is kept. */
function dropPartialWord(line: string): string {
  if (/[\s\p{P}]$/u.test(line)) return line.trimEnd();
  const lastSpace = line.search(/\s\S*$/);
  return lastSpace > 0 ? line.slice(0, lastSpace).trimEnd() : line;
}

/** Words, a CJK character counting as one (Chinese is not written in words between spaces). */
export function countWords(text: string): number {
  const cjk = countCjkCharacters(text);
  const rest = cjk ? text.replace(CJK_CHARS, ' ') : text;
  return cjk + (rest.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu)?.length ?? 0);
}

const CJK_CHARS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;

/**
 * How many words a prose paragraph runs in `text` (a CJK character counting as one): the median
 * of its whole paragraphs (blank-line separated, or one per line when the writer does not wrap),
 * headings and one-line titles left out; null when there are fewer than two to go by.
 */
export function paragraphWords(text: string, unwrapped: boolean): number | null {
  const blocks = (unwrapped ? text.split('\n') : text.split(/\n[ \t]*\n/)).slice(0, -1);
  const counts = blocks
    .map((b) => b.trim())
    .filter((b) => b && !/^(#|[-*+]\s|\d+[.)]\s|>|---|\*\*\*)/.test(b) && !/^[*_].*[*_]$/.test(b))
    .map(countWords)
    .filter((n) => n >= 3)
    .sort((a, b) => a - b);
  if (counts.length < 2) return null;
  return counts[counts.length >> 1]!;
}
