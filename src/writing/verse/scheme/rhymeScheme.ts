import { rhymes, type RhymeKey } from '../sound/rhyme';

/** Rhyme letters for the lines of a poem, stanza by stanza. */
export interface RhymeScheme {
  /** Per stanza, one letter per line ("A" … "Z", "AA" …); null for a line without words. */
  letters: (string | null)[][];
  /** Share of worded lines that rhyme with another line nearby. */
  rhymedShare: number;
  /** Whether the lines rhyme at all; false for free verse and prose. */
  rhymed: boolean;
}

export interface RhymeSchemeOptions {
  /**
   * How many worded lines back a rhyme partner may be. Three covers ABAB, ABBA, ABAAB, AABBA
   * and terza rima; more lets a sonnet's couplet take the letter of an earlier quatrain whose
   * sound it happens to share.
   */
  window?: number;
  /**
   * Minimum rhymedShare to call the poem rhymed. A ballad's ABCB rhymes half its lines, and
   * fewer while a stanza is being written (four of eleven); blank verse rhymes by accident
   * far more rarely.
   */
  threshold?: number;
  /**
   * The last stanza is still being written: the poem also counts as rhymed when its finished
   * stanzas alone reach the threshold (a ballad's ABCB, then the next stanza's three lines, of
   * which none has rhymed yet, is three rhymed lines of seven).
   */
  openLast?: boolean;
}

/**
 * Fixed forms long enough that a poet reuses a sound in two of their rhyme groups, or lets one
 * rhyme go slant, so that nearest-partner matching alone mislabels them.
 */
export const FIXED_FORMS: readonly string[] = [
  'ABABCDCDEFEFGG', // Shakespearean sonnet
  'ABBAABBACDECDE', // Petrarchan sonnets
  'ABBAABBACDCDCD',
  'ABBAABBACDDCEE',
  // The Spenserian stanza before the Spenserian sonnet: their first eight lines agree, and the
  // stanza (The Faerie Queene, Childe Harold, The Eve of St. Agnes) is by far the commoner.
  'ABABBCBCC', // Spenserian stanza
  'ABABBCBCCDCDEE', // Spenserian sonnet
  'ABABABCC', // ottava rima
  'ABABBCC', // rhyme royal
];

/**
 * Assigns rhyme letters. A line takes the letter of the nearest earlier line within the window
 * that rhymes exactly; lines left without an exact partner then pair up through slant rhymes.
 * A stanza whose length matches a fixed form (sonnet, rhyme royal, ottava rima, Spenserian
 * stanza) takes that form's letters when its rhymes fit the form with at most one rhyme in
 * six missing.
 */
export function detectRhymeScheme(stanzas: readonly (readonly (RhymeKey | null)[])[], options: RhymeSchemeOptions = {}): RhymeScheme {
  const window = options.window ?? 3;
  const threshold = options.threshold ?? 0.3;
  const keys = stanzas.flat();
  const link = linkRhymes(keys, window);

  // Letters over the whole poem (chain rhymes cross stanza breaks), then fixed forms per stanza.
  const group: number[] = [];
  let groups = 0;
  for (let i = 0; i < keys.length; i++) group.push(link[i] >= 0 ? group[link[i]] : groups++);
  let offset = 0;
  for (const stanza of stanzas) {
    const form = matchFixedForm(stanza, group.slice(offset, offset + stanza.length));
    if (form) for (let i = 0; i < stanza.length; i++) group[offset + i] = groups + form.charCodeAt(i) - 65;
    if (form) groups += 26;
    offset += stanza.length;
  }

  const labels = new Map<number, string>();
  const letters: (string | null)[][] = [];
  offset = 0;
  for (const stanza of stanzas) {
    letters.push(
      stanza.map((key, i) => {
        if (!key) return null;
        const g = group[offset + i];
        if (!labels.has(g)) labels.set(g, schemeLetter(labels.size));
        return labels.get(g)!;
      }),
    );
    offset += stanza.length;
  }

  // A word repeated at line ends (Whitman's "I sing … I sing") is not evidence of rhyme.
  const partnered = keys.map(() => false);
  link.forEach((j, i) => {
    if (j >= 0 && keys[i]!.word !== keys[j]!.word) partnered[i] = partnered[j] = true;
  });
  const worded = keys.filter((k) => k !== null).length;
  const rhymedShare = worded ? partnered.filter(Boolean).length / worded : 0;
  const finished = options.openLast && stanzas.length >= 2 ? keys.length - stanzas[stanzas.length - 1]!.length : 0;
  const finishedWorded = keys.slice(0, finished).filter((k) => k !== null).length;
  const finishedRhymed = finishedWorded >= 4 && partnered.slice(0, finished).filter(Boolean).length >= threshold * finishedWorded;
  return { letters, rhymedShare, rhymed: (worded >= 2 && rhymedShare >= threshold) || finishedRhymed };
}

