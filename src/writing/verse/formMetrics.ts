import { isCjkChar, isCjkText } from './chinese/cjkText';
import { lineLength, planLine, type LengthUnit } from './lines/linePlan';
import { lineWords } from './lines/lineWords';
import { keepsFoot } from './sound/metre';
import { splitStanzas } from './poem/poemLines';
import { poemTruth, type FormClass, type PoemTruth } from './poem/poemTruth';
import { lineRhymeKey } from './sound/rhyme';
import { lineRhymesWith } from './lines/lineEnding';
import { coupletParallelism } from './chinese/parallelCouplet';
import { isSectionLabel } from './poem/songSections';

/** One continuation of a poem cut after a few lines. */
export interface FormSample {
  /** The poem up to the cut, ending with a newline. */
  prompt: string;
  /** Text of its file before the poem, sent with it for form planning (eval-form --before); the lines are counted from the poem's start all the same. */
  before?: string;
  /** The whole poem: the truth about what follows the cut. */
  original: string;
  /** Lines asked for. */
  wanted: number;
  /** The continuation as the engine returned it. */
  text: string;
  stopReason: string;
  /** Mean log-probability per token under the unshaped model, when the engine reports it. */
  meanLogProb?: number;
}

/** How one continuation keeps the poem's form. */
export interface SampleScore {
  /** What kind of form the poem is in. */
  formClass: FormClass;
  /** It ends where a line ends (the engine stopped at a line break, or the text ends with one). */
  endsOnLine: boolean;
  /** Per generated line: |length − the poem's median| / median. */
  lineDeviations: number[];
  /** Per generated line with a target: |length − the target of its position in the poem| / target. */
  positionDeviations: number[];
  /** Generated lines at positions with no target (free verse). */
  freeLines: number;
  /** Generated lines in a poem with a dominant foot, and those that keep it. */
  metreLines: number;
  metreKept: number;
  /** Generated lines where the poem has a refrain, and those that carry it. */
  refrainDemanded: number;
  refrainKept: number;
  /** Generated lines whose indentation is that of the poem's line there; over all lines, and over indented positions. */
  indentChecks: number;
  indentHits: number;
  indentedChecks: number;
  indentedHits: number;
  meanLogProb: number | null;
  /** Boundaries before generated lines compared with the original: blank line or not. */
  stanzaChecks: number;
  stanzaHits: number;
  /** Lines the scheme, as read from the text before them, says must rhyme; and those that do. */
  rhymeDemanded: number;
  rhymeKept: number;
  /** Lines that rhyme with an earlier one in the original poem; and those that rhyme with that line here. */
  originalRhymeDemanded: number;
  originalRhymeKept: number;
  /** The same, for lines after the poem's first stanza (where earlier stanzas have shown the pattern). */
  laterRhymeDemanded: number;
  laterRhymeKept: number;
  /** Longest run of words (characters in CJK) copied verbatim from the prompt. */
  overlap: number;
  /** Regulated Chinese verse: generated lines, and those with exactly the poem's five or seven characters. */
  exactDemanded: number;
  exactKept: number;
  /** Regulated Chinese verse: generated even lines, and those that rhyme (modern rhyme, strictly) with the even line before them as it stands. */
  evenRhymeDemanded: number;
  evenRhymeKept: number;
  /** 律诗: the parallelism of each middle couplet (lines 3–4, 5–6) the continuation wrote whole, and of the poet's own there. */
  couplets: number[];
  originalCouplets: number[];
}

interface NumberedLine {
  text: string;
  start: number;
  stanza: number;
}

function numberedLines(text: string): NumberedLine[] {
  return splitStanzas(text).flatMap((s, stanza) => s.lines.map((l) => ({ text: l.text, start: l.start, stanza })));
}

interface ContinuationLine {
  text: string;
  /** Whitespace before its text. */
  indent: string;
  /** Offset in the continuation. */
  start: number;
  /** A blank line comes before it (the continuation starts after the prompt's final newline). */
  breakBefore: boolean;
}

/**
 * The lines of a continuation as form-keeping counts them: split at newlines, and in CJK verse at
 * clause marks too, whatever script the model wrote them in.
 */
