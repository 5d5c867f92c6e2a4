/**
 * Sampling settings: the one place that knows their defaults, limits and what they mean.
 * Everything that takes settings from outside (VS Code settings, the CLI, the panel, the
 * worker protocol) passes them through `validateSampling` so absurd values never reach the
 * decode loop.
 */

import type { DecodingStrategy, SamplingSettings } from '../../common/generation';
import { msg } from '../../common/message';

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
  'temperature' | 'topK' | 'topP' | 'minP' | 'typicalP' | 'repetitionPenalty' | 'noRepeatNgramSize' | 'maxNewTokens' | 'numBeams' | 'dryMultiplier' | 'dryBase' | 'dryAllowedLength' | 'xtcProbability' | 'xtcThreshold',
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
  dryMultiplier: { min: 0, max: 5, integer: false, off: 0, explain: 'DRY: discourage words that would repeat a passage already written, more the longer the repeat (0 = off; 0.8 is a common start).' },
  dryBase: { min: 1, max: 4, integer: false, explain: 'DRY: how fast the discouragement grows with each further repeated piece.' },
  dryAllowedLength: { min: 1, max: 20, integer: true, explain: 'DRY: repeats up to this many pieces are free (names, common phrases).' },
  xtcProbability: { min: 0, max: 1, integer: false, off: 0, explain: 'XTC: how often the most obvious choices are set aside for a less obvious one that is still likely (0 = off).' },
  xtcThreshold: { min: 0, max: 0.5, integer: false, explain: 'XTC: a choice at least this likely counts as obvious; only when two or more are does XTC act.' },
};

export const MAX_BANNED_PHRASES = 200;
export const MAX_BANNED_PHRASE_LENGTH = 80;
export const DEFAULT_DRY_BREAKERS: readonly string[] = ['\n', ':', '"', '*'];

/**
 * Stock phrases writers complain about, offered as an optional list (inkling.sampling.bannedPhrases
 * starts empty: a writer adds these with one click in the sampling panel, or by hand).
 */
export const STOCK_PHRASES: readonly string[] = [
  'a testament to',
  'shivers down',
  'tapestry of',
  'a symphony of',
  'delve into',
  'in the grand scheme of things',
  'a dance of',
  'barely above a whisper',
  'the weight of the world',
  'little did they know',
  'sent shivers',
  'a wave of emotion',
  'palpable tension',
  'ministrations',
  'eyes sparkling with mischief',
];

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
  dryMultiplier: 0,
  dryBase: 1.75,
  dryAllowedLength: 2,
  drySequenceBreakers: [...DEFAULT_DRY_BREAKERS],
  xtcProbability: 0,
  xtcThreshold: 0.1,
  bannedPhrases: [],
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
  const settings: SamplingSettings = { ...base, stopStrings: [...base.stopStrings], drySequenceBreakers: [...base.drySequenceBreakers], bannedPhrases: [...base.bannedPhrases] };
  if (input === undefined || input === null) return { settings, problems };
  if (typeof input !== 'object' || Array.isArray(input)) {
    problems.push({ setting: 'strategy', message: msg('Sampling settings must be an object; using the defaults.') });
    return { settings, problems };
  }
  const raw = input as Record<string, unknown>;

  if (raw.strategy !== undefined) {
    if (typeof raw.strategy === 'string' && (STRATEGIES as readonly string[]).includes(raw.strategy)) {
      settings.strategy = raw.strategy as DecodingStrategy;
    } else {
      problems.push({ setting: 'strategy', message: msg('Decoding strategy {0} is not one of {1}; using "{2}".', String(JSON.stringify(raw.strategy)), STRATEGIES.join(', '), base.strategy) });
    }
  }

  for (const key of Object.keys(SAMPLING_LIMITS) as (keyof typeof SAMPLING_LIMITS)[]) {
    const value = raw[key];
    if (value === undefined) continue;
    const limit = SAMPLING_LIMITS[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push({ setting: key, message: msg('{0} must be a number between {1} and {2}; got {3}, using {4}.', key, limit.min, limit.max, String(JSON.stringify(value)), base[key]) });
      continue;
    }
    let v = limit.integer ? Math.round(value) : value;
    if (v < limit.min || v > limit.max) {
      const clamped = Math.min(limit.max, Math.max(limit.min, v));
      // A value past the limit that means "off" (topK -5 → 0 = no limit) did not ask for the
      // filter to be off: it gets the default instead of the nearest limit.
      const fixed = clamped === limit.off && clamped !== base[key] ? base[key] : clamped;
      problems.push({ setting: key, message: fixed !== clamped ? msg('{0} {1} is outside {2}–{3}; using {4} (the default).', key, value, limit.min, limit.max, fixed) : msg('{0} {1} is outside {2}–{3}; using {4}.', key, value, limit.min, limit.max, fixed) });
      v = fixed;
    }
    settings[key] = v;
  }

  if (raw.seed !== undefined) {
    if (raw.seed === null) settings.seed = null;
    else if (typeof raw.seed === 'number' && Number.isInteger(raw.seed) && raw.seed >= 0 && raw.seed <= SEED_MAX) settings.seed = raw.seed;
    else {
      problems.push({ setting: 'seed', message: msg('Seed must be a whole number from 0 to {0}, or empty for random; got {1}, using a random seed.', SEED_MAX, String(JSON.stringify(raw.seed))) });
      settings.seed = null;
    }
  }

  if (raw.stopStrings !== undefined) {
    if (!Array.isArray(raw.stopStrings)) {
      problems.push({ setting: 'stopStrings', message: msg('Stop strings must be a list of strings; ignoring them.') });
    } else {
      const kept = raw.stopStrings.filter((s): s is string => typeof s === 'string' && s.length > 0 && s.length <= MAX_STOP_STRING_LENGTH);
      if (kept.length !== raw.stopStrings.length || kept.length > MAX_STOP_STRINGS) {
        problems.push({ setting: 'stopStrings', message: msg('Stop strings must be 1–{0} characters each, at most {1}; dropped the others.', MAX_STOP_STRING_LENGTH, MAX_STOP_STRINGS) });
      }
      settings.stopStrings = [...new Set(kept)].slice(0, MAX_STOP_STRINGS);
    }
  }

  settings.bannedPhrases = stringList(raw.bannedPhrases, 'bannedPhrases', MAX_BANNED_PHRASES, MAX_BANNED_PHRASE_LENGTH, settings.bannedPhrases, problems, (p) => p.trim().replace(/\s+/g, ' ').toLowerCase());
  settings.drySequenceBreakers = stringList(raw.drySequenceBreakers, 'drySequenceBreakers', 16, 8, settings.drySequenceBreakers, problems, (b) => b);

  return { settings, problems };
}

/** A list of short strings, or the fallback with a problem reported. */
function stringList(value: unknown, setting: keyof SamplingSettings, max: number, maxLength: number, fallback: string[], problems: SettingsProblem[], normalise: (s: string) => string): string[] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value)) {
    problems.push({ setting, message: msg('{0} must be a list of texts; ignoring it.', setting) });
    return fallback;
  }
  const kept = value.filter((s): s is string => typeof s === 'string').map(normalise).filter((s) => s.length > 0 && s.length <= maxLength);
  if (kept.length !== value.length || kept.length > max) problems.push({ setting, message: msg('{0} takes at most {1} texts of 1–{2} characters; dropped the others.', setting, max, maxLength) });
  return [...new Set(kept)].slice(0, max);
}
