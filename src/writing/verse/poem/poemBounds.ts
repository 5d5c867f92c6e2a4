/**
 * Where one poem ends and the next begins in a document that holds several: a collection, a
 * notebook, an anthology. Form-keeping reads the form of the poem the cursor is in, never the
 * poem before it; ghost text, the commands, the worker's line plans and eval-form all find that
 * poem here, so there is one definition of it.
 */
import { findFrontMatter } from '../../prompts/text/frontMatter';
import { isSectionLabel } from './songSections';

/** One poem of a document, as offsets into it. */
export interface PoemBounds {
  /** Where the poem begins: its heading, title or number when it has one. */
  start: number;
  /** Where its verse begins: after its title and any one-line head matter (epigraph, tune, dedication). */
  bodyStart: number;
  /** Just past its last line with words (blank lines and the next poem's separator excluded). */
  end: number;
  /** Its heading, capitalised title or section number, or null. */
  title: string | null;
}

interface Line {
  start: number;
  /** End of the line's text, before its newline. */
  end: number;
  text: string;
  kind: LineKind;
}

/**
 * `title`: a Markdown heading, a line in capitals, a section number ("IV.", "12", "Canto II"),
 * or a line underlined as a Setext heading — each opens a poem. `separator`: a thematic break
 * (`* * *`, `---`, `⁂`) — it ends one. `underline`: a Setext underline (the line above is the title).
 */
type LineKind = 'blank' | 'text' | 'title' | 'separator' | 'underline' | 'code';

const HEADING = /^\s{0,3}#{1,6}\s+\S/;
const SEPARATOR = /^\s*(?:(?:[*\-_•·∙]\s*){3,}|⁂|§|[*]\s+[*]|~\s*~\s*~)\s*$/;
const SETEXT = /^\s{0,3}(?:=+|-+)\s*$/;
const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
/** "IV", "IV.", "12.", "(3)", "Part II", "Canto IV.", "Book 3", "Sonnet XVIII", "No. 5". */
const NUMBER = /^\s*(?:(?:part|book|canto|section|sonnet|song|stanza|chapter|fytte|no\.?)\s+)?(?:\(?(?:[IVXLCDM]+|[ivxlcdm]+|\d{1,4})\)?)\.?\s*$/i;
const ROMAN = /^(?=[MDCLXVI])M{0,4}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$/;
/** A title in capitals: three or more letters, none lower-case, a dozen words at most ("THE SECRET.", "I. LIFE."). */
const CAPS_LETTERS = /\p{Lu}/gu;
const LOWER = /\p{Ll}/u;

/**
 * Finds the poems of a document. What separates two poems, in order of strength:
 * - a Markdown heading (`# Title`) or a Setext one (a title underlined with `===`/`---`),
 *   and front matter, which is never part of a poem;
 * - a thematic break (`* * *`, `***`, `---`, `⁂`);
 * - a title in capitals ("THE LONELY HOUSE.") after a blank line, or a section number alone on
 *   its line ("IV.", "12", "Canto II", a roman numeral);
 * - a run of blank lines longer than the document's usual stanza gap (two blank lines where
 *   stanzas are parted by one) — except around a song's section label ("Chorus", "[Verse 2]"),
 *   whose sections belong to one song however they are spaced.
 * Within a poem, one-line blocks before its first stanza are head matter (a title in ordinary
 * case, an epigraph, "Tune—…"), not verse, once a further block follows them.
 */
export function findPoems(text: string): PoemBounds[] {
  const lines = readLines(text);
  const gap = stanzaGap(lines);
  const sections: Section[] = [];
  let segment: Line[] = [];
  const flush = () => {
    const poem = poemOf(segment);
    if (poem) sections.push({ poem, stanza: numberedStanza(segment) });
    segment = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.kind === 'separator') {
      flush();
      continue;
    }
    if (line.kind === 'title' || (line.kind === 'text' && lines[i + 1]?.kind === 'underline')) {
      // A number over a title ("XLVII" / "THE CARPENTER'S SON") heads one poem.
      if (segment.some((l) => l.kind === 'text')) flush();
      segment.push({ ...line, kind: 'title' });
      continue;
    }
    if (line.kind === 'underline') continue;
    if (line.kind === 'blank') {
      let j = i;
      while (j < lines.length && lines[j]!.kind === 'blank') j++;
      const run = j - i;
      // A run at the very end of the text is where the writer is: it parts poems only when it is long.
      if (run > gap && !aroundSectionLabel(lines, segment, j)) {
        flush();
        i = j - 1;
        continue;
      }
      for (let k = i; k < j; k++) segment.push(lines[k]!);
      i = j - 1;
      continue;
    }
    segment.push(line);
  }
  flush();
  return mergeNumberedStanzas(sections);
}

interface Section {
  poem: PoemBounds;
  /** Lines of its one stanza, when it is a number over a single stanza (and nothing else); else null. */
  stanza: number | null;
}

