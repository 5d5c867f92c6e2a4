import { CJK_LINE_END, countCjkCharacters } from './cjkText';
import { analyzePoemForm } from './poemForm';
import type { RhymeKey } from './rhyme';
import { countLineSyllables } from './syllables';

/** What a line's length is counted in: syllables, or characters in CJK text. */
export type LengthUnit = 'syllable' | 'character';

/** What the line being written at the end of a poem should be, for form-keeping decoding. */
export interface LinePlan {
  unit: LengthUnit;
  /** Target length in `unit`s; null when the poem shows none yet. */
  target: number | null;
  /** The earlier line end this line should rhyme with; null for a free line. */
  rhymeWith: RhymeKey | null;
  /** The line finishes its stanza: a blank line follows it. */
  endsStanza: boolean;
  /** The stanza before the line is complete but not closed: a blank line comes first. */
  needsStanzaBreak: boolean;
}

/**
 * Text kept for planning: enough stanzas to show the form, bounded so that planning a line
 * costs the same in a long document as in a short one.
 */
const PLAN_CHARS = 3000;

/**
 * Plans the line being written at the end of `text` (the line in progress, or the next one
 * when the text ends with a newline), reading the text as verse.
 */
export function planLine(text: string, options: { rhyme?: boolean } = {}): LinePlan {
  const form = analyzePoemForm(recentText(text), { kind: 'verse' });
  const next = form.next;
  const target = next.targetLength ?? form.medianLineLength;
  return {
    unit: form.unit,
    target: target === null ? null : Math.max(1, Math.round(target)),
    rhymeWith: options.rhyme ? (next.rhymeWith?.rhyme ?? null) : null,
    endsStanza: next.linesRemainingInStanza === 1,
    needsStanzaBreak: next.needsStanzaBreak,
  };
}

/** The end of a long text, cut at a line start. */
function recentText(text: string): string {
  if (text.length <= PLAN_CHARS) return text;
  const cut = text.indexOf('\n', text.length - PLAN_CHARS);
  return cut < 0 ? text.slice(-PLAN_CHARS) : text.slice(cut + 1);
}

/**
 * The line still being written at the end of `text`: after the last newline, and in CJK text
 * after the last clause mark too (a clause is a line of classical Chinese verse).
 */
export function lineInProgress(text: string, unit: LengthUnit): string {
  let start = text.lastIndexOf('\n') + 1;
  if (unit === 'character') {
    for (let i = text.length - 1; i >= start; i--) {
      if (CJK_LINE_END.test(text[i]!)) {
        start = i + 1;
        break;
      }
    }
  }
  return text.slice(start);
}

/**
 * Length of a line in `unit`s. In CJK text a word in another script counts as one unit, as it
 * takes about one character's place in the line (and a model that writes no CJK still ends lines).
 */
export function lineLength(line: string, unit: LengthUnit): number {
  if (unit === 'syllable') return countLineSyllables(line);
  const others = line.replace(CJK_CHARS, ' ').match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
  return countCjkCharacters(line) + others;
}

const CJK_CHARS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;

/**
 * Lines a text completes: newline-ended lines with words (and in CJK text, clauses ended by a
 * clause mark). `head` is text before it on the same line (the line the continuation completes).
 */
export function completedLines(head: string, text: string, unit: LengthUnit): number {
  return lineEnds(head, text, unit).length;
}

/** Offsets in `text` just after each line it completes (see `completedLines`). */
export function lineEnds(head: string, text: string, unit: LengthUnit): number[] {
  const full = head + text;
  const pattern = unit === 'character' ? /[^\n。，！？；]*[\n。，！？；]/g : /[^\n]*\n/g;
  const ends: number[] = [];
  for (const m of full.matchAll(pattern)) {
    const end = m.index! + m[0].length;
    if (end > head.length && /[\p{L}\p{N}]/u.test(m[0])) ends.push(end - head.length);
  }
  return ends;
}

/**
 * The acceptable length band around a target: within a fifth either way (at least one unit), so
 * that the lines keep to within a quarter of the poem's typical length.
 */
export function lengthBand(target: number): { low: number; high: number } {
  return { low: Math.max(1, Math.min(target - 1, Math.ceil(target * 0.8))), high: Math.max(target + 1, Math.floor(target * 1.2)) };
}