/** "A" … "Z", then "AA", "AB", …: enough letters for a long poem. */
export function schemeLetter(index: number): string {
  let label = '';
  let n = index;
  do {
    label = String.fromCharCode(65 + (n % 26)) + label;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return label;
}

/**
 * Relabels letters in order of first appearance, so that stanzas with the same shape compare
 * equal: "CDCCD" → "ABAAB". Lines without a letter become "-".
 */
export function normalizeScheme(letters: readonly (string | null)[]): string {
  const map = new Map<string, string>();
  let out = '';
  for (const letter of letters) {
    if (letter === null) {
      out += '-';
      continue;
    }
    let mapped = map.get(letter);
    if (mapped === undefined) {
      mapped = schemeLetter(map.size);
      map.set(letter, mapped);
    }
    out += mapped;
  }
  return out;
}

/**
 * For each line, the earlier line whose rhyme it continues, or -1. Exact rhymes link first;
 * a slant link is only made for lines with no exact partner, so that a slant match never
 * pulls a line away from the group it rhymes with exactly ("prognosticate" stays with "date"
 * rather than joining "convert").
 */
function linkRhymes(keys: readonly (RhymeKey | null)[], window: number): number[] {
  const link = keys.map(() => -1);
  const exact = keys.map(() => false);
  for (let i = 0; i < keys.length; i++) {
    const j = nearest(keys, i, window, (a, b) => rhymes(a, b, 'strict'));
    if (j >= 0) {
      link[i] = j;
      exact[i] = exact[j] = true;
    }
  }
  const slantPartnered = keys.map(() => false);
  for (let i = 0; i < keys.length; i++) {
    if (exact[i]) continue;
    const j = nearest(keys, i, window, (a, b, k) => !exact[k] && rhymes(a, b, 'loose'));
    if (j >= 0) {
      link[i] = j;
      slantPartnered[i] = slantPartnered[j] = true;
    }
  }
  // Last resort: a line that rhymes with nothing else may join an exact group slantwise.
  for (let i = 0; i < keys.length; i++) {
    if (exact[i] || slantPartnered[i]) continue;
    const j = nearest(keys, i, window, (a, b) => rhymes(a, b, 'loose'));
    if (j >= 0) link[i] = j;
  }
  return link;
}

function nearest(
  keys: readonly (RhymeKey | null)[],
  i: number,
  window: number,
  accept: (a: RhymeKey, b: RhymeKey, j: number) => boolean,
): number {
  const key = keys[i];
  if (!key) return -1;
  for (let j = i - 1, seen = 0; j >= 0 && seen < window; j--) {
    const other = keys[j];
    if (!other) continue;
    seen++;
    if (accept(key, other, j)) return j;
  }
  return -1;
}

/** The fixed form this stanza fits, or undefined; an exact fit by nearest partners wins. */
function matchFixedForm(stanza: readonly (RhymeKey | null)[], groups: readonly number[]): string | undefined {
  if (stanza.some((k) => !k)) return undefined;
  const found = normalizeScheme(groups.map(String));
  let best: { form: string; missed: number } | undefined;
  for (const form of FIXED_FORMS) {
    if (form.length !== stanza.length) continue;
    if (form === found) return undefined;
    let links = 0;
    let satisfied = 0;
    const last = new Map<string, number>();
    for (let i = 0; i < form.length; i++) {
      const previous = last.get(form[i]);
      last.set(form[i], i);
      if (previous === undefined) continue;
      links++;
      if (rhymes(stanza[i]!, stanza[previous]!, 'loose')) satisfied++;
    }
    const missed = links - satisfied;
    if (missed <= Math.floor(links / 6) && (!best || missed < best.missed)) best = { form, missed };
  }
  return best?.form;
}