/** A section that is a bare number over one stanza: its stanza's line count, else null. */
function numberedStanza(segment: readonly Line[]): number | null {
  // The number is the last heading line above the stanza ("DOOM AND SHE" / "I" opens a poem in numbered stanzas).
  let head = -1;
  for (let i = 0; i < segment.length && (segment[i]!.kind === 'title' || segment[i]!.kind === 'blank'); i++) if (segment[i]!.kind === 'title') head = i;
  if (head < 0 || !isSectionNumber(segment[head]!.text.trim())) return null;
  const blocks = blocksOf(segment, head + 1);
  return blocks.length === 1 ? blocks[0]!.length : null;
}

/**
 * Numbered stanzas of one poem (The Eve of St. Agnes, Childe Harold: "I", "II", … over a
 * Spenserian stanza each; Don Juan's ottava rima) are one poem, not many: a run of three or more
 * numbered sections that are each one stanza of the same length, five lines or more (the last,
 * being written, may be shorter), is merged. Shorter ones are more likely a poet's numbered
 * quatrains or epigrams, each a poem.
 */
const MERGED_RUN = 3;
const MERGED_STANZA = 5;
function mergeNumberedStanzas(sections: readonly Section[]): PoemBounds[] {
  const out: PoemBounds[] = [];
  for (let i = 0; i < sections.length; ) {
    const size = sections[i]!.stanza;
    let j = i + 1;
    if (size !== null) while (j < sections.length && sections[j]!.stanza === size) j++;
    // The section after the run may be its stanza still being written.
    if (size !== null && j - i >= MERGED_RUN && j < sections.length && (sections[j]!.stanza ?? Infinity) < size) j++;
    if (size === null || size < MERGED_STANZA || j - i < MERGED_RUN) {
      out.push(sections[i]!.poem);
      i++;
      continue;
    }
    const first = sections[i]!.poem;
    out.push({ ...first, end: sections[j - 1]!.poem.end });
    i = j;
  }
  return out;
}

/**
 * The poem that holds `offset` (the cursor). Between two poems — in the blank lines or on the
 * separator after one — it is an empty poem starting at the offset: the writer is starting a
 * new one. Before the first poem it is the first.
 */
export function poemAt(text: string, offset: number): PoemBounds {
  const at = Math.max(0, Math.min(offset, text.length));
  const poems = findPoems(text);
  for (let i = poems.length - 1; i >= 0; i--) {
    const poem = poems[i]!;
    if (poem.start > at) continue;
    if (at <= poem.end || sameRegion(text, poem.end, at)) return poem;
    return { start: at, bodyStart: at, end: at, title: null };
  }
  const first = poems[0];
  return first && at <= first.start ? { ...first, start: Math.min(first.start, at) } : { start: at, bodyStart: at, end: at, title: null };
}

/** Whether nothing but the poem's own trailing blank lines (a single stanza gap) lie between `end` and `at`. */
function sameRegion(text: string, end: number, at: number): boolean {
  const between = text.slice(end, at);
  if (/\S/.test(between)) return false;
  return (between.match(/\n/g)?.length ?? 0) <= stanzaGap(readLines(text)) + 1;
}

function readLines(text: string): Line[] {
  const frontMatter = findFrontMatter(text);
  let offset = frontMatter ? frontMatter.end : 0;
  const lines: Line[] = [];
  let fence: string | undefined;
  let previousBlank = true;
  while (offset < text.length) {
    const newline = text.indexOf('\n', offset);
    const end = newline < 0 ? text.length : newline;
    const raw = text.slice(offset, end).replace(/\r$/, '');
    let kind: LineKind;
    if (fence) {
      kind = 'code';
      if (raw.trim().startsWith(fence)) fence = undefined;
    } else if (FENCE.test(raw)) {
      fence = FENCE.exec(raw)![1]!.slice(0, 3);
      kind = 'code';
    } else kind = classify(raw, previousBlank, lines[lines.length - 1]);
    lines.push({ start: offset, end: offset + raw.length, text: raw, kind });
    previousBlank = kind === 'blank' || kind === 'separator' || kind === 'title';
    offset = newline < 0 ? text.length : newline + 1;
  }
  // A title in capitals set straight under the last line of the poem before, a blank line
  // under it ("…to hide among the woods." / "STANZAS ON FREEDOM" / "" / "Men! whose boast…"),
  // as collections copied without their spacing have it: it opens the next poem. Only after a
  // line that ends its sentence, so that a stanza closing on a shouted refrain line after a
  // comma stays whole.
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const above = lines[i - 1]!;
    if (line.kind !== 'text' || above.kind !== 'text' || lines[i + 1]?.kind !== 'blank') continue;
    const trimmed = line.text.trim();
    if (isCapsTitle(trimmed) && !/[,;:\u2014-]$/.test(trimmed) && SENTENCE_END.test(above.text)) line.kind = 'title';
  }
  return lines;
}