function continuationLines(text: string, unit: LengthUnit): ContinuationLine[] {
  const pattern = unit === 'character' ? /[^\n。，！？；]+[。，！？；]?/g : /[^\n]+/g;
  const lines: ContinuationLine[] = [];
  let previousEnd = 0;
  for (const m of text.matchAll(pattern)) {
    // A song's section label is not a line of the poem.
    if (!/[\p{L}\p{N}]/u.test(m[0]) || (unit === 'syllable' && isSectionLabel(m[0].trim()))) continue;
    const gap = (lines.length === 0 ? '\n' : '') + text.slice(previousEnd, m.index);
    // The first line continues the prompt's last line when the prompt does not end with a newline; its indentation is the prompt's.
    const indent = /^[ \t]*/.exec(m[0])![0];
    lines.push({ text: m[0].trim(), indent, start: m.index!, breakBefore: /\n[ \t]*\n/.test(gap) });
    previousEnd = m.index! + m[0].length;
  }
  return lines;
}

const truths = new Map<string, PoemTruth>();

/** The truth about a poem, read once per poem (every arm and sample of it asks). */
function truthOf(original: string): PoemTruth {
  let t = truths.get(original);
  if (!t) {
    t = poemTruth(original);
    truths.set(original, t);
    if (truths.size > 8) truths.delete(truths.keys().next().value!);
  }
  return t;
}

/** Scores one continuation against its poem. */
export function scoreSample(sample: FormSample): SampleScore {
  const unit: LengthUnit = isCjkText(sample.original) ? 'character' : 'syllable';
  const truth = truthOf(sample.original);
  const original = numberedLines(sample.original);
  const median = medianOf(original.map((l) => lineLength(l.text, unit))) || 1;
  const promptLines = numberedLines(sample.prompt);
  const cut = promptLines.length;
  const generated = continuationLines(sample.text, unit).slice(0, sample.wanted);

  const score: SampleScore = {
    formClass: truth.formClass,
    endsOnLine: sample.stopReason === 'form' || /[\n。，！？；][ \t]*$/.test(sample.text),
    lineDeviations: generated.map((l) => Math.abs(lineLength(l.text, unit) - median) / median),
    positionDeviations: [],
    freeLines: 0,
    metreLines: 0,
    metreKept: 0,
    refrainDemanded: 0,
    refrainKept: 0,
    indentChecks: 0,
    indentHits: 0,
    indentedChecks: 0,
    indentedHits: 0,
    meanLogProb: sample.meanLogProb ?? null,
    stanzaChecks: 0,
    stanzaHits: 0,
    rhymeDemanded: 0,
    rhymeKept: 0,
    originalRhymeDemanded: 0,
    originalRhymeKept: 0,
    laterRhymeDemanded: 0,
    laterRhymeKept: 0,
    overlap: longestSharedRun(tokensOf(sample.prompt), tokensOf(sample.text)),
    exactDemanded: 0,
    exactKept: 0,
    evenRhymeDemanded: 0,
    evenRhymeKept: 0,
    couplets: [],
    originalCouplets: [],
  };
  const regulated = truth.form.chinese?.kind === 'regulated' ? truth.form.chinese : null;

  generated.forEach((line, j) => {
    const p = cut + j;
    const here = truth.lines[p];
    if (here) {
      const length = lineLength(line.text, unit);
      if (here.target === null) score.freeLines++;
      else score.positionDeviations.push(Math.abs(length - here.target) / here.target);
      // Indentation is the poem's own shape in Western verse; CJK clauses run on within a line.
      if (unit === 'syllable') score.indentChecks++;
      if (unit === 'syllable' && line.indent === here.indent) score.indentHits++;
      if (unit === 'syllable' && here.indent) {
        score.indentedChecks++;
        if (line.indent === here.indent) score.indentedHits++;
      }
      if (here.refrain) {
        score.refrainDemanded++;
        const words = lineWords(line.text);
        const tail = words.slice(words.length - here.refrain.words.length).join(' ');
        if ((here.refrain.whole ? words.join(' ') : tail) === here.refrain.words.join(' ')) score.refrainKept++;
      }
    }
    if (truth.metre && unit === 'syllable') {
      score.metreLines++;
      if (keepsFoot(line.text, truth.metre.foot)) score.metreKept++;
    }
    if (p > 0 && p < original.length) {
      score.stanzaChecks++;
      if (line.breakBefore === (original[p]!.stanza !== original[p - 1]!.stanza)) score.stanzaHits++;
    }
    if (regulated && here) {
      score.exactDemanded++;
      if (lineLength(line.text, unit) === regulated.charsPerLine) score.exactKept++;
    }
    // The rows every poem shares count English rhyme, as they always have; Chinese verse has rows of its own.
    if (unit === 'syllable') {
      const text = sample.prompt + sample.text.slice(0, line.start);
      const demanded = planLine(text, { rhyme: true, ...(sample.before ? { context: sample.before + text } : {}) }).rhymeWith;
      if (demanded) {
        score.rhymeDemanded++;
        if (lineRhymesWith(line.text, demanded)) score.rhymeKept++;
      }
    }
  });

  // The poem's own scheme: a line that rhymes with an earlier one in the poem must rhyme with
  // that line as it stands here (a prompt line, or a generated one). In regulated Chinese verse
  // that is every even line with the even line before it (line 2 with line 1 when line 1 rhymes),
  // counted in its own rows.
  if (unit === 'syllable' || regulated) {
    generated.forEach((line, j) => {
      const q = truth.lines[cut + j]?.rhymesWith ?? null;
      if (q === null) return;
      const partner = q < cut ? promptLines[q] : generated[q - cut];
      const partnerKey = partner ? lineRhymeKey(partner.text) : null;
      if (!partnerKey) return;
      const kept = lineRhymesWith(line.text, partnerKey);
      if (regulated) {
        if ((cut + j) % 2 === 1) {
          score.evenRhymeDemanded++;
          if (kept) score.evenRhymeKept++;
        }
        return;
      }
      score.originalRhymeDemanded++;
      if (kept) score.originalRhymeKept++;
      if (truth.lines[cut + j]!.stanza > 0) {
        score.laterRhymeDemanded++;
        if (kept) score.laterRhymeKept++;
      }
    });
  }
  // 律诗's middle couplets, where both lines are the continuation's.
  if (regulated?.lines === 8) {
    for (const first of [2, 4]) {
      const a = generated[first - cut];
      const b = generated[first + 1 - cut];
      if (first < cut || !a || !b) continue;
      score.couplets.push(coupletParallelism(a.text, b.text).score);
      score.originalCouplets.push(coupletParallelism(truth.lines[first]!.text, truth.lines[first + 1]!.text).score);
    }
  }
  return score;
}

