/**
 * Token selection from one row of logits. Pure and allocation-light: it runs once per
 * generated token, so the full vocabulary is touched a fixed number of times and only the
 * likeliest candidates are ever sorted.
 *
 * Order follows Hugging Face's `generate`: penalties on the raw logits, then temperature,
 * then the truncation filters (top-k, top-p, min-p, typical-p) on the resulting distribution.
 */
import type { SamplingSettings } from '../../writing/settings/samplingSettings';

/** A seeded PRNG (mulberry32): small, fast and identical on every platform. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** Divides positive logits / multiplies negative ones for every token already in `history` (CTRL's rule). */
export function applyRepetitionPenalty(logits: Float32Array, history: ArrayLike<number>, penalty: number): void {
  if (penalty === 1) return;
  // Each distinct token once: a mark per vocabulary entry, set and then cleared, instead of a Set
  // built per token (a third of the cost of selecting at a 4K vocabulary and 450-token prompts).
  if (seenScratch.length < logits.length) seenScratch = new Uint8Array(logits.length);
  const seen = seenScratch;
  for (let i = 0; i < history.length; i++) {
    const id = history[i]!;
    if (!(id >= 0 && id < logits.length) || seen[id]) continue;
    seen[id] = 1;
    const l = logits[id]!;
    logits[id] = l > 0 ? l / penalty : l * penalty;
  }
  for (let i = 0; i < history.length; i++) {
    const id = history[i]!;
    if (id >= 0 && id < logits.length) seen[id] = 0;
  }
}

let seenScratch = new Uint8Array(0);

/** Bans every token that would complete an n-gram already present in `history`. */
export function bannedByNgram(history: ArrayLike<number>, n: number): number[] {
  if (n <= 0 || history.length < n) return [];
  const len = history.length;
  const banned: number[] = [];
  // The (n-1) tokens that the next token would extend.
  const tailStart = len - (n - 1);
  outer: for (let start = 0; start + n <= len; start++) {
    for (let j = 0; j < n - 1; j++) if (history[start + j] !== history[tailStart + j]) continue outer;
    banned.push(history[start + n - 1]!);
  }
  return banned;
}

/**
 * DRY ("don't repeat yourself", p-e-w's sampler as in text-generation-webui and llama.cpp): a
 * token that would extend a repetition of earlier text is penalised by
 * multiplier · base^(length − allowedLength), where length is how many tokens before it already
 * repeat. A repetition cannot reach across a sequence breaker (`breakers[id]` = 1: a line break,
 * a colon, quotes), so a poem's refrain after a line break or a name after "Mr." costs nothing.
 * Only positions where the last token recurs are examined, so the cost is one pass over the
 * history per token.
 */
export function applyDry(
  logits: Float32Array,
  history: ArrayLike<number>,
  settings: Pick<SamplingSettings, 'dryMultiplier' | 'dryBase' | 'dryAllowedLength'>,
  breakers: Uint8Array | undefined,
  range = 1024,
): Map<number, number> | null {
  if (!(settings.dryMultiplier > 0)) return null;
  const len = history.length;
  if (len < 2) return null;
  const last = history[len - 1]!;
  if (breakers?.[last]) return null;
  const start = Math.max(0, len - range);
  const longest = new Map<number, number>();
  // j: a position holding a token that once followed a copy of the history's end.
  for (let j = len - 1; j > start; j--) {
    if (history[j - 1] !== last) continue;
    const next = history[j]!;
    if (breakers?.[next]) continue;
    let n = 1;
    while (j - 1 - n >= start && n < len - j) {
      const a = history[j - 1 - n]!;
      if (a !== history[len - 1 - n] || breakers?.[a]) break;
      n++;
    }
    if (n > (longest.get(next) ?? 0)) longest.set(next, n);
  }
  const penalties = new Map<number, number>();
  for (const [id, n] of longest) {
    if (n < settings.dryAllowedLength || id < 0 || id >= logits.length) continue;
    const penalty = settings.dryMultiplier * Math.pow(settings.dryBase, n - settings.dryAllowedLength);
    logits[id]! -= penalty;
    penalties.set(id, penalty);
  }
  return penalties;
}

