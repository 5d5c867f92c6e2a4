import { isCjkChar, isCjkText } from './cjkText';
import { lineLength, planLine, type LengthUnit } from './linePlan';
import { lineWords } from './lineWords';
import { analyzePoemForm } from './poemForm';
import { splitStanzas } from './poemLines';
import { lineRhymeKey } from './rhyme';
import { lineRhymesWith } from './lineEnding';

/** One continuation of a poem cut after a few lines. */
export interface FormSample {
  /** The poem up to the cut, ending with a newline. */
  prompt: string;
  /** The whole poem: the truth about what follows the cut. */
  original: string;
  /** Lines asked for. */
  wanted: number;
  /** The continuation as the engine returned it. */
  text: string;
  stopReason: string;
}

/** How one continuation keeps the poem's form. */
export interface SampleScore {
  /** It ends where a line ends (the engine stopped at a line break, or the text ends with one). */
  endsOnLine: boolean;
  /** Per generated line: |length − the poem's median| / median. */
  lineDeviations: number[];
  /** Boundaries before generated lines compared with the original: blank line or not. */
  stanzaChecks: number;
  stanzaHits: number;
  /** Lines the scheme, as read from the text before them, says must rhyme; and those that do. */
  rhymeDemanded: number;
  rhymeKept: number;
  /** Lines that rhyme with an earlier one in the original poem; and those that rhyme with that line here. */
  originalRhymeDemanded: number;
  originalRhymeKept: number;
  /** Longest run of words (characters in CJK) copied verbatim from the prompt. */
  overlap: number;
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
    if (!/[\p{L}\p{N}]/u.test(m[0])) continue;
    const gap = (lines.length === 0 ? '\n' : '') + text.slice(previousEnd, m.index);
    lines.push({ text: m[0].trim(), start: m.index!, breakBefore: /\n[ \t]*\n/.test(gap) });
    previousEnd = m.index! + m[0].length;
  }
  return lines;
}

/** Scores one continuation against its poem. */
export function scoreSample(sample: FormSample): SampleScore {
  const unit: LengthUnit = isCjkText(sample.original) ? 'character' : 'syllable';
  const original = numberedLines(sample.original);
  const median = medianOf(original.map((l) => lineLength(l.text, unit))) || 1;
  const promptLines = numberedLines(sample.prompt);
  const cut = promptLines.length;
  const generated = continuationLines(sample.text, unit).slice(0, sample.wanted);

  const score: SampleScore = {
    endsOnLine: sample.stopReason === 'form' || /[\n。，！？；][ \t]*$/.test(sample.text),
    lineDeviations: generated.map((l) => Math.abs(lineLength(l.text, unit) - median) / median),
    stanzaChecks: 0,
    stanzaHits: 0,
    rhymeDemanded: 0,
    rhymeKept: 0,
    originalRhymeDemanded: 0,
    originalRhymeKept: 0,
    overlap: longestSharedRun(tokensOf(sample.prompt), tokensOf(sample.text)),
  };

  generated.forEach((line, j) => {
    const p = cut + j;
    if (p > 0 && p < original.length) {
      score.stanzaChecks++;
      if (line.breakBefore === (original[p]!.stanza !== original[p - 1]!.stanza)) score.stanzaHits++;
    }
    if (unit === 'syllable') {
      const demanded = planLine(sample.prompt + sample.text.slice(0, line.start), { rhyme: true }).rhymeWith;
      if (demanded) {
        score.rhymeDemanded++;
        if (lineRhymesWith(line.text, demanded)) score.rhymeKept++;
      }
    }
  });

  if (unit === 'syllable') {
    const form = analyzePoemForm(sample.original, { kind: 'verse', lastLineComplete: true });
    if (form.scheme) {
      const letters = form.stanzas.flatMap((s) => s.lines.map((l) => l.letter));
      generated.forEach((line, j) => {
        const p = cut + j;
        const letter = letters[p];
        if (!letter) return;
        const q = letters.lastIndexOf(letter, p - 1);
        if (q < 0) return;
        const partner = q < cut ? promptLines[q] : generated[q - cut];
        const partnerKey = partner ? lineRhymeKey(partner.text) : null;
        if (!partnerKey) return;
        score.originalRhymeDemanded++;
        if (lineRhymesWith(line.text, partnerKey)) score.originalRhymeKept++;
      });
    }
  }
  return score;
}

/** One arm of an evaluation (plain sampling, or form-keeping), summed over its samples. */
export interface FormSummary {
  samples: number;
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
  /** Distinct word bigrams / all bigrams over the arm's continuations (characters in CJK). */
  distinct2: number;
  meanOverlap: number;
  maxOverlap: number;
}

/** Sums sample scores into an arm's figures; `texts` are the continuations, for distinct-2. */
export function summarize(scores: readonly SampleScore[], texts: readonly string[]): FormSummary {
  const deviations = scores.flatMap((s) => s.lineDeviations);
  const sum = (f: (s: SampleScore) => number) => scores.reduce((a, s) => a + f(s), 0);
  const share = (kept: number, of: number) => (of > 0 ? round(kept / of) : null);
  const stanzaChecks = sum((s) => s.stanzaChecks);
  const rhymeDemanded = sum((s) => s.rhymeDemanded);
  const originalRhymeDemanded = sum((s) => s.originalRhymeDemanded);
  return {
    samples: scores.length,
    endsOnLine: share(scores.filter((s) => s.endsOnLine).length, scores.length) ?? 0,
    lines: deviations.length,
    meanLineDeviation: round(deviations.length ? deviations.reduce((a, b) => a + b, 0) / deviations.length : 0),
    linesWithinBand: share(deviations.filter((d) => d <= 0.25 + 1e-9).length, deviations.length) ?? 0,
    stanzaAccuracy: share(sum((s) => s.stanzaHits), stanzaChecks),
    rhymeDemanded,
    rhymeKept: share(sum((s) => s.rhymeKept), rhymeDemanded),
    originalRhymeDemanded,
    originalRhymeKept: share(sum((s) => s.originalRhymeKept), originalRhymeDemanded),
    distinct2: round(distinctN(texts, 2)),
    meanOverlap: round(scores.length ? sum((s) => s.overlap) / scores.length : 0),
    maxOverlap: Math.max(0, ...scores.map((s) => s.overlap)),
  };
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
