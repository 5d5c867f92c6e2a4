import { detectTextKind } from '../../prompts/text/textKind';
import { poemAt, findPoems } from '../poem/poemBounds';
import { splitStanzas } from '../poem/poemLines';
import { lineRhymeKey, type RhymeKey } from '../sound/rhyme';
import { detectRhymeScheme } from './rhymeScheme';
import { PRIOR_LINES, PRIOR_OUTCOMES, schemeState } from './schemePrior';
import { FORM_CONTEXT_CHARS } from '../../../common/generation';

/** Counts by stanza state, as SCHEME_PRIOR keeps them: [a new rhyme, a rhyme 1, 2, 3, 4 lines back]. */
export type SchemeCounts = ReadonlyMap<string, readonly number[]>;

/**
 * Characters before the poem read for its document's habit: a dozen short poems, or a long
 * poem's last few dozen numbered stanzas — bounded, so that a manuscript costs what a sonnet does.
 */
export const HABIT_CHARS = 12_000;

/**
 * How the poems before the one a text ends in rhyme their stanzas: for each line of each stanza
 * (its first 16 lines), the state of the lines before it (their rhyme letters, as the planner
 * reads them) and whether it rhymed with one of the four lines before it. A poet's collection
 * (Dickinson's ballad quatrains, Byron's numbered ottava rima, a hymnal) shows how a new poem's
 * first stanza will likely go before the stanza itself can: what the stanza-scheme prior guesses
 * from many poets, the writer's own document tells. Prose between poems is left out. Only the `HABIT_CHARS` before the poem are
 * read (and at most twice that from the end of the text); null when they hold no earlier verse
 * with two lines in a stanza.
 */
export function documentHabit(full: string): SchemeCounts | null {
  const text = formContextOf(full);
  const poemStart = poemAt(text, text.length).start;
  if (poemStart <= 0) return null;
  // From a stanza boundary (a stanza cut in two would be counted from a wrong state).
  let from = Math.max(0, poemStart - HABIT_CHARS);
  if (from > 0) {
    const gap = /\n[ \t]*\n/g;
    gap.lastIndex = from - 1;
    const m = gap.exec(text);
    from = m && m.index < poemStart ? m.index + m[0].length : poemStart;
  }
  const before = text.slice(from, poemStart);
  if (before === last?.before) return last.counts;
  const counts = new Map<string, number[]>();
  for (const poem of findPoems(before)) {
    const body = before.slice(poem.bodyStart, poem.end);
    // Prose before a poem (a story's paragraphs, notes) says nothing about how verse rhymes.
    if (detectTextKind(body).kind !== 'verse') continue;
    for (const stanza of splitStanzas(body)) {
      const keys = stanza.lines.slice(0, PRIOR_LINES).map((l) => lineRhymeKey(l.text));
      countStanza(keys, counts);
    }
  }
  const result = counts.size ? counts : null;
  last = { before, counts: result };
  return result;
}

/**
 * What a request carries of the text before the cursor for form planning (`formContext`): its
 * last FORM_CONTEXT_CHARS characters, from a line start — enough for a long poem and the
 * HABIT_CHARS before it.
 */
export function formContextOf(textBeforeCursor: string): string {
  let cut = Math.max(0, textBeforeCursor.length - FORM_CONTEXT_CHARS);
  if (cut > 0) cut = textBeforeCursor.indexOf('\n', cut - 1) + 1 || textBeforeCursor.length;
  return textBeforeCursor.slice(cut);
}

/** The last document read (planning a poem line by line reads the same text before it each time). */
let last: { before: string; counts: SchemeCounts | null } | undefined;

function countStanza(keys: readonly (RhymeKey | null)[], counts: Map<string, number[]>): void {
  if (keys.length < 2) return;
  const letters = detectRhymeScheme([keys]).letters[0]!;
  for (let p = 1; p < keys.length; p++) {
    const state = schemeState(detectRhymeScheme([keys.slice(0, p)]).letters[0]!);
    let back = 0;
    for (let k = 1; k < PRIOR_OUTCOMES && k <= p && back === 0; k++) if (letters[p] !== null && letters[p - k] === letters[p]) back = k;
    let row = counts.get(state);
    if (!row) counts.set(state, (row = new Array<number>(PRIOR_OUTCOMES).fill(0)));
    row[back]!++;
  }
}