export function applyNoRepeatNgram(logits: Float32Array, history: ArrayLike<number>, n: number): void {
  for (const id of bannedByNgram(history, n)) logits[id] = -Infinity;
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    if (logits[i]! > bestValue) {
      bestValue = logits[i]!;
      best = i;
    }
  }
  return best;
}

/** log Σ exp(x), numerically stable. */
export function logSumExp(logits: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  if (max === -Infinity) return max;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  return max + Math.log(sum);
}

/** Log-softmax of a row, numerically stable. */
export function logSoftmax(logits: ArrayLike<number>): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i]! - max);
  const lse = max + Math.log(sum);
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i]! - lse;
  return out;
}

/**
 * The ids of the `k` largest values, largest first, ties by id: a bounded min-heap (O(V log k))
 * kept in typed arrays with its comparisons inline. Most values fall below the heap's smallest
 * and are passed over with one comparison; it runs every token over the whole vocabulary.
 */
export function topIndices(values: ArrayLike<number>, k: number): number[] {
  const n = values.length;
  if (k >= n) {
    const all = Array.from({ length: n }, (_, i) => i);
    return all.sort((a, b) => values[b]! - values[a]! || a - b);
  }
  if (k <= 0) return [];
  // The root holds the least kept entry: the smaller value, or of equal values the later id.
  const hv = new Float64Array(k);
  const hi = new Int32Array(k);
  let size = 0;
  let i = 0;
  for (; i < n && size < k; i++) {
    let c = size++;
    hv[c] = values[i]!;
    hi[c] = i;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (!(hv[c]! < hv[p]! || (hv[c] === hv[p] && hi[c]! > hi[p]!))) break;
      swap(hv, hi, c, p);
      c = p;
    }
  }
  // A later id never wins a tie against an earlier one, so only a strictly larger value enters.
  for (; i < n; i++) {
    const v = values[i]!;
    if (!(v > hv[0]!)) continue;
    hv[0] = v;
    hi[0] = i;
    let at = 0;
    for (;;) {
      const l = 2 * at + 1;
      const r = l + 1;
      let m = at;
      if (l < k && (hv[l]! < hv[m]! || (hv[l] === hv[m] && hi[l]! > hi[m]!))) m = l;
      if (r < k && (hv[r]! < hv[m]! || (hv[r] === hv[m] && hi[r]! > hi[m]!))) m = r;
      if (m === at) break;
      swap(hv, hi, at, m);
      at = m;
    }
  }
  return Array.from(hi).sort((a, b) => values[b]! - values[a]! || a - b);
}

function swap(hv: Float64Array, hi: Int32Array, a: number, b: number): void {
  const v = hv[a]!;
  hv[a] = hv[b]!;
  hv[b] = v;
  const id = hi[a]!;
  hi[a] = hi[b]!;
  hi[b] = id;
}

export interface Candidate {
  id: number;
  prob: number;
}

type Filters = Pick<SamplingSettings, 'temperature' | 'topK' | 'topP' | 'minP' | 'typicalP'>;

/**
 * XTC ("exclude top choices", as in text-generation-webui and llama.cpp): when two or more
 * candidates are at least `threshold` likely, all but the least likely of them are set aside, so
 * the text takes a turn that is still plausible but not the most obvious. Applied with
 * probability `probability` per token (the caller draws); `cands` are likeliest first.
 */
export function excludeTopChoices(cands: Candidate[], threshold: number): Candidate[] {
  let above = 0;
  while (above < cands.length && cands[above]!.prob >= threshold) above++;
  if (above < 2) return cands;
  const kept = cands.slice(above - 1);
  const total = kept.reduce((s, c) => s + c.prob, 0);
  return kept.map((c) => ({ id: c.id, prob: c.prob / total }));
}

/**
 * Turns processed logits into the renormalised candidate set the filters allow, likeliest
 * first. Only the head of the distribution is sorted: it grows until top-p's mass is covered.
 */
