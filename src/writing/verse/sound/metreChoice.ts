/**
 * Metre by choice: of a few candidates for the next line, keep one that keeps the poem's foot.
 * Steering each token toward the beat cost metre and variety when it was tried (bench/EVAL-FORM.md);
 * choosing among whole lines the model wrote freely does not touch its words. Measured on
 * held-out poems: a single line keeps the poem's foot ~70 % of the time, and one of five
 * candidates always does.
 */
import type { StopReason } from '../../../common/generation';
import { keepsFoot, lineStresses, metreCost, type Foot } from './metre';
import { lineRhymesWith } from '../lines/lineEnding';
import { lineLength } from '../lines/linePlan';
import type { RhymeKey } from './rhyme';

export interface LineCandidate {
  text: string;
  stopReason: StopReason;
}

/** What the line's plan asks of it besides the metre. */
export interface LineAim {
  /** The line it is to rhyme with (rhyme mode), or null. */
  partner: RhymeKey | null;
  /** Its length band in syllables (linePlan's lengthBand of the target), or null for none. */
  band: { low: number; high: number } | null;
  /** The line in progress a candidate finishes (the first line only), counted in its length. */
  head: string;
}

/**
 * The index of the candidate to keep: first one the model finished (a line end, its end of text
 * or a stop string, rather than the token budget), then, where the line is to rhyme, one that
 * does, then one within its length band, then one whose lines keep `foot`, then the fewest
 * stresses against it; among equals the first (the request's own seed).
 */
export function chooseLineForMetre(candidates: readonly LineCandidate[], foot: Foot | null, aim: LineAim | null = null): number {
  let best = 0;
  let bestScore: number[] | null = null;
  candidates.forEach((c, i) => {
    const score = scoreOf(c, foot, aim);
    if (!bestScore || better(score, bestScore)) {
      best = i;
      bestScore = score;
    }
  });
  return best;
}

/**
 * Whether a candidate is as good as a choice can make it: finished, rhyming where it is to rhyme,
 * every line keeping the foot. Candidates are written one at a time until one is (most first
 * lines already are), so choosing costs little more than writing.
 */
export function lineKeepsForm(candidate: LineCandidate, foot: Foot | null, aim: LineAim | null = null): boolean {
  const score = scoreOf(candidate, foot, aim);
  return score[0] === 1 && score[1] === 1 && score[2] === 1 && (!foot || score[3] === 1);
}

/** Higher is better, compared in order: finished, the rhyme kept, the length in its band, lines keeping the foot, −stresses against it. */
function scoreOf(c: LineCandidate, foot: Foot | null, aim: LineAim | null): number[] {
  const finished = c.stopReason === 'length' || c.stopReason === 'cancelled' ? 0 : 1;
  // The line in progress is part of the first line when the candidate finishes it (does not begin on a new line).
  const text = aim?.head && !c.text.startsWith('\n') ? aim.head + c.text : c.text;
  const lines = text.split('\n').filter((l) => /\p{L}/u.test(l));
  const last = lines.length > 0 ? lines[lines.length - 1]! : '';
  const rhymed = !aim?.partner || (last && lineRhymesWith(last, aim.partner)) ? 1 : 0;
  const length = last ? lineLength(last, 'syllable') : 0;
  const inBand = !aim?.band || (length >= aim.band.low && length <= aim.band.high) ? 1 : 0;
  if (!foot) return [finished, rhymed, inBand];
  let keeping = 0;
  let against = 0;
  for (const line of lines) {
    if (keepsFoot(line, foot)) keeping++;
    against += metreCost(lineStresses(line), foot);
  }
  return [finished, rhymed, inBand, lines.length > 0 ? keeping / lines.length : 0, -against];
}

function better(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return false;
}
