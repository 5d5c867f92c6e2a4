import { lineWords } from './lineWords';
import { FIXED_FORMS, normalizeScheme, schemeLetter } from '../scheme/rhymeScheme';
import { priorPartner } from '../scheme/schemePrior';
import { lineRhymeKey, rhymes } from '../sound/rhyme';

/** What is known about one finished line, for predicting the next. */
export interface LineFacts {
  letter: string | null;
  length: number;
  lineNumber: number;
  /** Whitespace before the line's text ('' when absent). */
  indent?: string;
  /** The line as written (for refrains). */
  text?: string;
  /**
   * Its rhyme letter as read even where the poem is not (yet) known to rhyme ("AB" of a first
   * stanza whose lines have not rhymed): what the stanza-scheme prior judges by. Absent: `letter`.
   */
  sound?: string | null;
}

/** A refrain the next line carries: the whole line, or the words it ends with ("an' a' that"). */
export interface PlannedRefrain {
  text: string;
  whole: boolean;
}

/** The rhyme and shape the next line of a poem should have. */
export interface NextLinePlan {
  /** Rhyme letter the line should take (in the poem's lettering); null when the poem does not rhyme or the pattern is unclear. */
  letter: string | null;
  /** The earlier line (index into the current stanza's lines) it should rhyme with; null for a new rhyme. */
  rhymeWithIndex: number | null;
  /** The line of the stanza before (index into it) it should rhyme with, for rhymes that chain stanzas (terza rima); null otherwise. */
  rhymeWithPreviousIndex: number | null;
  /** A new rhyme that a later line of the stanza is to answer (ABAB's first line, by the stanza's known pattern). */
  opensRhyme: boolean;
  /** Lines still to write in the stanza, counting this one; null when the stanza's length is unknown. */
  linesRemaining: number | null;
  /** Expected syllables (or characters) for the line; null when nothing is known or the poem is free verse. */
  targetLength: number | null;
  /** The stanza pattern the prediction follows ("ABAAB"), or null. */
  pattern: string | null;
  /** How long the stanza is expected to be; null when unknown. */
  stanzaLength: number | null;
  /** Indentation the line takes, like the lines it follows in pattern; '' for none. */
  indent: string;
  /** A refrain the line repeats, or null. */
  refrain: PlannedRefrain | null;
  /** Free verse: no target, but the poem's own spread of line lengths (10th to 90th percentile); null otherwise. */
  range: { low: number; high: number } | null;
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
 * The stanza-scheme prior aims a rhyme when this share of the stanzas in that state rhymed there:
 * AB → ABA (54 %), ABC → ABCB (38 %), but after ABCD none (the best, 2 back, 3 %). Chosen on the tuning files:
 * at 0.5 the own scheme was kept 77.4 %, at 0.35 80.1 %, each aim spent on a line the poem leaves
 * free costing a little perplexity (8.5 → 8.8).
 */
const PRIOR_SHARE = 0.35;
/** Lines within this share of their expected length count as keeping it. */
const LENGTH_TOLERANCE = 0.25;
/** A poem whose lines keep their expected lengths less often than this is free verse: no target. */
const REGULAR_SHARE = 0.7;
/** Lines a poem needs before it can be called free verse (a Burns stanza's 8-8-8-4-8-4 is not). */
const FREE_VERSE_LINES = 8;

/**
 * Plans the next line of a stanza from the stanzas before it (of the same kind: a song's
 * verses for a verse) and the lines already in it.
 *
 * Position first: once the poem has stanzas of the length the current one is heading for, the
 * line takes what lines at its position took there — their length (common metre's 8-6-8-6, the
 * Burns stanza's short fourth and sixth lines, the Spenserian alexandrine), their indentation,
 * the rhyme partner they had in most of them (ABCB, ABAB, AABB), and a refrain they all repeat.
 * Before that (the first stanza, or a poem in one block), the rhyme follows the first
 * repeating unit (couplets, alternate quatrains, envelope, ballad, terza rima) or fixed form
 * (a sonnet once two quatrains are in place) the lines bear out, and the length alternates when
 * the lines so far alternate, else keeps the poem's median. A poem whose lines keep no length
 * (free verse) gets no target, only its own range.
 */
export function planNextLine(
  previous: readonly (readonly LineFacts[])[],
  current: readonly LineFacts[],
  rhymed: boolean,
  options: { trustSingleStanza?: boolean; habit?: ReadonlyMap<string, readonly number[]> | null } = {},
): NextLinePlan {
  const index = current.length;
  const typical = typicalLength(previous.map((s) => s.length), options.trustSingleStanza ?? false);
  const models = typical !== null && typical > index ? previous.filter((s) => s.length === typical) : [];

  let letter: string | null = null;
  let rhymeWithIndex: number | null = null;
  let rhymeWithPreviousIndex: number | null = null;
  let template: Template | undefined;
  const used = () => new Set([...previous.flat(), ...current].map((l) => l.letter).filter((l) => l !== null)).size;
  if (rhymed && models.length > 0) {
    // The poem's own stanzas say which earlier position this one rhymes with.
    const partner = positionalPartner(models, index);
    const chained = partner === null && previous.length > 0 ? chainPartner(previous, typical!, index) : null;
    if (partner !== null) {
      rhymeWithIndex = partner;
      letter = current[partner]?.letter ?? null;
    } else if (chained !== null) {
      rhymeWithPreviousIndex = chained;
      letter = previous[previous.length - 1]![chained]?.letter ?? null;
    }
    letter ??= schemeLetter(used());
    template = fixed(normalizeScheme(positionalLetters(models, typical!)), false);
  } else if (rhymed) {
    // The shapes of earlier stanzas and fixed forms must fit exactly; a repeating unit need
    // only fit the recent lines best, a slip or two allowed (a triplet among couplets).
    template = candidateTemplates(previous, current).find((t) => consistent(t, current)) ?? bestUnit(current) ?? undefined;
    if (template) {
      const wanted = template.letterAt(index);
      for (let i = index - 1; i >= 0 && rhymeWithIndex === null; i--) {
        if (template.letterAt(i) === wanted) rhymeWithIndex = i;
      }
      letter = rhymeWithIndex !== null ? current[rhymeWithIndex]!.letter : schemeLetter(used());
    }
  }
  // A first stanza that shows no pattern yet: what usually follows lines rhymed as these are —
  // ABA after AB, ABCB's fourth line, a couplet's close — and what the poems before it in the
  // document did in the same place, when it is likely enough. A poem not known to rhyme is given
  // this from its second line to its fourth only: one line says nothing yet (a couplet after it
  // is 40 %), five lines with too few rhymes are free or blank verse.
  if (!models.length && !template && (rhymed || (previous.length === 0 && index >= 2 && index <= 4))) {
    const shape = current.map((l) => ({ indent: l.indent ?? '', length: l.length }));
    const back = priorPartner(current.map((l) => (l.sound === undefined ? l.letter : l.sound)), PRIOR_SHARE, options.habit, shape);
    if (back !== null) {
      rhymeWithIndex = index - back;
      const partner = current[rhymeWithIndex]!;
      letter = partner.letter ?? partner.sound ?? null;
    }
  }

  const stanzaLength = models.length ? typical : (template?.fixedLength ?? typical);
  const linesRemaining = stanzaLength !== null && stanzaLength > index ? stanzaLength - index : null;
  // A new rhyme the pattern answers later in the stanza (within a unit's length when the
  // stanza's is unknown).
  let opensRhyme = false;
  if (template && rhymeWithIndex === null && rhymeWithPreviousIndex === null) {
    const own = template.letterAt(index);
    for (let j = index + 1; j < (stanzaLength ?? index + 4) && !opensRhyme; j++) opensRhyme = template.letterAt(j) === own;
  }
  const all = [...previous.flat(), ...current];
  const atPosition = models.map((s) => s[index]!.length);
  let targetLength = median(atPosition.length ? atPosition : (alternating(current, (l) => l.length) ?? all.map((l) => l.length)));
  // Spenserian stanza: the ninth line is an alexandrine, two syllables longer than the rest.
  if (!atPosition.length && targetLength !== null && template?.pattern === 'ABABBCBCC' && index === 8) targetLength += 2;
  let range: NextLinePlan['range'] = null;
  if (targetLength !== null && !regular(previous, current, models.length ? typical : null)) {
    range = spread(all.map((l) => l.length));
    targetLength = null;
  }
  return {
    letter,
    rhymeWithIndex,
    rhymeWithPreviousIndex,
    opensRhyme,
    linesRemaining,
    targetLength,
    pattern: template?.pattern ?? null,
    stanzaLength,
    indent: indentAt(models, index, current, all),
    refrain: refrainAt(models, index),
    range,
  };
}

/**
 * The stanza length the poem keeps: the commonest length among finished stanzas, when it is
 * the length of half of them or more (blank verse's paragraphs of any length have none). One
 * finished stanza of up to eight lines counts (a quatrain, a sestet); one long block does not,
 * except in a song, whose first verse or chorus is the model for the next.
 */
function typicalLength(lengths: readonly number[], trustSingle: boolean): number | null {
  const common = mode(lengths);
  if (common === null) return null;
  const count = lengths.filter((n) => n === common).length;
  // A song's first verse or chorus is the model for the next, however long; a lone line
  // ("Sir,", an epigraph) is not a stanza length.
  if (lengths.length === 1) return common >= 2 && (common <= 8 || trustSingle) ? common : null;
  return count >= 2 && count * 2 >= lengths.length ? common : null;
}

/**
 * The earlier position of the stanza that position `index` rhymes with in most of the model
 * stanzas (lines sharing a rhyme letter), or null for a new rhyme there.
 */
function positionalPartner(models: readonly (readonly LineFacts[])[], index: number): number | null {
  let best: number | null = null;
  let bestShare = 0.5;
  for (let i = index - 1; i >= 0; i--) {
    const share = pairShare(models.map((s) => [s[i]!, s[index]!]));
    // Half the stanzas is enough: a poet who rhymes a position in one stanza of two meant to.
    if (share >= bestShare && (best === null || share > bestShare)) {
      best = i;
      bestShare = share;
    }
  }
  return best;
}

/**
 * For a rhyme that links stanzas (terza rima's ABA BCB, "Stopping by Woods"' AABA BBCB, a tail
 * rhyme every stanza ends on, AAAB CCCB): the position of the previous stanza that position
 * `index` rhymes with in most stanza pairs. The letters link lines three apart at most; the same
 * position a stanza later, further back, is compared by its strict rhyme.
 */
function chainPartner(previous: readonly (readonly LineFacts[])[], length: number, index: number): number | null {
  const pairs: [readonly LineFacts[], readonly LineFacts[]][] = [];
  for (let k = 1; k < previous.length; k++) if (previous[k - 1]!.length === length && previous[k]!.length === length) pairs.push([previous[k - 1]!, previous[k]!]);
  if (!pairs.length) return null;
  let best: number | null = null;
  let bestShare = 0.5;
  for (let i = length - 1; i >= 0; i--) {
    const share = pairShare(pairs.map(([a, b]) => [a[i]!, b[index]!]), i === index);
    if (share > bestShare) {
      best = i;
      bestShare = share;
    }
  }
  return best;
}

/** Where each position of a stanza finds its rhyme: an earlier position of the same stanza, or (chain) one of the stanza before. */
export interface StanzaRhyme {
  at: number;
  chain: boolean;
}

/**
 * The rhyme partner of every position of a stanza of `length` lines, as most of the model
 * stanzas (all of that length) have it; null where a position opens a new rhyme. Stanza pairs
 * for chain rhymes are consecutive stanzas of `sequence`.
 */
export function stanzaRhymes(models: readonly (readonly LineFacts[])[], sequence: readonly (readonly LineFacts[])[], length: number): (StanzaRhyme | null)[] {
  const out: (StanzaRhyme | null)[] = [];
  for (let j = 0; j < length; j++) {
    const within = positionalPartner(models, j);
    const chained = within === null ? chainPartner(sequence, length, j) : null;
    out.push(within !== null ? { at: within, chain: false } : chained !== null ? { at: chained, chain: true } : null);
  }
  return out;
}

/**
 * Share of line pairs with the same rhyme letter, among pairs where both lines have one; with
 * `byRhyme`, lines whose last words rhyme strictly count as the same too.
 */
function pairShare(pairs: readonly (readonly [LineFacts, LineFacts])[], byRhyme = false): number {
  let both = 0;
  let same = 0;
  for (const [a, b] of pairs) {
    if (a.letter === null || b.letter === null) continue;
    both++;
    if (a.letter === b.letter || (byRhyme && strictRhyme(a, b))) same++;
  }
  return both ? same / both : 0;
}

function strictRhyme(a: LineFacts, b: LineFacts): boolean {
  const x = a.text === undefined ? null : lineRhymeKey(a.text);
  const y = b.text === undefined ? null : lineRhymeKey(b.text);
  return x !== null && y !== null && rhymes(x, y, 'strict');
}

/** The stanza's rhyme shape as its positions' partners give it ("ABCB"). */
function positionalLetters(models: readonly (readonly LineFacts[])[], length: number): string[] {
  const letters: string[] = [];
  for (let j = 0; j < length; j++) {
    const partner = positionalPartner(models, j);
    letters.push(partner === null ? String(j) : letters[partner]!);
  }
  return letters;
}

/**
 * Lengths that alternate in the stanza so far (8-6-8 → 6 next), or null: each parity's lines
 * within a syllable of each other, the two parities two or more apart. Needs three lines.
 */
function alternating<T>(lines: readonly LineFacts[], get: (l: LineFacts) => T): T[] | null {
  if (lines.length < 3) return null;
  const even = lines.filter((_, i) => i % 2 === 0).map(get);
  const odd = lines.filter((_, i) => i % 2 === 1).map(get);
  const same = lines.length % 2 === 0 ? even : odd;
  if (typeof even[0] === 'number') {
    const e = even as number[];
    const o = odd as number[];
    const tight = (xs: number[]) => Math.max(...xs) - Math.min(...xs) <= 1;
    if (!tight(e) || !tight(o) || Math.abs(median(e)! - median(o)!) < 2) return null;
    return same;
  }
  const uniform = (xs: T[]) => xs.every((x) => x === xs[0]);
  return uniform(even) && uniform(odd) && even[0] !== odd[0] ? same : null;
}

/**
 * Whether the poem keeps line lengths: most of its lines within a quarter of what their
 * position (or, without positions, the poem's median) leads one to expect. Short poems are
 * given the benefit of the doubt.
 */
function regular(previous: readonly (readonly LineFacts[])[], current: readonly LineFacts[], typical: number | null): boolean {
  const all = [...previous.flat(), ...current];
  if (all.length < FREE_VERSE_LINES) return true;
  const models = typical === null ? [] : previous.filter((s) => s.length === typical);
  const overall = median(all.map((l) => l.length))!;
  let kept = 0;
  for (const stanza of [...previous, current]) {
    stanza.forEach((line, i) => {
      const atPosition = models.length >= 1 && stanza.length <= typical! ? median(models.map((s) => s[i]!.length)) : null;
      const expected = atPosition ?? overall;
      if (Math.abs(line.length - expected) <= Math.max(1, expected * LENGTH_TOLERANCE)) kept++;
    });
  }
  return kept / all.length >= REGULAR_SHARE;
}

/** The 10th to 90th percentile of the lengths: where a free-verse poem's lines fall. */
function spread(lengths: readonly number[]): { low: number; high: number } {
  const sorted = [...lengths].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
  return { low: Math.max(1, at(0.1)), high: Math.max(1, at(0.9)) };
}

/**
 * Indentation for position `index`: what the model stanzas' lines there mostly have; before
 * there are any, the alternation of the stanza so far (indented short lines), else the poem's
 * commonest indentation.
 */
function indentAt(models: readonly (readonly LineFacts[])[], index: number, current: readonly LineFacts[], all: readonly LineFacts[]): string {
  const at = models.map((s) => s[index]!.indent ?? '');
  if (at.length) return mode(at) ?? '';
  const alternate = alternating(current, (l) => l.indent ?? '');
  if (alternate) return alternate[0]!;
  return mode(all.map((l) => l.indent ?? '')) ?? '';
}

/**
 * A refrain at position `index`: the same line in every model stanza (two or more), or the
 * same closing words (two or more words) — the refrain's text as it stands in the latest one.
 */
function refrainAt(models: readonly (readonly LineFacts[])[], index: number): PlannedRefrain | null {
  if (models.length < 2) return null;
  const texts = models.map((s) => s[index]!.text ?? '');
  const words = texts.map((t) => lineWords(t));
  if (words.some((w) => w.length === 0)) return null;
  const latest = texts[texts.length - 1]!;
  if (words.every((w) => w.join(' ') === words[0]!.join(' ')) && words[0]!.length >= 2) return { text: latest, whole: true };
  let shared = 0;
  const shortest = Math.min(...words.map((w) => w.length));
  while (shared < shortest && words.every((w) => w[w.length - 1 - shared] === words[0]![words[0]!.length - 1 - shared])) shared++;
  if (shared < 2 || shared >= words[words.length - 1]!.length) return null;
  return { text: tailWords(latest, shared), whole: false };
}

/** The last `count` words of a line, as written (punctuation kept). */
function tailWords(line: string, count: number): string {
  const pieces = line.trim().split(/(\s+)/);
  let words = 0;
  let i = pieces.length;
  while (i > 0 && words < count) {
    i--;
    if (lineWords(pieces[i]!).length) words += lineWords(pieces[i]!).length;
  }
  return pieces.slice(i).join('');
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
  return templates;
}

/** Recent lines a repeating unit is fitted to: enough to see a pattern, few enough to follow a change. */
const UNIT_WINDOW = 12;

/**
 * The repeating unit (in any phase: couplets may start on an odd line after a triplet) that
 * best fits the stanza's recent lines: most rhymes it predicts made, a slip allowed per six
 * lines, at least one of its rhymes made. Null when none fits.
 */
function bestUnit(lines: readonly LineFacts[]): Template | undefined {
  const from = Math.max(0, lines.length - UNIT_WINDOW);
  const candidates: Template[] = [];
  for (const unit of UNITS) for (let phase = 0; phase < unit.length; phase++) candidates.push(repeating(unit, phase));
  for (let phase = 0; phase < 3; phase++) candidates.push(terzaRima(phase));
  let best: Template | undefined;
  let bestScore = 0;
  for (const t of candidates) {
    const { kept, broken } = fit(t, lines, from);
    const score = kept - 2 * broken;
    if (kept >= 1 && broken <= Math.floor((lines.length - from) / 6) && score > bestScore) {
      best = t;
      bestScore = score;
    }
  }
  // A fixed form the whole stanza fits exactly (ABBAAB… a Petrarchan octave, which reuses its
  // two rhymes) wins over a unit that fits worse; for its rhymes only, since five or six lines
  // do not yet say how long the stanza will be.
  if (lines.length >= 5 && lines.length < 8) {
    for (const form of FIXED_FORMS) {
      if (form.length <= lines.length) continue;
      const t = { ...fixed(form, true), fixedLength: null };
      const { kept, broken } = fit(t, lines, 0);
      if (broken === 0 && kept - 0 > bestScore) {
        best = t;
        bestScore = kept;
      }
    }
  }
  return best;
}

/** Rhymes a template predicts among lines[from…] that were made, and pairs it gets wrong. */
function fit(template: Template, lines: readonly LineFacts[], from: number): { kept: number; broken: number } {
  let kept = 0;
  let broken = 0;
  for (let i = from; i < lines.length; i++) {
    for (let j = from; j < i; j++) {
      const a = lines[i]!.letter;
      const b = lines[j]!.letter;
      if (a === null || b === null) continue;
      const same = template.letterAt(i) === template.letterAt(j);
      if (same && a === b) kept++;
      else if (same !== (a === b)) broken++;
    }
  }
  return { kept, broken };
}

function fixed(pattern: string, needsEvidence: boolean): Template {
  return { pattern, fixedLength: pattern.length, needsEvidence, letterAt: (i) => pattern[i] ?? `+${i}` };
}

/** A unit repeated with fresh letters each time: "ABAB" gives ABAB CDCD EFEF …; `phase` lines of it came before the stanza's first. */
function repeating(unit: string, phase = 0): Template {
  const letters = new Set(unit).size;
  return {
    pattern: unit,
    fixedLength: null,
    needsEvidence: true,
    letterAt: (i) => String(Math.floor((i + phase) / unit.length) * letters + (unit.charCodeAt((i + phase) % unit.length) - 65)),
  };
}

/** ABA BCB CDC …: each tercet's middle rhyme frames the next. */
function terzaRima(phase = 0): Template {
  return { pattern: 'ABA BCB', fixedLength: null, needsEvidence: true, letterAt: (i) => String(Math.floor((i + phase) / 3) + ((i + phase) % 3 === 1 ? 1 : 0)) };
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
      const a = lines[i]!.letter;
      const b = lines[j]!.letter;
      if (a === null || b === null) continue;
      if (same !== (a === b)) return false;
      if (same) evidence = true;
    }
  }
  return evidence || !template.needsEvidence;
}

/** The most common value; among equally common ones the latest. */
function mode<T>(values: readonly T[]): T | null {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T | null = null;
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
  return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}