export function candidateDistribution(logits: Float32Array, filters: Filters): Candidate[] {
  const V = logits.length;
  const invT = 1 / filters.temperature;
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (logits[i]! > max) max = logits[i]!;
  if (max === -Infinity) throw new Error('Every token was banned; nothing can be sampled.');

  let cands: Candidate[];
  if (filters.topK > 0 && filters.topK < V) {
    // Top-k renormalises over its k tokens, so only they need probabilities: no pass of exp over
    // the whole vocabulary (the largest per-token cost here at a 49K vocabulary).
    const ids = topIndices(logits, filters.topK);
    const weights = ids.map((id) => Math.exp((logits[id]! - max) * invT));
    const sum = weights.reduce((a, b) => a + b, 0);
    cands = ids.map((id, i) => ({ id, prob: weights[i]! / sum })).filter((c) => c.prob > 0);
  } else {
    const probs = new Float32Array(V);
    let sum = 0;
    for (let i = 0; i < V; i++) {
      const p = Math.exp((logits[i]! - max) * invT);
      probs[i] = p;
      sum += p;
    }
    for (let i = 0; i < V; i++) probs[i]! /= sum;
    // Sort only the head: it grows until it holds top-p's mass (typical-p needs everything).
    const needAll = filters.typicalP < 1;
    let k = needAll ? V : Math.min(V, 64);
    let ids = topIndices(probs, k);
    while (!needAll && k < V) {
      let mass = 0;
      for (const id of ids) mass += probs[id]!;
      if (mass >= filters.topP - 1e-6) break;
      k = Math.min(V, k * 4);
      ids = topIndices(probs, k);
    }
    cands = ids.map((id) => ({ id, prob: probs[id]! })).filter((c) => c.prob > 0);
  }

  if (filters.topP < 1) {
    let mass = 0;
    let keep = 0;
    for (const c of cands) {
      mass += c.prob;
      keep++;
      if (mass >= filters.topP) break;
    }
    cands = cands.slice(0, Math.max(1, keep));
  }
  if (filters.minP > 0 && cands.length > 0) {
    const floor = filters.minP * cands[0]!.prob;
    cands = cands.filter((c, i) => i === 0 || c.prob >= floor);
  }
  if (filters.typicalP < 1 && cands.length > 1) {
    // Entropy of the distribution as it stands, then keep the tokens whose surprise is closest to it.
    const total = cands.reduce((s, c) => s + c.prob, 0);
    let entropy = 0;
    for (const c of cands) {
      const p = c.prob / total;
      entropy -= p * Math.log(p);
    }
    const byTypicality = [...cands].sort((a, b) => Math.abs(-Math.log(a.prob / total) - entropy) - Math.abs(-Math.log(b.prob / total) - entropy));
    let mass = 0;
    const kept = new Set<number>();
    for (const c of byTypicality) {
      mass += c.prob / total;
      kept.add(c.id);
      if (mass >= filters.typicalP) break;
    }
    cands = cands.filter((c) => kept.has(c.id));
  }
  const total = cands.reduce((s, c) => s + c.prob, 0);
  return cands.map((c) => ({ id: c.id, prob: c.prob / total }));
}

/** Draws one candidate with the given uniform number in [0, 1). */
export function drawCandidate(cands: readonly Candidate[], u: number): number {
  let acc = 0;
  for (const c of cands) {
    acc += c.prob;
    if (u < acc) return c.id;
  }
  return cands[cands.length - 1]!.id;
}

/**
 * Picks the next token for one sequence: penalties (in place on `logits`), then greedy or a
 * seeded draw from the filtered distribution.
 */
export function selectToken(logits: Float32Array, history: ArrayLike<number>, settings: SamplingSettings, rng: Rng): number {
  return selectScored(logits, history, settings, rng).token;
}

/**
 * Like `selectToken`, also returning the token's log-probability under the unmodified model
 * (before penalties and filters), so strategies can be compared on one scale.
 */
