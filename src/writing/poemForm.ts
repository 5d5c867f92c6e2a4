import { countCjkCharacters, isCjkText } from './cjkText';
import { lineWords } from './lineWords';
import { planNextLine, type LineFacts } from './nextLine';
import { splitStanzas, type PoemLine } from './poemLines';
import { lineRhymeKey, type RhymeKey } from './rhyme';
import { detectRhymeScheme, normalizeScheme } from './rhymeScheme';
import { countLineSyllables } from './syllables';
import { detectTextKind, type TextKindName } from './textKind';

/** One line of the analysed text. */
export interface FormLine {
  text: string;
  /** 0-based line number in the text. */
  lineNumber: number;
  /** Syllables, or characters for CJK text. */
  length: number;
  /** Rhyme of its last word; null for CJK text and lines without words. */
  rhyme: RhymeKey | null;
  /** Rhyme letter; null when the text does not rhyme. For the line being written, the letter it should take. */
  letter: string | null;
  /** False for the line still being written at the end of the text. */
  complete: boolean;
}

export interface FormStanza {
  lines: FormLine[];
  /** The stanza's rhyme shape with letters from A ("ABAAB"); null when the text does not rhyme. */
  pattern: string | null;
}

/** A line that recurs (same words, ignoring case and punctuation). */
export interface Refrain {
  text: string;
  lineNumbers: number[];
}

/** What the next line of the text, at its end, should be. */
export interface NextLine {
  /** Index of the stanza it belongs to (stanzas.length when it opens a new one). */
  stanza: number;
  /** 0-based position in that stanza. */
  lineInStanza: number;
  /** It opens a stanza: after a blank line the writer typed, or after a stanza that is complete. */
  startsStanza: boolean;
  /** It opens a stanza but the text does not end with a blank line yet: one should come first. */
  needsStanzaBreak: boolean;
  /** Rhyme letter it should take; null when the text does not rhyme or the pattern is unclear. */
  letter: string | null;
  /** The line it should rhyme with and that line's rhyme key; null for a new rhyme or none. */
  rhymeWith: { lineNumber: number; word: string; key: string; rhyme: RhymeKey } | null;
  /** Lines still to write in the stanza, counting this one; null when unknown. */
  linesRemainingInStanza: number | null;
  /** Expected syllables (characters for CJK); null when unknown. */
  targetLength: number | null;
}

/** A summary of a text's form, for prompting, stopping and continuing it in kind. */
export interface PoemForm {
  kind: TextKindName;
  /** How sure the verse/prose decision is, 0.5 to 1. */
  confidence: number;
  /** What line lengths count: syllables, or characters in CJK text. */
  unit: 'syllable' | 'character';
  stanzas: FormStanza[];
  /** Length of each complete line, in `unit`s. */
  lineLengths: number[];
  /** Median complete-line length, the typical line; null with no complete line. */
  medianLineLength: number | null;
  /** Lines per stanza, in order (the stanza being written counted as it stands). */
  stanzaLengths: number[];
  /** Most common length of the finished stanzas; null before the first is finished. */
  typicalStanzaLength: number | null;
  /** Most common stanza shape among finished stanzas ("ABAAB"); null when unrhymed. */
  stanzaPattern: string | null;
  /** Rhyme letters per stanza, stanzas separated by spaces ("ABAAB CDCCD"); null when unrhymed. */
  scheme: string | null;
  refrains: Refrain[];
  next: NextLine;
}

export interface PoemFormOptions {
  /** Overrides the verse/prose decision (a writer's setting, or a command that knows). */
  kind?: TextKindName;
  /**
   * The text's last line is finished even without a newline after it: a whole poem, or a
   * command that continues after the line the cursor ends. By default a last line without a
   * newline is the line being written, and `next` plans it.
   */
  lastLineComplete?: boolean;
}

/**
 * Analyses the form of a text: verse or prose, stanzas, line lengths, rhyme scheme and
 * refrains, and what the next line should be when the text is continued at its end (pass the
 * text up to the cursor). Syllables and rhymes come from the CMU dictionary once
 * `loadPronouncingDictionary()` has resolved, from spelling estimates before that.
 */
