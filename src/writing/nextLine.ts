import { FIXED_FORMS, normalizeScheme, schemeLetter } from './rhymeScheme';

/** What is known about one finished line, for predicting the next. */
export interface LineFacts {
  letter: string | null;
  length: number;
  lineNumber: number;
}

/** The rhyme and shape the next line of a poem should have. */
export interface NextLinePlan {
  /** Rhyme letter the line should take (in the poem's lettering); null when the poem does not rhyme or the pattern is unclear. */
  letter: string | null;
  /** The earlier line (index into the current stanza's lines) it should rhyme with; null for a new rhyme. */
  rhymeWithIndex: number | null;
  /** Lines still to write in the stanza, counting this one; null when the stanza's length is unknown. */
  linesRemaining: number | null;
  /** Expected syllables (or characters) for the line; null when nothing is known. */
  targetLength: number | null;
  /** The stanza pattern the prediction follows ("ABAAB"), or null. */
  pattern: string | null;
  /** How long the stanza is expected to be; null when unknown. */
  stanzaLength: number | null;
}

/** A stanza shape: its letter at each position, and its length when it is fixed. */
interface Template {
  pattern: string;
  fixedLength: number | null;
  /** A guessed shape must be borne out by a rhyme already made; the poem's own shape need not. */
  needsEvidence: boolean;
  letterAt(i: number): string;
}

/** Repeating rhyme units for a stanza of unknown length, most common first. */
const UNITS = ['AA', 'ABAB', 'ABBA', 'ABCB', 'AABA'];

/**
 * Plans the next line of a stanza from the stanzas before it and the lines already in it.
 *
 * The pattern to follow is, in order: the most common shape of the previous stanzas (when the
 * current stanza still fits it), a fixed form the stanza has entered (a 14-line sonnet once two
 * quatrains are in place), then the first repeating unit (couplets, alternate quatrains,
 * envelope, ballad, terza rima) consistent with the lines so far.
 */
export function planNextLine(previous: readonly (readonly LineFacts[])[], current: readonly LineFacts[], rhymed: boolean): NextLinePlan {
  const index = current.length;
  const lengths = previous.map((s) => s.length);
  const typical = mode(lengths);
  const templates = rhymed ? candidateTemplates(previous, current) : [];
  const template = templates.find((t) => consistent(t, current));

  let letter: string | null = null;
  let rhymeWithIndex: number | null = null;
  if (template) {
    const wanted = template.letterAt(index);
    for (let i = index - 1; i >= 0 && rhymeWithIndex === null; i--) {
      if (template.letterAt(i) === wanted) rhymeWithIndex = i;
    }
    if (rhymeWithIndex !== null) letter = current[rhymeWithIndex].letter;
    else {
      const used = new Set([...previous.flat(), ...current].map((l) => l.letter).filter((l) => l !== null));
      letter = schemeLetter(used.size);
    }
  }

  const stanzaLength = template?.fixedLength ?? typical;
  const linesRemaining = stanzaLength !== null && stanzaLength > index ? stanzaLength - index : null;
  const sameShape = previous.filter((s) => s.length > index && (stanzaLength === null || s.length === stanzaLength));
  const atPosition = sameShape.map((s) => s[index].length);
  const everywhere = [...previous.flat(), ...current].map((l) => l.length);
  const targetLength = median(atPosition.length ? atPosition : everywhere);
  return { letter, rhymeWithIndex, linesRemaining, targetLength, pattern: template?.pattern ?? null, stanzaLength };
}

function candidateTemplates(previous: readonly (readonly LineFacts[])[], current: readonly LineFacts[]): Template[] {
  const templates: Template[] = [];
  const shapes = previous.map((s) => normalizeScheme(s.map((l) => l.letter))).filter((p) => !p.includes('-'));
  const counts = new Map<string, number>();
  for (const shape of shapes) counts.set(shape, (counts.get(shape) ?? 0) + 1);
  // Most frequent shape; among equals the latest, which is closest to what the poet does now.
  const ranked = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || shapes.lastIndexOf(b) - shapes.lastIndexOf(a));
  for (const shape of ranked) if (shape.length > current.length) templates.push(fixed(shape, false));
  if (current.length >= 8) for (const form of FIXED_FORMS) if (form.length > current.length) templates.push(fixed(form, true));
  for (const unit of UNITS) templates.push(repeating(unit));
  templates.push(terzaRima());
  return templates;
}

function fixed(pattern: string, needsEvidence: boolean): Template {
  return { pattern, fixedLength: pattern.length, needsEvidence, letterAt: (i) => pattern[i] ?? `+${i}` };
}

/** A unit repeated with fresh letters each time: "ABAB" gives ABAB CDCD EFEF … */
function repeating(unit: string): Template {
  const letters = new Set(unit).size;
  return {
    pattern: unit,
    fixedLength: null,
    needsEvidence: true,
    letterAt: (i) => String(Math.floor(i / unit.length) * letters + (unit.charCodeAt(i % unit.length) - 65)),
  };
}

/** ABA BCB CDC …: each tercet's middle rhyme frames the next. */
function terzaRima(): Template {
  return { pattern: 'ABA BCB', fixedLength: null, needsEvidence: true, letterAt: (i) => String(Math.floor(i / 3) + (i % 3 === 1 ? 1 : 0)) };
}

/**
 * Whether the lines so far fit a template: lines the template pairs share a letter, lines it
 * keeps apart do not; and at least one of its rhymes has already happened, so that a
 * template is never chosen on no evidence.
 */
function consistent(template: Template, lines: readonly LineFacts[]): boolean {
  let evidence = false;
  for (let i = 0; i < lines.length; i++) {
    for (let j = 0; j < i; j++) {
      const same = template.letterAt(i) === template.letterAt(j);
      const a = lines[i].letter;
      const b = lines[j].letter;
      if (a === null || b === null) continue;
      if (same !== (a === b)) return false;
      if (same) evidence = true;
    }
  }
  return evidence || !template.needsEvidence;
}

/** The most common value; among equally common ones the latest. */
function mode(values: readonly number[]): number | null {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: number | null = null;
  for (const [v, n] of counts) {
    const bestCount = best === null ? 0 : counts.get(best)!;
    if (n > bestCount || (n === bestCount && values.lastIndexOf(v) > values.lastIndexOf(best!))) best = v;
  }
  return best;
}

function median(values: readonly number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
}
