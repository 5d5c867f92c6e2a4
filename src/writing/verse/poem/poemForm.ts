import { chineseVerseForm, firstLineRhymes, isChineseTitleLine, regulatedLetters, type ChineseVerseForm } from '../chinese/chineseForm';
import { CJK_LINE_END, countCjkCharacters, isCjkText } from '../chinese/cjkText';
import { lineWords } from '../lines/lineWords';
import { dominantMetre, type Metre } from '../sound/metre';
import { planNextLine, type LineFacts, type PlannedRefrain } from '../lines/nextLine';
import { poemAt } from './poemBounds';
import { splitStanzas, type PoemLine } from './poemLines';
import { lineRhymeKey, type RhymeKey } from '../sound/rhyme';
import { detectRhymeScheme, normalizeScheme } from '../scheme/rhymeScheme';
import type { SchemeCounts } from '../scheme/schemeHabit';
import { nextLabel, sectionLabel, type ChorusMode, type SectionKind, type SectionLabel } from './songSections';
import { countLineSyllables } from '../sound/syllables';
import { detectTextKind, type TextKindName } from '../../prompts/text/textKind';

/** One line of the analysed text. */
export interface FormLine {
  text: string;
  /** 0-based line number in the text. */
  lineNumber: number;
  /** Syllables, or characters for CJK text. */
  length: number;
  /** Rhyme of its last word (in Chinese, its last character); null for lines without words and lines being written. */
  rhyme: RhymeKey | null;
  /** Rhyme letter; null when the text does not rhyme. For the line being written, the letter it should take. */
  letter: string | null;
  /** False for the line still being written at the end of the text. */
  complete: boolean;
  /** Whitespace before the line's text. */
  indent: string;
}

export interface FormStanza {
  lines: FormLine[];
  /** The stanza's rhyme shape with letters from A ("ABAAB"); null when the text does not rhyme. */
  pattern: string | null;
  /** A song's section label above it ("[Chorus]"), or null. */
  label: SectionLabel | null;
}

/** A line that recurs (same words, ignoring case and punctuation). */
export interface Refrain {
  text: string;
  lineNumbers: number[];
}

/** What the next line of the text, at its end, should be. */
export interface NextLine {
  /** Index of the stanza it belongs to (stanzas.length when it opens a new one). */
  stanza: number;
  /** 0-based position in that stanza. */
  lineInStanza: number;
  /** It opens a stanza: after a blank line the writer typed, or after a stanza that is complete. */
  startsStanza: boolean;
  /** It opens a stanza but the text does not end with a blank line yet: one should come first. */
  needsStanzaBreak: boolean;
  /** Rhyme letter it should take; null when the text does not rhyme or the pattern is unclear. */
  letter: string | null;
  /** The line it should rhyme with and that line's rhyme key; null for a new rhyme or none. */
  rhymeWith: { lineNumber: number; word: string; key: string; rhyme: RhymeKey } | null;
  /** A new rhyme that a later line of the stanza is to answer (ABAB's first line). Absent: no. */
  opensRhyme?: boolean;
  /** Lines still to write in the stanza, counting this one; null when unknown. */
  linesRemainingInStanza: number | null;
  /** Expected syllables (characters for CJK); null when unknown or the poem is free verse. */
  targetLength: number | null;
  /** Indentation it takes, like the lines at its position in earlier stanzas ('' for none). */
  indent: string;
  /** A refrain it repeats (the whole line, or the words it ends with), or a song's returning chorus line; null otherwise. */
  refrain: PlannedRefrain | null;
  /** Free verse: no target, but the poem's own spread of line lengths; null otherwise. */
  range: { low: number; high: number } | null;
  /** A song's section label that goes on a line of its own before the line ("[Chorus]"), or null. */
  label: string | null;
}

