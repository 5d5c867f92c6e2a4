/**
 * What a whole poem's form says about each of its lines — the truth a continuation of it is
 * measured against in eval-form: the length each line's position calls for, its indentation,
 * its rhyme partner, a refrain it repeats, the poem's metre, and what kind of form it is.
 * Read from the whole poem (later stanzas included), not only the lines before a cut.
 */
import { isCjkText } from '../chinese/cjkText';
import { lineWords } from '../lines/lineWords';
import { dominantMetre, type Metre } from '../sound/metre';
import { stanzaRhymes, type LineFacts } from '../lines/nextLine';
import { analyzePoemForm, type FormLine, type PoemForm } from './poemForm';

/** What the poem asks of the line at one position. */
export interface LineTruth {
  text: string;
  /** Index of the stanza it is in, and its position there. */
  stanza: number;
  position: number;
  /** Length its position calls for (syllables; characters in CJK), or null in free verse. */
  target: number | null;
  indent: string;
  /** Index (into the poem's lines) of the earlier line it rhymes with in the poem's scheme, or null. */
  rhymesWith: number | null;
  /** Words it repeats as a refrain (the whole line, or its ending), or null. */
  refrain: { words: string[]; whole: boolean } | null;
}

/** Kinds of form eval-form reports separately. */
export type FormClass =
  | 'sonnet'
  | 'ballad / hymn metre'
  | 'quatrains'
  | 'couplets'
  | 'Burns stanza'
  | 'long stanzas'
  | 'indented stanzas'
  | 'refrain'
  | 'song'
  | 'blank verse'
  | 'free verse'
  | 'other rhymed'
  | 'other unrhymed'
  | 'jueju (绝句)'
  | 'lushi (律诗)'
  | 'ci (词)'
  | 'CJK other';

export interface PoemTruth {
  form: PoemForm;
  lines: LineTruth[];
  metre: Metre | null;
  /** The poem's median line length, the old single target. */
  median: number;
  formClass: FormClass;
  /** The stanza length the poem keeps, or null. */
  stanzaLength: number | null;
}

const TOLERANCE = 0.25;
const REGULAR_SHARE = 0.7;

/** Reads a whole poem's form, line by line. */
export function poemTruth(original: string): PoemTruth {
  const form = analyzePoemForm(original, { kind: 'verse', lastLineComplete: true, wholeText: true });
  const stanzas = form.stanzas;
  const flat = stanzas.flatMap((s, k) => s.lines.map((l, j) => ({ line: l, stanza: k, position: j })));
  const median = medianOf(flat.map((f) => f.line.length)) || 1;
  const stanzaLength = keptLength(stanzas.map((s) => s.lines.length));
  const models = stanzaLength === null ? [] : stanzas.filter((s) => s.lines.length === stanzaLength);
  const positionTarget = (j: number, own: number): number =>
    models.length >= 2 && own === stanzaLength ? medianOf(models.map((s) => s.lines[j]!.length)) : median;
  const regular = flat.filter((f) => within(f.line.length, positionTarget(f.position, stanzas[f.stanza]!.lines.length))).length >= REGULAR_SHARE * flat.length;

  const partners = rhymePartners(form, stanzaLength);
  const lines: LineTruth[] = flat.map((f, p) => {
    const own = stanzas[f.stanza]!.lines.length;
    const partner = partners[p]!;
    return {
      text: f.line.text,
      stanza: f.stanza,
      position: f.position,
      target: regular ? positionTarget(f.position, own) : null,
      indent: f.line.indent,
      rhymesWith: partner,
      refrain: own === stanzaLength ? refrainAt(models, stanzas[f.stanza]!, f.position) : null,
    };
  });
  const cjk = isCjkText(original);
  const metre = cjk || !regular ? null : dominantMetre(flat.map((f) => f.line.text));
  return { form, lines, metre, median, formClass: classify(form, lines, stanzaLength, regular, cjk), stanzaLength };
}

/**
 * The earlier line each line rhymes with in the poem's scheme (index into its lines), or null.
 * A poem in stanzas of one length rhymes by position: a line's partner is the position its
 * position rhymes with in most stanzas (a chain rhyme's in the stanza before), so a word that
 * happens to recur, or a stray slant rhyme, is not a rhyme the form asks for. Other poems pair
 * a line with the nearest earlier line of its stanza that shares its rhyme letter.
 */