/** One arm of an evaluation (plain sampling, or form-keeping), summed over its samples. */
export interface FormSummary {
  samples: number;
  /** Generated lines with a target at their position, and the share within ±25 % of it. */
  positionLines: number;
  linesWithinPositionBand: number;
  /** Generated lines at positions with no target (free verse). */
  freeLines: number;
  /** Lines keeping the poem's dominant foot, of those in poems with one. */
  metreLines: number;
  metreKept: number | null;
  refrainDemanded: number;
  refrainKept: number | null;
  /** Lines indented as the poem's line at their position: over all lines, and over indented positions. */
  indentKept: number | null;
  indentedLines: number;
  indentedKept: number | null;
  /** exp(−mean log-probability per token) under the unshaped model; null when not reported. */
  perplexity: number | null;
  /** Share of continuations that end on a line boundary. */
  endsOnLine: number;
  /** Generated lines measured, and the mean of |length − median| / median over them. */
  lines: number;
  meanLineDeviation: number;
  /** Share of generated lines within ±25 % of the poem's median. */
  linesWithinBand: number;
  stanzaAccuracy: number | null;
  rhymeDemanded: number;
  rhymeKept: number | null;
  originalRhymeDemanded: number;
  originalRhymeKept: number | null;
  /** The poem's own scheme after its first stanza (the pattern shown before the line). */
  laterRhymeDemanded: number;
  laterRhymeKept: number | null;
  /** Distinct word bigrams / all bigrams over the arm's continuations (characters in CJK). */
  distinct2: number;
  meanOverlap: number;
  maxOverlap: number;
  /** Regulated Chinese verse: generated lines, and the share with exactly the poem's characters per line. */
  exactLines: number;
  exactKept: number | null;
  /** Regulated Chinese verse: generated even lines, and the share that keep the poem's rhyme. */
  evenRhymeDemanded: number;
  evenRhymeKept: number | null;
  /** 律诗: middle couplets written whole, their mean parallelism, and the poets' own at the same places. */
  couplets: number;
  coupletParallelism: number | null;
  originalCoupletParallelism: number | null;
}

