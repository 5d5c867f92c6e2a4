/**
 * Metre: where a line's stresses fall, from the CMU dictionary, and which foot it keeps —
 * iambic (da-DUM), trochaic (DUM-da), anapestic (da-da-DUM) or dactylic (DUM-da-da). English
 * monosyllables take the stress the metre gives them, so only words of two syllables or more
 * (and the small words that are nearly always light) can break a metre; a line keeps its foot
 * when at most one such stress falls against it (two in a long line).
 */
import { countWordSyllables } from './syllables';
import { lineWords } from '../lines/lineWords';
import { phoneSyllables, pronunciations } from './pronouncingDictionary';

/** The four classical feet English verse is written in. */
export type Foot = 'iamb' | 'trochee' | 'anapest' | 'dactyl';

/** The feet, rising duple first. */
export const FEET: readonly Foot[] = ['iamb', 'trochee', 'anapest', 'dactyl'];

/**
 * Words that are almost always unstressed in verse (articles, prepositions, conjunctions,
 * pronouns, auxiliaries): a metre may still lift one onto a beat, at half the cost of a
 * dictionary stress out of place.
 */
const LIGHT = new Set(
  ('a an the of to in on at by for with from as and or nor but if than that so ' +
    'i me my thy thee thou you your he him his she her it its we us our they them their ' +
    'is am are was were be been has had have do does did shall will can may must would could should ' +
    "'tis 'twas o'er e'er ne'er th' o' wi' i'").split(' '),
);

/**
 * The stress of each syllable of a line: `S` stressed and `U` unstressed (in a word of two
 * syllables or more, from the dictionary), `w` a light monosyllable, `x` any other
 * monosyllable or a syllable the dictionary cannot place (it fits either).
 */
export function lineStresses(line: string): string {
  let out = '';
  for (const word of lineWords(line)) out += wordStresses(word);
  return out;
}

function wordStresses(word: string): string {
  const syllables = countWordSyllables(word);
  if (syllables === 0) return '';
  if (syllables === 1) return LIGHT.has(word) ? 'w' : 'x';
  // The pronunciation with as many syllables as the line is counted with (verse favours the short ones).
  const found = pronunciations(word.replace(/'/g, ''))?.find((p) => phoneSyllables(p) === syllables);
  if (!found) return 'x'.repeat(syllables);
  let stresses = '';
  for (const phone of found) {
    const digit = phone[phone.length - 1];
    if (digit === '1') stresses += 'S';
    else if (digit === '0') stresses += 'U';
    else if (digit === '2') stresses += 'x';
  }
  return stresses;
}

/** The beat pattern of a foot from a given syllable on: true where a stress belongs. */
function beat(foot: Foot, i: number, shift: number): boolean {
  const j = i + shift;
  switch (foot) {
    case 'iamb':
      return j % 2 === 1;
    case 'trochee':
      return j % 2 === 0;
    case 'anapest':
      return j % 3 === 2;
    case 'dactyl':
      return j % 3 === 0;
  }
}

/**
 * How far a line's stresses fall against a foot: 1 for each dictionary stress on an offbeat
 * or unstressed syllable on a beat, ½ for a light word lifted onto a beat. The usual licences
 * are free: a first foot inverted (iambic lines opening DUM-da), a first foot short by a
 * syllable (headless iambs, anapests opening da-DUM), an extra light syllable at the end.
 */
export function metreCost(stresses: string, foot: Foot): number {
  if (!stresses) return 0;
  const triple = foot === 'anapest' || foot === 'dactyl';
  const shifts = triple ? [0, 1] : [0];
  let best = Infinity;
  for (const shift of shifts) {
    best = Math.min(best, cost(stresses, foot, shift));
    if (foot === 'iamb' && stresses.length >= 2) {
      // Initial inversion: the first two syllables swapped.
      best = Math.min(best, cost(stresses[1]! + stresses[0]! + stresses.slice(2), foot, shift));
    }
  }
  return best;
}

function cost(stresses: string, foot: Foot, shift: number): number {
  let total = 0;
  for (let i = 0; i < stresses.length; i++) {
    const s = stresses[i]!;
    const on = beat(foot, i, shift);
    if (on && s === 'U') total += 1;
    else if (on && s === 'w') total += 0.5;
    else if (!on && s === 'S') total += 1;
  }
  return total;
}

/** Stresses against the foot a line may have and still keep it: one, two in a line of eleven syllables or more. */
export function metreTolerance(syllables: number): number {
  return syllables >= 11 ? 2 : 1;
}

/** Whether a line keeps a foot: at most one stress against it (two in a line of eleven syllables or more). */
export function keepsFoot(line: string, foot: Foot): boolean {
  const stresses = lineStresses(line);
  return stresses.length > 0 && metreCost(stresses, foot) <= metreTolerance(stresses.length);
}

/** A poem's metre: its foot, and the share of its lines that keep it. */
export interface Metre {
  foot: Foot;
  share: number;
}

/** Lines a poem needs before its metre is read. */
const MIN_LINES = 4;
/** Share of lines that must keep a foot for it to be the poem's. */
const MIN_SHARE = 0.6;

/**
 * The poem's dominant foot, or null for mixed metres, CJK text and poems too short to tell
 * (free verse is told by its line lengths, before this is asked). Monosyllables fit every
 * foot, so the count of lines that keep a foot cannot tell duple from triple metre: the gaps
 * between dictionary stresses do (one or three syllables in iambs and trochees, two in
 * anapests and dactyls). Then the foot of that kind with fewer stresses against it, if three
 * lines in five keep it.
 */
export function dominantMetre(lines: readonly string[]): Metre | null {
  const scanned = lines.map(lineStresses).filter((s) => s.length > 0);
  if (scanned.length < MIN_LINES) return null;
  let duple = 0;
  let triple = 0;
  for (const s of scanned) {
    let last = -1;
    for (let i = 0; i < s.length; i++) {
      if (s[i] !== 'S') continue;
      if (last >= 0) {
        const gap = i - last;
        if (gap % 2 === 0) duple++;
        if (gap % 3 === 0) triple++;
      }
      last = i;
    }
  }
  const kinds: Foot[] = triple > duple ? ['anapest', 'dactyl'] : ['iamb', 'trochee'];
  const costOf = (foot: Foot) => scanned.reduce((sum, s) => sum + metreCost(s, foot), 0);
  const foot = costOf(kinds[1]!) < costOf(kinds[0]!) ? kinds[1]! : kinds[0]!;
  const share = scanned.filter((s) => metreCost(s, foot) <= metreTolerance(s.length)).length / scanned.length;
  return share >= MIN_SHARE ? { foot, share: Math.round(share * 1000) / 1000 } : null;
}