export function selectScored(logits: Float32Array, history: ArrayLike<number>, settings: SamplingSettings, rng: Rng): { token: number; logProb: number } {
  return select(logits, history, settings, rng, { logProb: true });
}

export interface Selection {
  token: number;
  /** Under the unmodified model; 0 when not asked for (it costs a pass over the vocabulary). */
  logProb: number;
  /** With `choices`: the chosen token's probability and the likeliest choices, after the writer's filters. */
  probability?: number;
  choices?: Candidate[];
}

/**
 * Selects a token; the log-probability (a pass of exp over the whole vocabulary) and the choices
 * after the filters are computed only when asked for, so ghost text pays for neither.
 */
export function select(logits: Float32Array, history: ArrayLike<number>, settings: SamplingSettings, rng: Rng, want: { logProb?: boolean; choices?: number } = {}, extras: SamplerExtras = {}): Selection {
  const lse = want.logProb ? logSumExp(logits) : 0;
  if (want.choices && want.choices > 0) {
    const dry = applyPenalties(logits, history, settings, extras);
    let cands = candidateDistribution(logits, settings.strategy === 'sample' ? settings : { ...settings, temperature: 1 });
    if (settings.strategy === 'sample') cands = maybeExcludeTop(cands, settings, rng);
    const token = settings.strategy === 'greedy' ? cands[0]!.id : drawCandidate(cands, rng.next());
    const raw = unpenalised(logits[token]!, token, history, settings, dry);
    const probability = cands.find((c) => c.id === token)?.prob ?? 0;
    return { token, logProb: want.logProb ? raw - lse : 0, probability, choices: cands.slice(0, want.choices) };
  }
  // Penalties change the chosen logit in place; undo them rather than copying the whole row
  // first (a copy per token cost more than the rest of the selection).
  const dry = applyPenalties(logits, history, settings, extras);
  const token = settings.strategy === 'greedy' ? argmax(logits) : drawCandidate(maybeExcludeTop(candidateDistribution(logits, settings), settings, rng), rng.next());
  if (!want.logProb) return { token, logProb: 0 };
  return { token, logProb: unpenalised(logits[token]!, token, history, settings, dry) - lse };
}

function includes(values: ArrayLike<number>, x: number): boolean {
  for (let i = 0; i < values.length; i++) if (values[i] === x) return true;
  return false;
}

/** What the samplers need beyond the settings: computed once per model and request by the caller. */
export interface SamplerExtras {
  /** DRY's sequence breakers: 1 for every token whose text holds one. */
  dryBreakers?: Uint8Array;
}

/**
 * The penalties on raw logits, in llama.cpp's order: repetition, DRY, then n-gram bans. Returns
 * what DRY subtracted, so a chosen token's unpenalised logit can be recovered without a copy.
 */
export function applyPenalties(logits: Float32Array, history: ArrayLike<number>, settings: SamplingSettings, extras: SamplerExtras = {}): Map<number, number> | null {
  applyRepetitionPenalty(logits, history, settings.repetitionPenalty);
  const dry = applyDry(logits, history, settings, extras.dryBreakers);
  applyNoRepeatNgram(logits, history, settings.noRepeatNgramSize);
  return dry;
}

/** The chosen token's logit before the penalties (n-gram bans never touch a chosen token). */
function unpenalised(logit: number, token: number, history: ArrayLike<number>, settings: SamplingSettings, dry: Map<number, number> | null): number {
  let raw = logit + (dry?.get(token) ?? 0);
  if (settings.repetitionPenalty !== 1 && includes(history, token)) raw = raw > 0 ? raw * settings.repetitionPenalty : raw / settings.repetitionPenalty;
  return raw;
}

/** XTC on a candidate set, when on and this token's draw says so (one extra draw only when on). */
function maybeExcludeTop(cands: Candidate[], settings: SamplingSettings, rng: Rng): Candidate[] {
  if (!(settings.xtcProbability > 0) || cands.length < 2) return cands;
  return rng.next() < settings.xtcProbability ? excludeTopChoices(cands, settings.xtcThreshold) : cands;
}

