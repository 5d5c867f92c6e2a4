import { normalizeScheme } from './rhymeScheme';
import prior from './schemePrior.json';

/** Lines of a first stanza the prior was counted over. */
export const PRIOR_LINES = 16;
/** Outcomes: a new rhyme (0), or a rhyme with the line 1 … 4 back. */
export const PRIOR_OUTCOMES = 5;
/** Lines the state looks back over. */
const STATE_LINES = 4;

/**
 * What the prior knows of a stanza so far: its last four lines' rhyme letters, relettered
 * ("ABAB", "-" for a line without words); before them "*" when more lines came first and two of
 * those rhyme, "+" when more lines came first and none rhyme.
 */
export function schemeState(letters: readonly (string | null)[]): string {
  const recent = letters.slice(-STATE_LINES);
  if (letters.length <= STATE_LINES) return normalizeScheme(recent);
  const earlier = letters.slice(0, -STATE_LINES).filter((l) => l !== null);
  return (new Set(earlier).size < earlier.length ? '*' : '+') + normalizeScheme(recent);
}

/** A line of the stanza as the prior reads its shape: its indentation and its length (syllables). */
export interface LineShape {
  indent: string;
  length: number;
}

/** A line this much shorter (longer) than the stanza's median so far reads as short (long). */
const SHORT = 0.8;
const LONG = 1.2;

/**
 * The shape of a stanza's last four lines, beside its rhyme state: their indentation relettered
 * ("ABAB": indented every other line) and their lengths against the stanza's median so far
 * ("MSMS": short every other line). Poets indent lines that rhyme together and shorten a ballad's
 * even lines, so the same rhyme state goes on differently with a different shape.
 */
export function schemeCues(shape: readonly LineShape[]): { indent: string; length: string } {
  const recent = shape.slice(-STATE_LINES);
  const sorted = shape.map((l) => l.length).sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return {
    indent: normalizeScheme(recent.map((l) => String(l.indent.length))),
    length: recent.map((l) => (l.length < median * SHORT ? 'S' : l.length > median * LONG ? 'L' : 'M')).join(''),
  };
}

/**
 * The keys a stanza's counts are kept under, the most specific first: its state with both cues
 * ("AB|i:AB|l:MS"), with its lengths' cue, with its indentation's, and the state alone.
 */
export function priorKeys(letters: readonly (string | null)[], shape?: readonly LineShape[] | null): string[] {
  const state = schemeState(letters);
  if (!shape || shape.length !== letters.length) return [state];
  const cues = schemeCues(shape);
  return [`${state}|i:${cues.indent}|l:${cues.length}`, `${state}|l:${cues.length}`, `${state}|i:${cues.indent}`, state];
}

/**
 * How the next line of a first stanza rhymes, by what its lines so far show: counts of [a new
 * rhyme, a rhyme with the line 1, 2, 3, 4 back], under each of `priorKeys`. Counted by
 * bench/stanzaSchemePrior.ts over the first stanzas (first 16 lines) of every poem in the 15
 * tuning files of ../shared/corpus-train (Blake, Burns, Childe Harold, Dunbar, Hardy, Holmes,
 * Housman, Keats, Kipling, Moore, Poe, Rossetti, Shakespeare's sonnets, Tennyson's early poems,
 * Whitman: 6,042 poems, rhymed and not); keys seen fewer than MIN_SEEN times are left out, and
 * keys whose counts are those of the key they fall back to. Nothing in it comes from the poem
 * being planned.
 */
export const SCHEME_PRIOR: Readonly<Record<string, readonly number[]>> = prior;

/** A key seen fewer times than this says too little. */
export const MIN_SEEN = 20;
/** A state the general prior lacks needs the document's stanzas to have been in it this often. */
const HABIT_MIN = 3;

/**
 * What the general prior is worth beside the writer's own document: as many of its stanzas in
 * the same state. On the tuning files (bench/rhymeAimOracle.ts --limit 300 --before 12000) the
 * first stanzas' rhymes were aimed right 67.6 % without the document, and with it 72.3 / 71.3 /
 * 71.6 % at weights 1 / 4 / 16, aiming in vain at 20.1 / 18.6 / 17.5 % of the free lines.
 */
export const PRIOR_WEIGHT = 4;

/**
 * How many lines back the next line of a stanza most likely rhymes, by SCHEME_PRIOR — and by
 * `habit`, the counts of how the poems before this one in the document went on from the same
 * state (documentHabit), when there are any, the prior weighing as PRIOR_WEIGHT of them — when
 * that is at least `share` of what followed the stanza's state; null for a new rhyme, no rhyme,
 * or a state too rare to judge. `letters` are the stanza's rhyme letters so far (read even in a
 * poem not yet known to rhyme); `shape`, its lines' indentation and length, one per letter,
 * narrows the prior to stanzas shaped alike (priorKeys).
 */
export function priorPartner(
  letters: readonly (string | null)[],
  share: number,
  habit?: ReadonlyMap<string, readonly number[]> | null,
  shape?: readonly LineShape[] | null,
): number | null {
  const keys = priorKeys(letters, shape);
  const state = keys[keys.length - 1]!;
  // The most specific key seen often enough; the document's habit is kept by state alone.
  const sum = (c: readonly number[]) => c.reduce((a, b) => a + b, 0);
  const general = keys.map((k) => SCHEME_PRIOR[k]).find((c) => c !== undefined && sum(c) >= MIN_SEEN);
  const generalTotal = general ? sum(general) : 0;
  const own = habit?.get(state);
  const counts = new Array<number>(PRIOR_OUTCOMES).fill(0);
  if (generalTotal >= MIN_SEEN) general!.forEach((c, k) => (counts[k] += (own ? PRIOR_WEIGHT : 1) * (c / generalTotal)));
  if (own) own.forEach((c, k) => (counts[k] += c));
  const total = counts.reduce((a, b) => a + b, 0);
  // A state the general prior has (almost) never seen is judged by the document alone only once it has shown it a few times.
  if (total === 0 || (generalTotal < MIN_SEEN && total < HABIT_MIN)) return null;
  let best = 1;
  for (let back = 2; back < counts.length; back++) if (counts[back]! > counts[best]!) best = back;
  if (best > letters.length || counts[best]! < share * total) return null;
  return best;
}