function rhymePartners(form: PoemForm, stanzaLength: number | null): (number | null)[] {
  const out: (number | null)[] = [];
  if (!form.scheme) return form.stanzas.flatMap((s) => s.lines.map(() => null));
  const facts = form.stanzas.map((s) => s.lines.map((l): LineFacts => ({ letter: l.letter, length: l.length, lineNumber: l.lineNumber })));
  const models = stanzaLength === null ? [] : facts.filter((s) => s.length === stanzaLength);
  const positional = models.length >= 2 ? stanzaRhymes(models, facts, stanzaLength!) : null;
  let offset = 0;
  form.stanzas.forEach((stanza, k) => {
    stanza.lines.forEach((line, j) => {
      if (positional && stanza.lines.length === stanzaLength) {
        const r = positional[j];
        const previousOk = k > 0 && form.stanzas[k - 1]!.lines.length === stanzaLength;
        out.push(!r ? null : r.chain ? (previousOk ? offset - stanzaLength! + r.at : null) : offset + r.at);
        return;
      }
      let partner: number | null = null;
      for (let i = j - 1; i >= 0 && partner === null; i--) if (line.letter !== null && stanza.lines[i]!.letter === line.letter) partner = offset + i;
      out.push(partner);
    });
    offset += stanza.lines.length;
  });
  return out;
}

/** Whether a length is within a quarter of the target (at least one unit either way). */
export function within(length: number, target: number): boolean {
  return Math.abs(length - target) <= Math.max(1, target * TOLERANCE) + 1e-9;
}

/** The stanza length most stanzas share (two or more of them, half or more); null otherwise. */
function keptLength(lengths: readonly number[]): number | null {
  const counts = new Map<number, number>();
  for (const n of lengths) counts.set(n, (counts.get(n) ?? 0) + 1);
  let best: number | null = null;
  for (const [n, c] of counts) if (best === null || c > counts.get(best)!) best = n;
  if (best === null) return null;
  const c = counts.get(best)!;
  return c >= 2 && c * 2 >= lengths.length ? best : null;
}

/**
 * A refrain at position `j` of a stanza: the same words at that position in at least one
 * other stanza of the kept length (the whole line), or the same closing words (two or more).
 */
function refrainAt(models: readonly { lines: FormLine[] }[], stanza: { lines: FormLine[] }, j: number): LineTruth['refrain'] {
  const own = stanza.lines[j];
  if (!own) return null;
  const words = lineWords(own.text);
  if (words.length < 2) return null;
  const others = models.filter((s) => s !== stanza).map((s) => lineWords(s.lines[j]!.text));
  if (!others.length) return null;
  if (others.every((w) => w.join(' ') === words.join(' '))) return { words, whole: true };
  let shared = 0;
  while (shared < words.length && others.every((w) => w.length > shared && w[w.length - 1 - shared] === words[words.length - 1 - shared])) shared++;
  return shared >= 2 ? { words: words.slice(words.length - shared), whole: false } : null;
}

function classify(form: PoemForm, lines: readonly LineTruth[], stanzaLength: number | null, regular: boolean, cjk: boolean): FormClass {
  if (cjk) {
    if (form.chinese?.kind === 'ci') return 'ci (词)';
    if (form.chinese?.kind === 'regulated') return form.chinese.lines === 4 ? 'jueju (绝句)' : 'lushi (律诗)';
    return 'CJK other';
  }
  if (form.stanzas.some((s) => s.label)) return 'song';
  if (lines.some((l) => l.refrain)) return 'refrain';
  if (!regular) return 'free verse';
  const rhymed = form.scheme !== null;
  const count = lines.length;
  if (rhymed && count === 14 && form.stanzas.length <= 4) return 'sonnet';
  const indents = new Set(lines.map((l) => l.indent));
  if (stanzaLength !== null && indents.size > 1) {
    const pattern = form.stanzaPattern ?? '';
    if (stanzaLength === 6 && pattern === 'AAABAB') return 'Burns stanza';
    return 'indented stanzas';
  }
  if (stanzaLength === 4) {
    const alternates = lines.some((l) => l.position === 1 && l.target !== null && lines.some((m) => m.stanza === l.stanza && m.position === 0 && m.target !== null && m.target - l.target! >= 2));
    return alternates ? 'ballad / hymn metre' : rhymed ? 'quatrains' : 'other unrhymed';
  }
  if (stanzaLength === 6 && form.stanzaPattern === 'AAABAB') return 'Burns stanza';
  if (stanzaLength !== null && stanzaLength >= 7) return rhymed ? 'long stanzas' : 'other unrhymed';
  if (!rhymed) return 'blank verse';
  // Couplets: most line pairs (1–2, 3–4, …) share their letter.
  const letters = form.stanzas.flatMap((s) => s.lines.map((l) => l.letter));
  let pairs = 0;
  let paired = 0;
  for (let i = 0; i + 1 < letters.length; i += 2) {
    pairs++;
    if (letters[i] !== null && letters[i] === letters[i + 1]) paired++;
  }
  return pairs && paired >= pairs * 0.8 ? 'couplets' : 'other rhymed';
}

function medianOf(values: readonly number[]): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