export function analyzePoemForm(text: string, options: PoemFormOptions = {}): PoemForm {
  const detected = options.kind ? { kind: options.kind, confidence: 1 } : detectTextKind(text);
  const split = splitStanzas(text);
  const lastLine = split[split.length - 1]?.lines.at(-1);
  if (lastLine && options.lastLineComplete) lastLine.complete = true;
  const cjk = isCjkText(split.flatMap((s) => s.lines.map((l) => l.text)).join(''));
  const measure = (line: PoemLine) => (cjk ? countCjkCharacters(line.text) : countLineSyllables(line.text));

  const stanzas: FormStanza[] = split.map((s) => ({
    pattern: null,
    lines: s.lines.map((line) => ({
      text: line.text,
      lineNumber: line.lineNumber,
      length: measure(line),
      rhyme: cjk || !line.complete ? null : lineRhymeKey(line.text),
      letter: null,
      complete: line.complete,
    })),
  }));

  const verse = detected.kind === 'verse';
  const scheme = verse && !cjk ? detectRhymeScheme(stanzas.map((s) => s.lines.map((l) => l.rhyme))) : null;
  const rhymed = scheme?.rhymed ?? false;
  if (scheme && rhymed) {
    stanzas.forEach((s, i) => {
      s.lines.forEach((l, j) => (l.letter = scheme.letters[i][j]));
      s.pattern = normalizeScheme(s.lines.filter((l) => l.complete).map((l) => l.letter));
    });
  }

  const next = nextLine(text.slice(lastLine?.end ?? 0), stanzas, rhymed, verse);
  const inProgress = stanzas[next.stanza]?.lines.find((l) => !l.complete);
  if (inProgress) inProgress.letter = next.letter;

  const complete = stanzas.flatMap((s) => s.lines.filter((l) => l.complete));
  const finished = stanzas.slice(0, next.stanza);
  const patterns = rhymed ? finished.map((s) => s.pattern!).filter((p) => !p.includes('-')) : [];
  return {
    kind: detected.kind,
    confidence: detected.confidence,
    unit: cjk ? 'character' : 'syllable',
    stanzas,
    lineLengths: complete.map((l) => l.length),
    medianLineLength: median(complete.map((l) => l.length)),
    stanzaLengths: stanzas.map((s) => s.lines.length),
    typicalStanzaLength: mostCommon(finished.map((s) => s.lines.length)),
    stanzaPattern: mostCommon(patterns),
    scheme: rhymed ? stanzas.map((s) => s.lines.filter((l) => l.complete).map((l) => l.letter ?? '-').join('')).filter(Boolean).join(' ') : null,
    refrains: findRefrains(complete),
    next,
  };
}

/** Plans the line after the text; `tail` is the text after its last line. */
function nextLine(tail: string, stanzas: readonly FormStanza[], rhymed: boolean, verse: boolean): NextLine {
  const last = stanzas[stanzas.length - 1];
  const lastLine = last?.lines[last.lines.length - 1];
  let stanza: number;
  if (!last) stanza = 0;
  else if (!lastLine!.complete) stanza = stanzas.length - 1;
  // A blank line (or a heading, a section break) typed after the last line opens a new stanza.
  else stanza = /\n[ \t]*\r?\n|\n\s*(?:#|\*\s*\*|-{3,}|_{3,})/.test(tail) ? stanzas.length : stanzas.length - 1;
  const facts = (lines: readonly FormLine[]): LineFacts[] => lines.filter((l) => l.complete).map(({ letter, length, lineNumber }) => ({ letter, length, lineNumber }));
  const previous = stanzas.slice(0, stanza).map((s) => facts(s.lines));
  let current = stanzas[stanza]?.lines.filter((l) => l.complete) ?? [];
  let plan = planNextLine(previous, facts(current), rhymed);
  let needsStanzaBreak = false;
  // A stanza as long as its form or its predecessors is finished: the next line opens another.
  const inProgress = stanzas[stanza]?.lines.some((l) => !l.complete) ?? false;
  if (verse && !inProgress && current.length > 0 && plan.stanzaLength !== null && current.length >= plan.stanzaLength) {
    plan = planNextLine([...previous, facts(current)], [], rhymed);
    current = [];
    stanza++;
    needsStanzaBreak = true;
  }
  const partner = plan.rhymeWithIndex === null ? undefined : current[plan.rhymeWithIndex];
  return {
    stanza,
    lineInStanza: current.length,
    startsStanza: current.length === 0,
    needsStanzaBreak,
    letter: plan.letter,
    rhymeWith: partner?.rhyme ? { lineNumber: partner.lineNumber, word: partner.rhyme.word, key: partner.rhyme.key, rhyme: partner.rhyme } : null,
    linesRemainingInStanza: plan.linesRemaining,
    targetLength: plan.targetLength,
  };
}

function findRefrains(lines: readonly FormLine[]): Refrain[] {
  const groups = new Map<string, Refrain>();
  for (const line of lines) {
    const words = lineWords(line.text);
    const key = words.join(' ');
    // One repeated word ("Oh!") is an echo, not a refrain.
    if (words.length < 2 && countCjkCharacters(key) < 3) continue;
    const group = groups.get(key);
    if (group) group.lineNumbers.push(line.lineNumber);
    else groups.set(key, { text: line.text, lineNumbers: [line.lineNumber] });
  }
  return [...groups.values()].filter((g) => g.lineNumbers.length > 1);
}

function mostCommon<T>(values: readonly T[]): T | null {
  const counts = new Map<T, number>();
  let best: T | null = null;
  for (const v of values) {
    const n = (counts.get(v) ?? 0) + 1;
    counts.set(v, n);
    if (best === null || n >= counts.get(best)!) best = v;
  }
  return best;
}

function median(values: readonly number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