/** Sums sample scores into an arm's figures; `texts` are the continuations, for distinct-2. */
export function summarize(scores: readonly SampleScore[], texts: readonly string[]): FormSummary {
  const deviations = scores.flatMap((s) => s.lineDeviations);
  const sum = (f: (s: SampleScore) => number) => scores.reduce((a, s) => a + f(s), 0);
  const share = (kept: number, of: number) => (of > 0 ? round(kept / of) : null);
  const stanzaChecks = sum((s) => s.stanzaChecks);
  const rhymeDemanded = sum((s) => s.rhymeDemanded);
  const originalRhymeDemanded = sum((s) => s.originalRhymeDemanded);
  const positions = scores.flatMap((s) => s.positionDeviations);
  const logProbs = scores.map((s) => s.meanLogProb).filter((x): x is number => x !== null && Number.isFinite(x) && x !== 0);
  return {
    samples: scores.length,
    positionLines: positions.length,
    linesWithinPositionBand: share(positions.filter((d) => d <= 0.25 + 1e-9).length, positions.length) ?? 0,
    freeLines: sum((s) => s.freeLines),
    metreLines: sum((s) => s.metreLines),
    metreKept: share(sum((s) => s.metreKept), sum((s) => s.metreLines)),
    refrainDemanded: sum((s) => s.refrainDemanded),
    refrainKept: share(sum((s) => s.refrainKept), sum((s) => s.refrainDemanded)),
    indentKept: share(sum((s) => s.indentHits), sum((s) => s.indentChecks)),
    indentedLines: sum((s) => s.indentedChecks),
    indentedKept: share(sum((s) => s.indentedHits), sum((s) => s.indentedChecks)),
    perplexity: logProbs.length ? round(Math.exp(-logProbs.reduce((a, b) => a + b, 0) / logProbs.length)) : null,
    endsOnLine: share(scores.filter((s) => s.endsOnLine).length, scores.length) ?? 0,
    lines: deviations.length,
    meanLineDeviation: round(deviations.length ? deviations.reduce((a, b) => a + b, 0) / deviations.length : 0),
    linesWithinBand: share(deviations.filter((d) => d <= 0.25 + 1e-9).length, deviations.length) ?? 0,
    stanzaAccuracy: share(sum((s) => s.stanzaHits), stanzaChecks),
    rhymeDemanded,
    rhymeKept: share(sum((s) => s.rhymeKept), rhymeDemanded),
    originalRhymeDemanded,
    originalRhymeKept: share(sum((s) => s.originalRhymeKept), originalRhymeDemanded),
    laterRhymeDemanded: sum((s) => s.laterRhymeDemanded),
    laterRhymeKept: share(sum((s) => s.laterRhymeKept), sum((s) => s.laterRhymeDemanded)),
    distinct2: round(distinctN(texts, 2)),
    meanOverlap: round(scores.length ? sum((s) => s.overlap) / scores.length : 0),
    maxOverlap: Math.max(0, ...scores.map((s) => s.overlap)),
    exactLines: sum((s) => s.exactDemanded),
    exactKept: share(sum((s) => s.exactKept), sum((s) => s.exactDemanded)),
    evenRhymeDemanded: sum((s) => s.evenRhymeDemanded),
    evenRhymeKept: share(sum((s) => s.evenRhymeKept), sum((s) => s.evenRhymeDemanded)),
    couplets: scores.reduce((a, s) => a + s.couplets.length, 0),
    coupletParallelism: meanOrNull(scores.flatMap((s) => s.couplets)),
    originalCoupletParallelism: meanOrNull(scores.flatMap((s) => s.originalCouplets)),
  };
}

function meanOrNull(xs: readonly number[]): number | null {
  return xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length) : null;
}

/** Words of a text, lower-cased; each CJK character is a word of its own. */
export function tokensOf(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    for (const word of lineWords(line)) {
      if (![...word].some(isCjkChar)) out.push(word);
      else for (const ch of word) if (/[\p{L}\p{N}]/u.test(ch)) out.push(ch);
    }
  }
  return out;
}

/** Distinct n-grams over all n-grams of the texts (n-grams do not cross texts); 0 with none. */
export function distinctN(texts: readonly string[], n: number): number {
  const seen = new Set<string>();
  let total = 0;
  for (const text of texts) {
    const tokens = tokensOf(text);
    for (let i = 0; i + n <= tokens.length; i++) {
      seen.add(tokens.slice(i, i + n).join('\u0000'));
      total++;
    }
  }
  return total ? seen.size / total : 0;
}

/** Length of the longest run of tokens that `b` shares verbatim with `a`. */
export function longestSharedRun(a: readonly string[], b: readonly string[]): number {
  let best = 0;
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const current = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      if (a[i - 1] === b[j - 1]) {
        current[j] = previous[j - 1]! + 1;
        if (current[j]! > best) best = current[j]!;
      }
    }
    previous = current;
  }
  return best;
}

function medianOf(values: readonly number[]): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
