import { CJK_LINE_END, countCjkCharacters } from '../chinese/cjkText';
import type { Foot } from '../sound/metre';
import type { PlannedRefrain } from './nextLine';
import { analyzePoemForm, type FormLine } from '../poem/poemForm';
import type { RhymeKey } from '../sound/rhyme';
import { documentHabit } from '../scheme/schemeHabit';
import { isSectionLabel, type ChorusMode } from '../poem/songSections';
import { countLineSyllables } from '../sound/syllables';

export type { PlannedRefrain } from './nextLine';

/** What a line's length is counted in: syllables, or characters in CJK text. */
export type LengthUnit = 'syllable' | 'character';

/** What the line being written at the end of a poem should be, for form-keeping decoding. */
export interface LinePlan {
  unit: LengthUnit;
  /** Target length in `unit`s; null when the poem shows none yet. */
  target: number | null;
  /** The target is exact, not a band around it: regulated Chinese verse, five or seven characters a line. */
  exact?: boolean;
  /** The earlier line end this line should rhyme with; null for a free line. */
  rhymeWith: RhymeKey | null;
  /**
   * Rhyme mode: the line opens a rhyme a later line of the stanza is to answer, so it should not
   * end on a word that has (almost) none ("window", "lesson"), nor on a sound the stanza has
   * already used (`takenRhymes`: an ABAB quatrain's fifth line ending on the A sound breaks the
   * pattern the next lines are planned by). Absent: no.
   */
  opensRhyme?: boolean;
  takenRhymes?: RhymeKey[];
  /** The line finishes its stanza: a blank line follows it. */
  endsStanza: boolean;
  /** The stanza before the line is complete but not closed: a blank line comes first. */
  needsStanzaBreak: boolean;
  /**
   * Whitespace the line starts with: the indentation of the lines at its position in the
   * poem's earlier stanzas (an indented short line, an indented couplet). Absent or '': none.
   */
  indent?: string;
  /**
   * Words the line must carry: the whole line (a refrain every stanza repeats at this position,
   * a returning chorus line, a song's section label), or the words it must end with ("an' a'
   * that"). Absent or null: none. A whole-line refrain has no target and no rhyme of its own.
   */
  refrain?: PlannedRefrain | null;
  /** The line is a song's section label ("[Chorus]", on a line of its own): `refrain` holds it; it is not a line of the poem. */
  label?: boolean;
  /** Free verse (`target` null): the spread of the poem's own line lengths, 10th to 90th percentile. Absent or null otherwise. */
  range?: { low: number; high: number } | null;
  /** The poem's dominant foot, when it has one. */
  foot?: Foot | null;
  /** 0-based position of the line in its stanza. */
  lineInStanza?: number;
}

/** What to plan for. */
export interface PlanOptions {
  /** Name the earlier line the scheme rhymes this one with (rhyme mode). */
  rhyme?: boolean;
  /** A song's chorus after a verse: word for word (default), varied, or not at all. */
  chorus?: ChorusMode;
  /** Read the poem as CJK verse (or not) whatever its letters say (see PoemFormOptions.cjk). */
  cjk?: boolean;
  /**
   * The document before the cursor, when the text planned is only its end (a request's
   * `formContext`): rhyme mode reads how the poems before this one rhymed from it. Absent: from
   * the text itself.
   */
  context?: string;
}

/**
 * Text kept for planning: enough stanzas to show the form, bounded so that planning a line
 * costs the same in a long document as in a short one.
 */
const PLAN_CHARS = 3000;

/**
 * Plans the line being written at the end of `text` (the line in progress, or the next one
 * when the text ends with a newline), reading the text as verse — the poem the end of the text
 * is in, not earlier poems of a collection — from the line's position in its stanza: the
 * length, indentation, rhyme partner and refrain of the lines at that position in earlier
 * stanzas; in a first stanza that shows no scheme yet, the rhyme partner the earlier poems of
 * the document and the general prior make likeliest. A song's new section opens with its label
 * (a plan of its own, `label`).
 */