/** A line that ends its sentence: a full stop, question or exclamation mark, closing quotes or brackets after it. */
const SENTENCE_END = /[.!?]["'\u2019\u201d)\]]*\s*$/;

function classify(raw: string, afterBreak: boolean, previous: Line | undefined): LineKind {
  const trimmed = raw.trim();
  if (!trimmed || /^(?:<br\s*\/?>|&nbsp;|\\)$/i.test(trimmed)) return 'blank';
  if (HEADING.test(raw)) return 'title';
  // "---" under a line of text is its Setext underline; elsewhere a thematic break.
  if (SETEXT.test(raw) && previous?.kind === 'text' && /[=]/.test(trimmed)) return 'underline';
  if (SEPARATOR.test(raw)) return SETEXT.test(raw) && previous?.kind === 'text' && !afterBreak ? 'underline' : 'separator';
  if (isSectionLabel(trimmed)) return 'text';
  if (isSectionNumber(trimmed)) return 'title';
  if (afterBreak && isCapsTitle(trimmed)) return 'title';
  return 'text';
}

/** Whether a line is a section number alone ("IV.", "12", "Canto II", "(3)"): a poem's or a section's heading, not verse. */
export function isSectionNumber(line: string): boolean {
  if (!NUMBER.test(line)) return false;
  const bare = line.replace(/^[^\s]+\s+(?=\S)/, (w) => (/^(part|book|canto|section|sonnet|song|stanza|chapter|fytte|no\.?)\s+$/i.test(w) ? '' : w)).replace(/[().\s]/g, '');
  // Roman numerals in one case ("IV", "iv"): "Mix" alone on a line is a word.
  return /^\d+$/.test(bare) || ROMAN.test(bare) || (bare === bare.toLowerCase() && ROMAN.test(bare.toUpperCase()));
}

function isCapsTitle(line: string): boolean {
  if (LOWER.test(line)) return false;
  const capitals = line.match(CAPS_LETTERS)?.length ?? 0;
  return capitals >= 3 && line.split(/\s+/).length <= 12;
}

/**
 * The blank lines that part stanzas in this document: the shortest run that is common (a fifth
 * of all runs or more). Longer runs part poems. A document whose stanzas are parted by two blank
 * lines parts its poems by three.
 */
function stanzaGap(lines: readonly Line[]): number {
  const runs = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.kind !== 'blank') continue;
    let j = i;
    while (j < lines.length && lines[j]!.kind === 'blank') j++;
    if (i > 0 && j < lines.length) {
      runs.set(j - i, (runs.get(j - i) ?? 0) + 1);
      total++;
    }
    i = j - 1;
  }
  const lengths = [...runs.keys()].sort((a, b) => a - b);
  for (const n of lengths) if (runs.get(n)! >= total * 0.2) return n;
  return lengths[0] ?? 1;
}

/** A long gap before a section label, or after a labelled section, stays inside the song. */
function aroundSectionLabel(lines: readonly Line[], segment: readonly Line[], next: number): boolean {
  const following = lines[next];
  if (following && isSectionLabel(following.text.trim())) return true;
  // The block before the gap: does it open with a label?
  let k = segment.length - 1;
  while (k >= 0 && segment[k]!.kind === 'blank') k--;
  let first = k;
  while (first > 0 && segment[first - 1]!.kind !== 'blank') first--;
  return first >= 0 && k >= 0 && isSectionLabel(segment[first]!.text.trim());
}

/** The poem a segment of lines holds: its title and head matter, where its verse begins and ends. */
function poemOf(segment: readonly Line[]): PoemBounds | null {
  const worded = segment.filter((l) => l.kind !== 'blank');
  if (!worded.length) return null;
  const titles: string[] = [];
  let i = 0;
  while (i < segment.length && (segment[i]!.kind === 'title' || segment[i]!.kind === 'blank')) {
    if (segment[i]!.kind === 'title') titles.push(segment[i]!.text.replace(/^\s*#+\s*/, '').trim());
    i++;
  }
  // One-line blocks before the first stanza: a title in ordinary case, an epigraph, a tune.
  const blocks = blocksOf(segment, i);
  let body = 0;
  // Only before a real stanza: verse set one line to a block (Markdown spacing) has no head matter.
  const stanza = blocks.findIndex((b) => b.length > 1);
  while (body < stanza && body < 3 && isHeadMatter(blocks[body]!)) {
    if (!titles.length) titles.push(blocks[body]![0]!.text.trim());
    body++;
  }
  const last = worded[worded.length - 1]!;
  const bodyLine = blocks[body]?.[0];
  return {
    start: worded[0]!.start,
    bodyStart: bodyLine ? bodyLine.start : last.end,
    end: last.end,
    title: titles[0] ?? null,
  };
}

function blocksOf(segment: readonly Line[], from: number): Line[][] {
  const blocks: Line[][] = [];
  let block: Line[] = [];
  for (let i = from; i < segment.length; i++) {
    const line = segment[i]!;
    if (line.kind === 'blank') {
      if (block.length) blocks.push(block);
      block = [];
    } else block.push(line);
  }
  if (block.length) blocks.push(block);
  return blocks;
}

/** A one-line block that reads as a title or note, not a stanza: short, not running on into the next. */
function isHeadMatter(block: readonly Line[]): boolean {
  if (block.length !== 1) return false;
  const text = block[0]!.text.trim();
  if (isSectionLabel(text)) return false;
  return text.split(/\s+/).length <= 12 && !/[,;:\u2014-]$/.test(text);
}
