/**
 * Sampling presets: named sets of the settings that decide how adventurous the writing is.
 * Length (`maxNewTokens`) and the seed are left alone by presets: they say how much and whether
 * repeatable, not in what voice. Built-in presets live here; the writer's own are stored in the
 * `inkling.sampling.userPresets` setting and pass through `validateUserPresets` on every read.
 */
import { msg } from '../../common/message';
import { DEFAULT_SAMPLING, validateSampling, type SamplingSettings } from './samplingSettings';

/** The settings a preset sets. */
export const PRESET_KEYS = ['strategy', 'temperature', 'topK', 'topP', 'minP', 'typicalP', 'repetitionPenalty', 'noRepeatNgramSize', 'numBeams', 'dryMultiplier', 'xtcProbability', 'xtcThreshold'] as const;
export type PresetKey = (typeof PRESET_KEYS)[number];
export type PresetValues = Pick<SamplingSettings, PresetKey>;

export interface SamplingPreset {
  name: string;
  /** One line a writer understands. */
  explain: string;
  values: PresetValues;
  builtIn: boolean;
}

export const MAX_PRESET_NAME_LENGTH = 40;
export const MAX_USER_PRESETS = 50;

const base = (over: Partial<PresetValues>): PresetValues => ({ ...pick(DEFAULT_SAMPLING), ...over });

export const BUILT_IN_PRESETS: readonly SamplingPreset[] = Object.freeze([
  {
    name: 'Faithful',
    explain: 'Stays with the likeliest words: plain, steady, close to what you have written.',
    // Low temperature loops easily: DRY breaks the loops without penalising single words.
    values: base({ temperature: 0.5, topK: 40, topP: 0.9, minP: 0.05, repetitionPenalty: 1.15, dryMultiplier: 0.8 }),
    builtIn: true,
  },
  {
    name: 'Balanced',
    explain: "Inkling's defaults: varied but sensible.",
    values: base({}),
    builtIn: true,
  },
  {
    name: 'Imaginative',
    explain: 'Reaches for less obvious words while staying on the subject.',
    values: base({ temperature: 1.05, topK: 0, topP: 0.95, minP: 0.05, repetitionPenalty: 1.1, dryMultiplier: 0.8 }),
    builtIn: true,
  },
  {
    name: 'Wild',
    explain: 'Surprising and sometimes strange: good for unblocking, expect to edit.',
    // XTC gives the surprise without the incoherence a still higher temperature brings.
    values: base({ temperature: 1.2, topK: 0, topP: 1, minP: 0.02, repetitionPenalty: 1.05, dryMultiplier: 0.8, xtcProbability: 0.5, xtcThreshold: 0.1 }),
    builtIn: true,
  },
  {
    name: 'Deliberate',
    explain: 'Beam search: weighs several whole continuations and keeps the likeliest. Same answer every time; slower.',
    values: base({ strategy: 'beam', numBeams: 4, repetitionPenalty: 1.2, noRepeatNgramSize: 3 }),
    builtIn: true,
  },
] satisfies SamplingPreset[]);

/** The preset's part of full settings. */
export function pick(settings: Readonly<PresetValues>): PresetValues {
  const out = {} as Record<PresetKey, unknown>;
  for (const key of PRESET_KEYS) out[key] = settings[key];
  return out as PresetValues;
}

/** Why a name cannot be a new preset's, or null when it can. `existing` are the writer's current preset names. */
export function presetNameProblem(name: unknown, existing: readonly string[] = []): string | null {
  if (typeof name !== 'string') return msg('A preset name must be text.');
  const trimmed = name.trim();
  if (!trimmed) return msg('Give the preset a name.');
  if (trimmed !== name) return msg('A preset name cannot start or end with spaces.');
  if (name.length > MAX_PRESET_NAME_LENGTH) return msg('A preset name can be at most {0} characters.', MAX_PRESET_NAME_LENGTH);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return msg('A preset name cannot contain control characters.');
  const lower = name.toLowerCase();
  if (BUILT_IN_PRESETS.some((p) => p.name.toLowerCase() === lower)) return msg('"{0}" is a built-in preset; choose another name.', name);
  if (existing.some((n) => n.toLowerCase() === lower)) return msg('You already have a preset called "{0}".', name);
  return null;
}

export interface ValidatedPresets {
  presets: SamplingPreset[];
  /** What was wrong in the setting and what was done about it. */
  problems: string[];
}

/**
 * Reads the writer's presets from the setting's raw value (any JSON). Entries with a bad name are
 * dropped; values are validated like every sampling setting (clamped, defaults for what is
 * missing or wrong); each correction is reported.
 */
export function validateUserPresets(raw: unknown): ValidatedPresets {
  const problems: string[] = [];
  const presets: SamplingPreset[] = [];
  if (raw === undefined || raw === null) return { presets, problems };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { presets, problems: [msg('inkling.sampling.userPresets must be an object of name → settings; ignoring it.')] };
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (presets.length >= MAX_USER_PRESETS) {
      problems.push(msg('Only the first {0} presets are kept.', MAX_USER_PRESETS));
      break;
    }
    const nameProblem = presetNameProblem(name, presets.map((p) => p.name));
    if (nameProblem) {
      problems.push(msg('Preset {0} ignored: {1}', JSON.stringify(name), nameProblem));
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(msg('Preset "{0}" ignored: its settings must be an object.', name));
      continue;
    }
    const known = Object.fromEntries(Object.entries(value).filter(([k]) => (PRESET_KEYS as readonly string[]).includes(k)));
    const checked = validateSampling(known);
    for (const p of checked.problems) problems.push(msg('Preset "{0}": {1}', name, p.message));
    presets.push({ name, explain: describePreset(checked.settings), values: pick(checked.settings), builtIn: false });
  }
  return { presets, problems };
}

/** A one-line summary of a writer's preset, in place of an explanation. */
export function describePreset(v: Readonly<PresetValues>): string {
  if (v.strategy === 'greedy') return msg('Greedy: always the likeliest word.');
  if (v.strategy === 'beam') return msg('Beam search with {0} beams.', v.numBeams);
  const parts = [msg('temperature {0}', v.temperature)];
  if (v.topK) parts.push(`top-k ${v.topK}`);
  if (v.topP < 1) parts.push(`top-p ${v.topP}`);
  if (v.minP > 0) parts.push(`min-p ${v.minP}`);
  if (v.typicalP < 1) parts.push(`typical-p ${v.typicalP}`);
  if (v.repetitionPenalty > 1) parts.push(msg('repetition {0}', v.repetitionPenalty));
  if (v.noRepeatNgramSize) parts.push(msg('no repeated {0}-grams', v.noRepeatNgramSize));
  return msg('Sampling: {0}.', parts.join(', '));
}

/** The first preset whose values all equal the settings', or undefined. */
export function matchingPreset(settings: Readonly<PresetValues>, presets: readonly SamplingPreset[]): SamplingPreset | undefined {
  return presets.find((p) => PRESET_KEYS.every((k) => p.values[k] === settings[k]));
}

/** Presets as stored in the setting: name → values (what `validateUserPresets` reads back). */
export function presetsToSetting(presets: readonly SamplingPreset[]): Record<string, PresetValues> {
  return Object.fromEntries(presets.filter((p) => !p.builtIn).map((p) => [p.name, pick(p.values)]));
}
