import { normalizeScheme } from './rhymeScheme';

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

/**
 * How the next line of a first stanza rhymes, by what its lines so far show: counts of [a new
 * rhyme, a rhyme with the line 1, 2, 3, 4 back]. Counted by bench/stanzaSchemePrior.ts over the
 * first stanzas (first 16 lines) of every poem in the 15 tuning files of ../shared/corpus-train
 * (Blake, Burns, Childe Harold, Dunbar, Hardy, Holmes, Housman, Keats, Kipling, Moore, Poe,
 * Rossetti, Shakespeare's sonnets, Tennyson's early poems, Whitman: 6,042 poems, rhymed and not);
 * states seen fewer than five times are left out. Nothing in it comes from the poem being planned.
 */
export const SCHEME_PRIOR: Readonly<Record<string, readonly number[]>> = {
  'A': [3621, 2421, 0, 0, 0],
  '*ABBC': [671, 4360, 51, 0, 0],
  '*AABB': [4567, 206, 17, 150, 0],
  'AB': [1236, 292, 1817, 0, 0],
  '+ABCD': [2088, 147, 637, 38, 1],
  'AA': [2199, 165, 65, 0, 0],
  'AAB': [334, 1753, 56, 0, 0],
  'ABA': [114, 83, 1617, 3, 0],
  '+ABBC': [238, 1397, 73, 1, 0],
  '*ABCD': [736, 248, 635, 73, 0],
  '*ABCB': [242, 84, 1275, 6, 0],
  'AABB': [1404, 54, 1, 44, 0],
  '+ABAC': [829, 265, 102, 12, 0],
  'ABC': [583, 119, 435, 22, 0],
  '*ABAB': [883, 63, 149, 12, 0],
  'ABAB': [902, 90, 64, 4, 0],
  '*ABAC': [567, 373, 61, 31, 0],
  '*AABC': [401, 271, 333, 13, 0],
  '*ABCC': [574, 90, 47, 190, 0],
  '+ABCC': [321, 65, 23, 130, 0],
  'ABCD': [425, 11, 15, 16, 0],
  '*ABBA': [275, 124, 23, 11, 0],
  '*ABBB': [224, 136, 28, 3, 0],
  'ABB': [121, 18, 16, 168, 0],
  '+ABCB': [118, 14, 174, 1, 0],
  'AABC': [82, 120, 86, 3, 0],
  'ABCB': [239, 14, 20, 1, 0],
  '+AABB': [158, 8, 0, 73, 0],
  'AAA': [126, 60, 50, 0, 0],
  '+AABC': [126, 72, 22, 9, 0],
  '*AAAB': [59, 154, 4, 1, 0],
  '+ABBA': [76, 121, 13, 0, 0],
  '*ABCA': [61, 19, 45, 53, 0],
  '+ABAB': [82, 23, 63, 0, 0],
  '*ABAA': [80, 25, 2, 58, 0],
  '+ABCA': [97, 12, 32, 14, 0],
  'ABBA': [52, 80, 15, 0, 0],
  '+ABAA': [105, 16, 1, 13, 0],
  '+ABBB': [90, 38, 3, 0, 0],
  '*AABA': [36, 10, 72, 5, 0],
  'ABCC': [91, 11, 1, 18, 0],
  'ABBC': [30, 63, 11, 1, 0],
  'AAAB': [27, 38, 32, 4, 0],
  'ABAC': [65, 14, 5, 10, 0],
  '*AAAA': [35, 30, 6, 0, 0],
  'ABAA': [3, 12, 1, 55, 0],
  '+AABA': [21, 8, 40, 0, 0],
  '+AAAB': [32, 20, 10, 0, 0],
  'AABA': [9, 11, 16, 1, 0],
  'ABCA': [20, 1, 3, 4, 0],
  'AAAA': [17, 6, 1, 0, 0],
  'ABBB': [20, 2, 2, 0, 0],
  '+AAAA': [10, 3, 4, 0, 0],
};

/** A state seen fewer times than this says too little. */
const MIN_SEEN = 20;
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
 * poem not yet known to rhyme).
 */
export function priorPartner(letters: readonly (string | null)[], share: number, habit?: ReadonlyMap<string, readonly number[]> | null): number | null {
  const state = schemeState(letters);
  const general = SCHEME_PRIOR[state];
  const generalTotal = general ? general.reduce((a, b) => a + b, 0) : 0;
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