/** A summary of a text's form, for prompting, stopping and continuing it in kind. */
export interface PoemForm {
  kind: TextKindName;
  /** How sure the verse/prose decision is, 0.5 to 1. */
  confidence: number;
  /** What line lengths count: syllables, or characters in CJK text. */
  unit: 'syllable' | 'character';
  stanzas: FormStanza[];
  /** Length of each complete line, in `unit`s. */
  lineLengths: number[];
  /** Median complete-line length, the typical line; null with no complete line. */
  medianLineLength: number | null;
  /** Lines per stanza, in order (the stanza being written counted as it stands). */
  stanzaLengths: number[];
  /** Most common length of the finished stanzas; null before the first is finished. */
  typicalStanzaLength: number | null;
  /** Most common stanza shape among finished stanzas ("ABAAB"); null when unrhymed. */
  stanzaPattern: string | null;
  /** Rhyme letters per stanza, stanzas separated by spaces ("ABAAB CDCCD"); null when unrhymed. */
  scheme: string | null;
  refrains: Refrain[];
  /** The poem's dominant foot (iambic, trochaic, anapestic, dactylic) and how many lines keep it; null for none. */
  metre: Metre | null;
  /** Offset in the text where the poem being analysed begins (after its title): earlier poems of a collection are not read. */
  poemStart: number;
  /** A named form of Chinese verse (regulated verse, 词 to a tune), or null. */
  chinese: ChineseVerseForm | null;
  next: NextLine;
}

export interface PoemFormOptions {
  /** Overrides the verse/prose decision (a writer's setting, or a command that knows). */
  kind?: TextKindName;
  /**
   * The text's last line is finished even without a newline after it: a whole poem, or a
   * command that continues after the line the cursor ends. By default a last line without a
   * newline is the line being written, and `next` plans it.
   */
  lastLineComplete?: boolean;
  /** In a song with verses and a chorus: after a verse, bring the chorus back word for word (`repeat`, the default), its first line and pattern (`vary`), or write another verse (`off`). */
  chorus?: ChorusMode;
  /** Read the whole text as one poem, not only the poem its end is in (a poem already cut out of its collection). */
  wholeText?: boolean;
  /**
   * Read the text as CJK verse (characters, clauses) or not, overriding what its letters say:
   * a Chinese poem stays one while a model that writes no Chinese continues it in English.
   */
  cjk?: boolean;
  /** How the poems before this one in the document rhyme their stanzas (documentHabit): what a first stanza's rhyme is guessed from beside the general prior. */
  habit?: SchemeCounts | null;
}

/**
 * Analyses the form of a text: verse or prose, stanzas, line lengths, rhyme scheme, metre and
 * refrains, and what the next line should be when the text is continued at its end (pass the
 * text up to the cursor). In a text that holds several poems only the poem its end is in is
 * read (see poemBounds.ts). Syllables and rhymes come from the CMU dictionary once
 * `loadPronouncingDictionary()` has resolved, from spelling estimates before that.
 */
