/**
 * Sampling settings: the one place that knows their defaults, limits and what they mean.
 * Everything that takes settings from outside (VS Code settings, the CLI, the panel, the
 * worker protocol) passes them through `validateSampling` so absurd values never reach the
 * decode loop.
 */

import type { DecodingStrategy, SamplingSettings } from '../common/generation';

export type { DecodingStrategy, SamplingSettings };

interface NumericLimit {
  min: number;
  max: number;
  integer: boolean;
  /** One line a writer understands, shown in the settings panel and in error messages. */
  explain: string;
  /** The value that turns the setting off, when it is one of the limits. */
  off?: number;
}

export const SAMPLING_LIMITS: Record<
  'temperature' | 'topK' | 'topP' | 'minP' | 'typicalP' | 'repetitionPenalty' | 'noRepeatNgramSize' | 'maxNewTokens' | 'numBeams',
  NumericLimit
> = {
  temperature: { min: 0.05, max: 2, integer: false, explain: 'How adventurous each word is: low stays safe, high surprises.' },
  topK: { min: 0, max: 1000, integer: true, off: 0, explain: 'Choose only among the K likeliest next pieces (0 = no limit).' },
  topP: { min: 0.05, max: 1, integer: false, off: 1, explain: 'Choose among the likeliest pieces that together make up this share of probability (1 = off).' },
  minP: { min: 0, max: 0.5, integer: false, off: 0, explain: 'Drop pieces less likely than this fraction of the likeliest one (0 = off).' },
  typicalP: { min: 0.05, max: 1, integer: false, off: 1, explain: 'Prefer pieces about as surprising as usual; lower is plainer (1 = off).' },
  repetitionPenalty: { min: 1, max: 2, integer: false, off: 1, explain: 'Discourage repeating words already in the text (1 = off).' },
  noRepeatNgramSize: { min: 0, max: 10, integer: true, off: 0, explain: 'Never repeat a run of this many pieces verbatim (0 = off).' },
  maxNewTokens: { min: 1, max: 1024, integer: true, explain: 'The longest continuation, in model pieces (about ¾ of a word each).' },
  numBeams: { min: 2, max: 8, integer: true, explain: 'Beam search: how many candidate continuations to keep at each step.' },
};

export const SEED_MAX = 2 ** 31 - 1;
export const MAX_STOP_STRINGS = 16;
export const MAX_STOP_STRING_LENGTH = 64;

export const DEFAULT_SAMPLING: Readonly<SamplingSettings> = Object.freeze({
  strategy: 'sample',
  temperature: 0.8,
  topK: 50,
  topP: 0.95,
  minP: 0,
  typicalP: 1,
  repetitionPenalty: 1.1,
  noRepeatNgramSize: 0,
  maxNewTokens: 32,
  numBeams: 4,
  seed: null,
  stopStrings: [],
});

export interface SettingsProblem {
  setting: keyof SamplingSettings;
  message: string;
}

export interface ValidatedSampling {
  settings: SamplingSettings;
  /** What was wrong and what was done about it; empty when the input was fine. */
  problems: SettingsProblem[];
}

const STRATEGIES: readonly DecodingStrategy[] = ['sample', 'greedy', 'beam'];

/**
 * Validates and clamps partial, untrusted settings (any JSON value) onto the defaults.
 * Never throws: out-of-range numbers are clamped, wrong types fall back to the default,
 * and each correction is reported so the caller can tell the writer once.
 */
export function validateSampling(input: unknown, base: Readonly<SamplingSettings> = DEFAULT_SAMPLING): ValidatedSampling {
  const problems: SettingsProblem[] = [];
  const settings: SamplingSettings = { ...base, stopStrings: [...base.stopStrings] };
  if (input === undefined || input === null) return { settings, problems };
  if (typeof input !== 'object' || Array.isArray(input)) {
    problems.push({ setting: 'strategy', message: 'Sampling settings must be an object; using the defaults.' });
    return { settings, problems };
  }
  const raw = input as Record<string, unknown>;

  if (raw.strategy !== undefined) {
    if (typeof raw.strategy === 'string' && (STRATEGIES as readonly string[]).includes(raw.strategy)) {
      settings.strategy = raw.strategy as DecodingStrategy;
    } else {
      problems.push({ setting: 'strategy', message: `Decoding strategy ${JSON.stringify(raw.strategy)} is not one of ${STRATEGIES.join(', ')}; using "${base.strategy}".` });
    }
  }

  for (const key of Object.keys(SAMPLING_LIMITS) as (keyof typeof SAMPLING_LIMITS)[]) {
    const value = raw[key];
    if (value === undefined) continue;
    const limit = SAMPLING_LIMITS[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push({ setting: key, message: `${key} must be a number between ${limit.min} and ${limit.max}; got ${JSON.stringify(value)}, using ${base[key]}.` });
      continue;
    }
    let v = limit.integer ? Math.round(value) : value;
    if (v < limit.min || v > limit.max) {
      const clamped = Math.min(limit.max, Math.max(limit.min, v));
      // A value past the limit that means "off" (topK -5 → 0 = no limit) did not ask for the
      // filter to be off: it gets the default instead of the nearest limit.
      const fixed = clamped === limit.off && clamped !== base[key] ? base[key] : clamped;
      problems.push({ setting: key, message: `${key} ${value} is outside ${limit.min}–${limit.max}; using ${fixed}${fixed !== clamped ? ' (the default)' : ''}.` });
      v = fixed;
    }
    settings[key] = v;
  }

  if (raw.seed !== undefined) {
    if (raw.seed === null) settings.seed = null;
    else if (typeof raw.seed === 'number' && Number.isInteger(raw.seed) && raw.seed >= 0 && raw.seed <= SEED_MAX) settings.seed = raw.seed;
    else {
      problems.push({ setting: 'seed', message: `Seed must be a whole number from 0 to ${SEED_MAX}, or empty for random; got ${JSON.stringify(raw.seed)}, using a random seed.` });
      settings.seed = null;
    }
  }

  if (raw.stopStrings !== undefined) {
    if (!Array.isArray(raw.stopStrings)) {
      problems.push({ setting: 'stopStrings', message: 'Stop strings must be a list of strings; ignoring them.' });
    } else {
      const kept = raw.stopStrings.filter((s): s is string => typeof s === 'string' && s.length > 0 && s.length <= MAX_STOP_STRING_LENGTH);
      if (kept.length !== raw.stopStrings.length || kept.length > MAX_STOP_STRINGS) {
        problems.push({ setting: 'stopStrings', message: `Stop strings must be 1–${MAX_STOP_STRING_LENGTH} characters each, at most ${MAX_STOP_STRINGS}; dropped the others.` });
      }
      settings.stopStrings = [...new Set(kept)].slice(0, MAX_STOP_STRINGS);
    }
  }

  return { settings, problems };
}