export function planLine(text: string, options: PlanOptions = {}): LinePlan {
  // Rhyme mode guesses a first stanza's scheme from the poems before it too (read only here: a
  // longer stretch than the plan's own, and only what the guess needs).
  const habit = options.rhyme ? documentHabit(options.context || text) : null;
  const form = analyzePoemForm(recentText(text), { kind: 'verse', chorus: options.chorus, cjk: options.cjk, habit });
  const next = form.next;
  const base = {
    unit: form.unit,
    endsStanza: false,
    needsStanzaBreak: next.needsStanzaBreak,
    indent: '',
    range: null,
    foot: form.metre?.foot ?? null,
    lineInStanza: next.lineInStanza,
  };
  if (next.label) return { ...base, target: null, rhymeWith: null, refrain: { text: next.label, whole: true }, label: true };
  // Free verse has no target, nor has a 词 (its tune's lines are irregular by design); a poem too
  // short to show its lines' lengths takes their median.
  const target = next.targetLength ?? (next.range || form.chinese?.kind === 'ci' ? null : form.medianLineLength);
  const whole = next.refrain?.whole === true;
  return {
    ...base,
    target: target === null ? null : Math.max(1, Math.round(target)),
    exact: form.chinese?.kind === 'regulated' && target !== null,
    rhymeWith: options.rhyme && !next.refrain ? (next.rhymeWith?.rhyme ?? null) : null,
    ...(options.rhyme && !next.refrain && next.opensRhyme ? { opensRhyme: true, takenRhymes: takenRhymes(form.stanzas[next.stanza]?.lines ?? []) } : {}),
    endsStanza: next.linesRemainingInStanza === 1,
    indent: next.indent,
    refrain: next.refrain,
    range: whole ? null : next.range,
  };
}

/** The rhyme sounds of a stanza's finished lines, each once. */
function takenRhymes(lines: readonly FormLine[]): RhymeKey[] {
  const keys = new Map<string, RhymeKey>();
  for (const l of lines) if (l.complete && l.rhyme && !keys.has(l.rhyme.key)) keys.set(l.rhyme.key, l.rhyme);
  return [...keys.values()];
}

/**
 * The end of a long text: cut at a stanza break when one comes soon enough (a stanza cut in
 * two would read as a short stanza and shift every position after it), else at a line start.
 */
function recentText(text: string): string {
  if (text.length <= PLAN_CHARS) return text;
  const from = text.length - PLAN_CHARS;
  const lineCut = text.indexOf('\n', from);
  const stanzaCut = /\n[ \t]*\n/g;
  stanzaCut.lastIndex = from;
  const m = stanzaCut.exec(text);
  if (m && m.index - from < PLAN_CHARS / 2) return text.slice(m.index + m[0].length);
  return lineCut < 0 ? text.slice(-PLAN_CHARS) : text.slice(lineCut + 1);
}

/**
 * The line still being written at the end of `text`: after the last newline, and in CJK text
 * after the last clause mark too (a clause is a line of classical Chinese verse).
 */
export function lineInProgress(text: string, unit: LengthUnit): string {
  let start = text.lastIndexOf('\n') + 1;
  if (unit === 'character') {
    for (let i = text.length - 1; i >= start; i--) {
      if (CJK_LINE_END.test(text[i]!)) {
        start = i + 1;
        break;
      }
    }
  }
  return text.slice(start);
}

/**
 * Length of a line in `unit`s. In CJK text a word in another script counts as one unit, as it
 * takes about one character's place in the line (and a model that writes no CJK still ends lines).
 */
export function lineLength(line: string, unit: LengthUnit): number {
  if (unit === 'syllable') return countLineSyllables(line);
  const others = line.replace(CJK_CHARS, ' ').match(/[\p{L}\p{N}]+/gu)?.length ?? 0;
  return countCjkCharacters(line) + others;
}

const CJK_CHARS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;

/**
 * Lines a text completes: newline-ended lines with words (and in CJK text, clauses ended by a
 * clause mark), a song's section labels included. `head` is text before it on the same line
 * (the line the continuation completes).
 */
export function completedLines(head: string, text: string, unit: LengthUnit): number {
  return lineEnds(head, text, unit, { labels: true }).length;
}

/**
 * Offsets in `text` just after each line of the poem it completes (see `completedLines`). A
 * song's section label ("[Chorus]") is not a line of the poem: it is skipped unless `labels`.
 */
export function lineEnds(head: string, text: string, unit: LengthUnit, options: { labels?: boolean } = {}): number[] {
  const full = head + text;
  const pattern = unit === 'character' ? /[^\n。，！？；]*[\n。，！？；]/g : /[^\n]*\n/g;
  const ends: number[] = [];
  for (const m of full.matchAll(pattern)) {
    const end = m.index! + m[0].length;
    if (end <= head.length || !/[\p{L}\p{N}]/u.test(m[0])) continue;
    if (!options.labels && unit === 'syllable' && isSectionLabel(m[0].trim())) continue;
    ends.push(end - head.length);
  }
  return ends;
}

/**
 * The acceptable length band around a target: within a fifth either way (at least one unit), so
 * that the lines keep to within a quarter of the poem's typical length.
 */
export function lengthBand(target: number): { low: number; high: number } {
  return { low: Math.max(1, Math.min(target - 1, Math.ceil(target * 0.8))), high: Math.max(target + 1, Math.floor(target * 1.2)) };
}
