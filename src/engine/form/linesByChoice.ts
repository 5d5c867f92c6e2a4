/**
 * A command's verse continuation written line by line, each line chosen for the poem's metre
 * (writing/verse/sound/metreChoice.ts): the form's steering keeps each candidate's length, stanza and
 * rhyme as for any continuation; candidates are written one at a time, each with its own seed,
 * until one keeps the foot (and its rhyme), at most `candidates`, else the best of them is kept.
 * Each candidate is a request from the text so far, so the decode loop's cache pays only for the
 * line before it, and the continuation streams a line at a time.
 */
import { randomInt } from 'node:crypto';
import { DEFAULT_LINE_CANDIDATES, type FormConstraint, type GeneratedToken, type GenerateParams, type GenerationResult, type StopReason } from '../../common/generation';
import type { Foot } from '../../writing/verse/sound/metre';
import { chooseLineForMetre, lineKeepsForm, type LineAim } from '../../writing/verse/sound/metreChoice';
import { SEED_MAX, validateSampling } from '../../writing/settings/samplingSettings';

const MAX_CANDIDATES = 8;

export interface LineWriter {
  /**
   * The line written after `params.prompt` (its form's `lines` 1): what its plan asks besides the
   * metre (its rhyme in rhyme mode, its length), and one try of it, decoded with the form's
   * steering for that prompt (planned once for all the tries).
   */
  line(params: GenerateParams): { aim: LineAim; write(params: GenerateParams): Promise<GenerationResult> };
  isCancelled(): boolean;
  /** The continuation as it grows, a chosen line at a time (only for a streamed request). */
  onText?(delta: string): void;
}

/**
 * How many candidates of each line a request asks for: more than one only for a command's
 * continuation (a form with `lines`), one sample (not alternatives, not beam search or greedy
 * decoding, where candidates would be alike). Asking for token probabilities changes nothing:
 * they are the chosen lines' (word alternatives on, or the CLI's --json, write the same poem).
 */
export function lineCandidatesFor(params: GenerateParams, form: FormConstraint | undefined): number {
  if (!form?.lines || form.paragraph || (params.n ?? 1) !== 1) return 1;
  const { settings } = validateSampling(params.sampling);
  if (settings.strategy !== 'sample') return 1;
  return Math.max(1, Math.min(MAX_CANDIDATES, Math.floor(form.lineCandidates ?? DEFAULT_LINE_CANDIDATES)));
}

export async function writeLinesByChoice(params: GenerateParams, form: FormConstraint, foot: Foot, candidates: number, writer: LineWriter): Promise<GenerationResult> {
  const started = performance.now();
  const { settings } = validateSampling(params.sampling);
  const seed = settings.seed ?? randomInt(0, SEED_MAX - 1024);
  let written = '';
  // The budget counts the lines kept; the stats every token decoded.
  let used = 0;
  let decoded = 0;
  let first: GenerationResult | null = null;
  // The chosen lines' mean log-probabilities weighted by their tokens, when the request asks for them.
  let logProbSum = 0;
  let logProbTokens = 0;
  // The chosen lines' tokens with their probabilities, when the request asks for them.
  const pieces: GeneratedToken[] | null = (params.probabilities ?? 0) > 0 ? [] : null;
  let stopReason: StopReason = 'form';
  for (let line = 0; line < (form.lines ?? 1); line++) {
    if (writer.isCancelled()) {
      stopReason = 'cancelled';
      break;
    }
    const left = settings.maxNewTokens - used;
    if (left <= 0) {
      stopReason = 'length';
      break;
    }
    // The first line may finish one in progress (and is the one the overrides are for); the others begin afresh.
    const lineForm: FormConstraint = { ...form, lines: 1, lineCandidates: 1 };
    if (line > 0) {
      delete lineForm.firstLineLength;
      delete lineForm.firstLineRhyme;
    }
    const linePrompt = line === 0 ? params.prompt : `${params.prompt}${written}\n`;
    const lineParams: GenerateParams = { ...params, prompt: linePrompt, n: 1, stream: false, form: lineForm };
    const { aim, write } = writer.line(lineParams);
    // Candidates one at a time, each with its own seed, until one keeps the form; else the best tried.
    const tried: { text: string; stopReason: StopReason; meanLogProb: number; tokens: number; pieces?: GeneratedToken[] }[] = [];
    let cancelled = false;
    for (let j = 0; j < candidates; j++) {
      const result = await write({ ...lineParams, sampling: { ...params.sampling, seed: candidateSeed(seed, line, j), maxNewTokens: left } });
      first ??= result;
      decoded += result.stats.newTokens;
      if (result.stopReason === 'cancelled' || writer.isCancelled()) {
        cancelled = true;
        break;
      }
      tried.push({ text: result.text, stopReason: result.stopReason, meanLogProb: result.meanLogProb, tokens: result.stats.newTokens, pieces: result.tokens });
      if (lineKeepsForm(tried[j]!, foot, aim)) break;
    }
    if (cancelled) {
      stopReason = 'cancelled';
      break;
    }
    const chosen = tried[chooseLineForMetre(tried, foot, aim)]!;
    used += chosen.tokens;
    logProbSum += chosen.meanLogProb * chosen.tokens;
    logProbTokens += chosen.tokens;
    // The line break between lines is in no line's tokens: word choices align around blanks.
    if (pieces && chosen.pieces) pieces.push(...chosen.pieces);
    const piece = line === 0 ? chosen.text : `\n${chosen.text}`;
    written += piece;
    if (params.stream && piece) writer.onText?.(piece);
    if (chosen.stopReason !== 'form') {
      stopReason = chosen.stopReason;
      break;
    }
  }
  const totalMs = performance.now() - started;
  const stats = first?.stats;
  return {
    text: written,
    stopReason,
    meanLogProb: logProbTokens > 0 ? Math.round((logProbSum / logProbTokens) * 1e4) / 1e4 : 0,
    ...(pieces ? { tokens: pieces } : {}),
    stats: {
      promptTokens: stats?.promptTokens ?? 0,
      reusedTokens: stats?.reusedTokens ?? 0,
      newTokens: decoded,
      timeToFirstTokenMs: stats?.timeToFirstTokenMs ?? Math.round(totalMs),
      totalMs: Math.round(totalMs * 10) / 10,
      tokensPerSecond: decoded > 0 && totalMs > 0 ? Math.round((decoded / totalMs) * 10000) / 10 : 0,
      seed,
      model: stats?.model ?? '',
      ...(stats?.spelledInBytes ? { spelledInBytes: stats.spelledInBytes } : {}),
    },
  };
}

/**
 * The seed of candidate `j` of line `line`: the request's own for the first line's first, then
 * scattered. Seeds in a row (seed, seed + 1, …) would let two continuations whose requests' seeds
 * are neighbours (alternatives, eval-form's samples) write the same line: a candidate one of them
 * tried second the other tries first.
 */
export function candidateSeed(seed: number, line: number, j: number): number {
  if (line === 0 && j === 0) return seed;
  let h = (seed ^ Math.imul(line + 1, 0x9e3779b1) ^ Math.imul(j + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) % (SEED_MAX + 1);
}