export function analyzePoemForm(text: string, options: PoemFormOptions = {}): PoemForm {
  const detected = options.kind ? { kind: options.kind, confidence: 1 } : detectTextKind(text);
  const bounds = options.wholeText ? null : poemAt(text, text.length);
  const poemStart = bounds?.bodyStart ?? 0;
  let split = splitStanzas(text)
    .map((s) => ({ ...s, lines: s.lines.filter((l) => l.start >= poemStart) }))
    .filter((s) => s.lines.length > 0);
  const lastLine = split[split.length - 1]?.lines.at(-1);
  if (lastLine && options.lastLineComplete) lastLine.complete = true;
  const cjk = options.cjk ?? isCjkText(split.flatMap((s) => s.lines.map((l) => l.text)).join(''));
  // A Chinese title on the line above the verse (《如梦令》) is not a line of it; it may name a tune.
  // Nor are a plain title and the poet's name under it: up to two short lines without clause
  // marks above verse that has them (as writing/verse/poem/poemCollection reads an anthology).
  let heading = bounds ? text.slice(bounds.start, bounds.bodyStart) : '';
  if (cjk) {
    const lines = split[0]?.lines ?? [];
    let head = lines[0]?.complete && isChineseTitleLine(lines[0].text) ? 1 : 0;
    const plain = (l: PoemLine | undefined) => l !== undefined && l.complete && !CJK_LINE_END.test(l.text) && countCjkCharacters(l.text) <= HEAD_LINE_CHARS;
    let more = 0;
    while (more < 2 && plain(lines[head + more])) more++;
    // Only above classical verse — lines in one measure (five or seven characters a clause), or
    // set as couplets, two clauses a line: the short opening lines of a modern poem are lines of it.
    const below = lines.slice(head + more).filter((l) => l.complete).slice(0, 4);
    const after = below.map((l) => countCjkCharacters(l.text));
    const measured = (after.length >= 2 && after.every((n) => n === after[0]) && [5, 7, 10, 14].includes(after[0]!)) || (below.length > 0 && below.every((l) => /\p{Script=Han}[，、；：]\p{Script=Han}.*[。！？；]$/u.test(l.text.trim())));
    if (more > 0 && measured && CJK_LINE_END.test(lines[head + more]!.text)) head += more;
    if (head > 0) {
      heading += lines.slice(0, head).map((l) => `\n${l.text}`).join('');
      split = split.map((s, i) => (i === 0 ? { ...s, lines: s.lines.slice(head) } : s)).filter((s) => s.lines.length > 0);
    }
  }
  const measure = (line: PoemLine) => (cjk ? countCjkCharacters(line.text) : countLineSyllables(line.text));
  // Rhyme by pinyin final is Chinese: Japanese and Korean verse (kana, hangul) keeps no rhyme, as before.
  const chineseText = cjk && !/[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(split.flatMap((s) => s.lines.map((l) => l.text)).join(''));

  const stanzas: FormStanza[] = split.map((s) => ({
    pattern: null,
    label: s.label,
    lines: s.lines.map((line) => ({
      text: line.text,
      lineNumber: line.lineNumber,
      length: measure(line),
      rhyme: !line.complete || (cjk && !chineseText) ? null : lineRhymeKey(line.text),
      letter: null,
      complete: line.complete,
      indent: line.indent,
    })),
  }));

  const verse = detected.kind === 'verse';
  const chinese = chineseText && verse ? chineseVerseForm(heading.split('\n').find((l) => l.trim()) ? heading : null, stanzas.flatMap((s) => s.lines), options.wholeText === true && options.lastLineComplete === true) : null;
  const regulated = chinese?.kind === 'regulated' ? regulatedScheme(stanzas) : null;
  const scheme = regulated ?? (verse ? detectRhymeScheme(stanzas.map((s) => s.lines.map((l) => l.rhyme)), { openLast: !options.lastLineComplete }) : null);
  const rhymed = scheme?.rhymed ?? false;
  if (scheme && rhymed) {
    stanzas.forEach((s, i) => {
      s.lines.forEach((l, j) => (l.letter = scheme.letters[i][j]));
      s.pattern = normalizeScheme(s.lines.filter((l) => l.complete).map((l) => l.letter));
    });
  }

  let next = nextLine(text.slice(lastLine?.end ?? poemStart), stanzas, rhymed, verse, options.chorus ?? 'repeat', regulated ? null : (scheme?.letters ?? null), options.habit ?? null);
  if (chinese?.kind === 'regulated') next = regulatedNextLine(next, stanzas, chinese);
  // A 词's lines are as long as its tune has them: no length is asked of them.
  else if (chinese?.kind === 'ci') next = { ...next, targetLength: null, range: null };
  const inProgress = stanzas[next.stanza]?.lines.find((l) => !l.complete);
  if (inProgress) inProgress.letter = next.letter;

  const complete = stanzas.flatMap((s) => s.lines.filter((l) => l.complete));
  const finished = stanzas.slice(0, next.stanza);
  const patterns = rhymed ? finished.map((s) => s.pattern!).filter((p) => !p.includes('-')) : [];
  return {
    kind: detected.kind,
    confidence: detected.confidence,
    unit: cjk ? 'character' : 'syllable',
    stanzas,
    lineLengths: complete.map((l) => l.length),
    medianLineLength: median(complete.map((l) => l.length)),
    stanzaLengths: stanzas.map((s) => s.lines.length),
    typicalStanzaLength: mostCommon(finished.map((s) => s.lines.length)),
    stanzaPattern: mostCommon(patterns),
    scheme: rhymed ? stanzas.map((s) => s.lines.filter((l) => l.complete).map((l) => l.letter ?? '-').join('')).filter(Boolean).join(' ') : null,
    refrains: findRefrains(complete),
    // Free verse (no target, only a range) keeps no metre, whatever its short lines happen to fit.
    metre: verse && !cjk && !next.range ? dominantMetre(complete.map((l) => l.text)) : null,
    poemStart,
    chinese,
    next,
  };
}

/** A title or a poet's name ("〔唐〕李白") above Chinese verse is short; a longer line is verse. */
const HEAD_LINE_CHARS = 10;

/**
 * Regulated verse rhymes by its form, not by nearest partners: every even line on the poem's
 * one rhyme, line 1 too when it ends on a level tone, the other odd lines not at all.
 */
function regulatedScheme(stanzas: readonly FormStanza[]): { letters: (string | null)[][]; rhymed: boolean } {
  const lines = stanzas.flatMap((s) => s.lines);
  const letters = regulatedLetters(lines.length, lines[0] ? firstLineRhymes(lines[0].text) : false);
  let k = 0;
  return { letters: stanzas.map((s) => s.lines.map(() => letters[k++]!)), rhymed: true };
}

/**
 * The next line of regulated verse: exactly the poem's five or seven characters; an even line
 * rhymes with the even line before it (line 2 with line 1 when line 1 rhymes); the poem ends
 * after its four or eight lines, and a new one begins after a blank line.
 */
function regulatedNextLine(next: NextLine, stanzas: readonly FormStanza[], form: ChineseVerseForm): NextLine {
  const lines = stanzas.flatMap((s) => s.lines).filter((l) => l.complete);
  const p = lines.length;
  const base = { ...next, targetLength: form.charsPerLine, range: null, refrain: null, label: null };
  if (p >= form.lines!) {
    // The poem is whole: another begins, in the same measure.
    const opened = next.lineInStanza === 0 && next.stanza >= stanzas.length;
    return { ...base, stanza: opened ? next.stanza : stanzas.length, lineInStanza: 0, startsStanza: true, needsStanzaBreak: !opened, letter: null, rhymeWith: null, linesRemainingInStanza: form.lines };
  }
  const even = p % 2 === 1;
  const firstRhymes = lines[0] ? firstLineRhymes(lines[0].text) : false;
  const partner = !even ? undefined : p >= 3 ? lines[p - 2] : firstRhymes ? lines[0] : undefined;
  return {
    ...base,
    letter: regulatedLetters(p + 1, firstRhymes)[p]!,
    rhymeWith: partner?.rhyme ? { lineNumber: partner.lineNumber, word: partner.rhyme.word, key: partner.rhyme.key, rhyme: partner.rhyme } : null,
    linesRemainingInStanza: form.lines! - p,
  };
}

/** Plans the line after the text; `tail` is the text after its last line. */
function nextLine(
  tail: string,
  stanzas: readonly FormStanza[],
  rhymed: boolean,
  verse: boolean,
  chorus: ChorusMode,
  sounds: readonly (readonly (string | null)[])[] | null,
  habit: SchemeCounts | null,
): NextLine {
  const last = stanzas[stanzas.length - 1];
  const lastLine = last?.lines[last.lines.length - 1];
  // A label typed after the last line ("[Chorus]") opens its section; a blank line (or a
  // heading, a section break) opens a new stanza.
  const typedLabel = tail.split('\n').slice(1, -1).map((l) => sectionLabel(l.trim())).find((l) => l !== null) ?? null;
  let stanza: number;
  if (!last) stanza = 0;
  else if (!lastLine!.complete) stanza = stanzas.length - 1;
  else stanza = typedLabel || /\n[ \t]*\r?\n|\n\s*(?:#|\*\s*\*|-{3,}|_{3,})/.test(tail) ? stanzas.length : stanzas.length - 1;
  const song = songOf(stanzas);
  const kindAt = (i: number): SectionKind => stanzas[i]?.label?.kind ?? (i === stanzas.length ? (typedLabel?.kind ?? newSectionKind(stanzas, song, chorus)) : 'verse');

  let plan = planFor(stanzas, stanza, kindAt(stanza), song, rhymed, sounds, habit);
  let needsStanzaBreak = false;
  // A stanza as long as its form or its predecessors is finished: the next line opens another.
  const inProgress = stanzas[stanza]?.lines.some((l) => !l.complete) ?? false;
  const written = stanzas[stanza]?.lines.filter((l) => l.complete).length ?? 0;
  if (verse && !inProgress && written > 0 && plan.stanzaLength !== null && written >= plan.stanzaLength) {
    stanza++;
    plan = planFor(stanzas, stanza, kindAt(stanza), song, rhymed, sounds, habit, true);
    needsStanzaBreak = true;
  }
  const current = stanzas[stanza]?.lines.filter((l) => l.complete) ?? [];
  const kind = kindAt(stanza);
  const before = sameKind(stanzas, stanza, kind, song);
  const previousStanza = before[before.length - 1];
  const partner =
    plan.rhymeWithIndex !== null ? current[plan.rhymeWithIndex] : plan.rhymeWithPreviousIndex !== null ? previousStanza?.lines[plan.rhymeWithPreviousIndex] : undefined;
  // A song's chorus comes back: word for word, or (vary) its first line, then new lines in its pattern.
  let refrain = plan.refrain;
  const lastChorus = kind === 'chorus' && song.labelled ? before[before.length - 1] : undefined;
  if (lastChorus && chorus !== 'off' && current.length < lastChorus.lines.length && (chorus === 'repeat' || current.length === 0)) {
    refrain = { text: lastChorus.lines[current.length]!.text, whole: true };
  }
  // A new section of a labelled song opens with its label, spelled as the writer spells them.
  const opensSection = song.labelled && current.length === 0 && !inProgress && !stanzas[stanza]?.label && !typedLabel;
  return {
    stanza,
    lineInStanza: current.length,
    startsStanza: current.length === 0,
    needsStanzaBreak,
    letter: plan.letter,
    rhymeWith: partner?.rhyme ? { lineNumber: partner.lineNumber, word: partner.rhyme.word, key: partner.rhyme.key, rhyme: partner.rhyme } : null,
    ...(plan.opensRhyme && !refrain ? { opensRhyme: true } : {}),
    linesRemainingInStanza: plan.linesRemaining,
    targetLength: plan.targetLength,
    indent: plan.indent,
    refrain,
    range: plan.range,
    label: opensSection && verse ? nextLabel(song.labels, kind) : null,
  };
}

/** A song's sections: whether it labels both verses and a chorus, and its labels in order. */
interface Song {
  labelled: boolean;
  labels: SectionLabel[];
}

function songOf(stanzas: readonly FormStanza[]): Song {
  const labels = stanzas.map((s) => s.label).filter((l): l is SectionLabel => l !== null);
  return { labelled: labels.some((l) => l.kind === 'chorus') && labels.some((l) => l.kind === 'verse'), labels };
}

/** What a section opened after the last one is: the chorus after a verse (unless the writer turned that off), else a verse. */
function newSectionKind(stanzas: readonly FormStanza[], song: Song, chorus: ChorusMode): SectionKind {
  if (!song.labelled) return 'verse';
  const previous = stanzas[stanzas.length - 1]?.label?.kind ?? 'verse';
  return previous !== 'chorus' && chorus !== 'off' ? 'chorus' : 'verse';
}

/** Stanzas before `index` of the same section kind (all of them outside a labelled song). */
function sameKind(stanzas: readonly FormStanza[], index: number, kind: SectionKind, song: Song): FormStanza[] {
  const before = stanzas.slice(0, index);
  return song.labelled ? before.filter((s) => (s.label?.kind ?? 'verse') === kind) : before;
}

/** `sounds`: the rhyme letters as read, per stanza and line, also where the poem is not known to rhyme. */
function planFor(
  stanzas: readonly FormStanza[],
  index: number,
  kind: SectionKind,
  song: Song,
  rhymed: boolean,
  sounds: readonly (readonly (string | null)[])[] | null,
  habit: SchemeCounts | null,
  fresh = false,
) {
  const facts = (lines: readonly FormLine[], k: number): LineFacts[] =>
    lines.flatMap(({ letter, length, lineNumber, indent, text, complete }, j) => (complete ? [{ letter, length, lineNumber, indent, text, sound: sounds?.[k]?.[j] ?? null }] : []));
  const previous = sameKind(stanzas, index, kind, song).map((s) => facts(s.lines, stanzas.indexOf(s)));
  const current = fresh ? [] : facts(stanzas[index]?.lines ?? [], index);
  return planNextLine(previous, current, rhymed, { trustSingleStanza: song.labelled, habit });
}

function findRefrains(lines: readonly FormLine[]): Refrain[] {
  const groups = new Map<string, Refrain>();
  for (const line of lines) {
    const words = lineWords(line.text);
    const key = words.join(' ');
    // One repeated word ("Oh!") is an echo, not a refrain.
    if (words.length < 2 && countCjkCharacters(key) < 3) continue;
    const group = groups.get(key);
    if (group) group.lineNumbers.push(line.lineNumber);
    else groups.set(key, { text: line.text, lineNumbers: [line.lineNumber] });
  }
  return [...groups.values()].filter((g) => g.lineNumbers.length > 1);
}

function mostCommon<T>(values: readonly T[]): T | null {
  const counts = new Map<T, number>();
  let best: T | null = null;
  for (const v of values) {
    const n = (counts.get(v) ?? 0) + 1;
    counts.set(v, n);
    if (best === null || n >= counts.get(best)!) best = v;
  }
  return best;
}

function median(values: readonly number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
