/**
 * Samples alternatives for a writing request, one seed each, either as one batch (the worker
 * decodes all rows together) or one request after another (each can stop as soon as it has
 * what the request keeps). Used by "Show Alternatives", Regenerate and the benchmark.
 */
import { randomInt } from 'node:crypto';
import type { GeneratedToken } from '../common/generation';
import type { TextGenerator } from './engineClient';
import { commandParams, endedByModel } from '../writing/prompts/commands/commandParams';
import type { WritingRequest } from '../writing/prompts/commands/continuationRequest';
import { SEED_MAX, type SamplingSettings } from '../writing/settings/samplingSettings';
import { dedupeAlternatives } from '../writing/prompts/commands/nearDuplicate';

/** One candidate: the text to insert and the seed that wrote it. */
export interface Alternative {
  text: string;
  seed: number;
  /** The model's own text before `finish`. */
  raw: string;
  /** The model ended it itself (end of sequence or a stop string). */
  finished: boolean;
  /** Each token of `raw` with its probability and alternatives, when they were asked for. */
  tokens?: GeneratedToken[];
}

export type SamplingMode = 'batch' | 'sequential';

export interface SampleOptions {
  count: number;
  /** Seed of the first alternative; the i-th uses seed + i. Default: a fresh random one. */
  seed?: number | null;
  caller?: string;
  signal?: AbortSignal;
  mode?: SamplingMode;
}

/** Alternatives are always sampled: greedy decoding and beam search give the same text every time. */
export function samplingForAlternatives(sampling: SamplingSettings): SamplingSettings {
  return sampling.strategy === 'sample' ? sampling : { ...sampling, strategy: 'sample' };
}

/**
 * `count` samples of a request with seeds seed, seed + 1, …, in order; each equals what one
 * request with its own seed gives with each verse line as sampled (the form's `lineCandidates`
 * 1: alternatives are for variety, and a batch writes its rows together), in either mode. Stops
 * early, with what it has, when the signal aborts.
 */
export async function sampleAlternatives(client: TextGenerator, asked: WritingRequest, sampling: SamplingSettings, options: SampleOptions): Promise<Alternative[]> {
  const request: WritingRequest = asked.formConstraint ? { ...asked, formConstraint: { ...asked.formConstraint, lineCandidates: 1 } } : asked;
  const settings = samplingForAlternatives(sampling);
  const first = options.seed ?? settings.seed ?? randomInt(0, SEED_MAX);
  const seeds = Array.from({ length: Math.max(1, options.count) }, (_, i) => (first + i) % (SEED_MAX + 1));
  if ((options.mode ?? 'batch') === 'batch' && seeds.length > 1) {
    const result = await client.generate(commandParams(request, settings, options.caller ?? 'alternatives', { seed: first, n: seeds.length }), { signal: options.signal });
    if (result.stopReason === 'cancelled' && options.signal?.aborted) return [];
    const samples = result.alternatives ?? [{ text: result.text, stopReason: result.stopReason, seed: first, meanLogProb: result.meanLogProb }];
    return samples.filter((s) => s.stopReason !== 'cancelled').map((s) => alternative(request, s.text, s.seed, endedByModel(s.stopReason)));
  }
  const out: Alternative[] = [];
  for (const seed of seeds) {
    if (options.signal?.aborted) break;
    const one = await sampleOne(client, request, settings, seed, options.caller ?? 'alternatives', options.signal);
    if (one) out.push(one);
  }
  return out;
}

/** Batches of `count` seeds "More" writes before it gives up on finding `count` new alternatives. */
export const MORE_ROUNDS = 3;

/**
 * What "More alternatives" adds: up to `count` alternatives that are near-duplicates neither of
 * `offered` nor of each other, from at most MORE_ROUNDS batches of `count` seeds (seed, seed +
 * count, …; null: fresh random seeds each batch). An error ends the rounds and comes back with
 * what the earlier ones found, so the caller can show both.
 */
export async function moreAlternatives(
  client: TextGenerator,
  request: WritingRequest,
  sampling: SamplingSettings,
  offered: readonly Alternative[],
  options: { count: number; seed: number | null; caller?: string; signal?: AbortSignal },
): Promise<{ added: Alternative[]; nextSeed: number | null; error?: unknown }> {
  const { count, signal } = options;
  const kept = [...offered];
  let seed = options.seed;
  for (let round = 0; round < MORE_ROUNDS && kept.length - offered.length < count && !signal?.aborted; round++) {
    let fresh: Alternative[];
    try {
      fresh = await sampleAlternatives(client, request, sampling, { count, seed, caller: options.caller, signal });
    } catch (error) {
      return { added: kept.slice(offered.length), nextSeed: seed, error };
    }
    if (seed !== null) seed += count;
    const distinct = dedupeAlternatives([...kept, ...fresh], (a) => a.text).slice(kept.length);
    kept.push(...distinct.slice(0, count - (kept.length - offered.length)));
  }
  return { added: kept.slice(offered.length), nextSeed: seed };
}

/**
 * One sample with its own seed, streamed so it can stop as soon as the request has all it keeps.
 * `probabilities`: report each token's probability and that many alternatives (word choices).
 */
export async function sampleOne(client: TextGenerator, request: WritingRequest, sampling: SamplingSettings, seed: number, caller: string, signal?: AbortSignal, probabilities = 0): Promise<Alternative | null> {
  const enough = new AbortController();
  const onAbort = () => enough.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let raw = '';
  let complete = false;
  try {
    const params = commandParams(request, sampling, caller, { seed, stream: true });
    const result = await client.generate(probabilities > 0 ? { ...params, probabilities } : params, {
      signal: enough.signal,
      onToken: (t) => {
        raw += t;
        if (!complete && request.isComplete(raw)) {
          complete = true;
          enough.abort();
        }
      },
    });
    if (signal?.aborted || (result.stopReason === 'cancelled' && !complete)) return null;
    // Stopped early because it was complete: the text so far is what a full run keeps too.
    const text = result.stopReason === 'cancelled' ? result.text || raw : result.text;
    const one = alternative(request, text, seed, endedByModel(result.stopReason));
    return result.tokens ? { ...one, tokens: result.tokens } : one;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

function alternative(request: WritingRequest, raw: string, seed: number, finished: boolean): Alternative {
  return { text: request.finish(raw, finished), seed, raw, finished };
}
