/**
 * The sampling panel's protocol: the messages between the webview page and the extension, the
 * settings the panel shows (limits and explanations from the one sampling module), and the
 * validation every message from the page passes before anything is written. The page is
 * untrusted input: unknown types, unknown settings, wrong types, NaN and out-of-range values are
 * rejected whole, never clamped.
 */
import { PRESET_KEYS, type PresetValues } from './samplingPresets';
import { DEFAULT_SAMPLING, SAMPLING_LIMITS, SEED_MAX, type SamplingSettings } from './samplingSettings';

export type PanelScope = 'user' | 'workspace';

interface SpecBase {
  /** Setting key below `inkling.`, e.g. `sampling.temperature`. */
  key: string;
  label: string;
  /** One line a writer understands. */
  explain: string;
}
export interface NumberSpec extends SpecBase {
  kind: 'number';
  min: number;
  max: number;
  integer: boolean;
  step: number;
  defaultValue: number;
}
export interface ChoiceSpec extends SpecBase {
  kind: 'choice';
  options: { value: string; label: string; explain: string }[];
  defaultValue: string;
}
export interface SeedSpec extends SpecBase {
  kind: 'seed';
  min: 0;
  max: number;
  defaultValue: number | null;
}
export type SettingSpec = NumberSpec | ChoiceSpec | SeedSpec;
export type SettingValue = number | string | null;

const SAMPLING_LABELS: Record<keyof typeof SAMPLING_LIMITS, { label: string; step: number }> = {
  temperature: { label: 'Temperature', step: 0.05 },
  topK: { label: 'Top-k', step: 1 },
  topP: { label: 'Top-p (nucleus)', step: 0.01 },
  minP: { label: 'Min-p', step: 0.01 },
  typicalP: { label: 'Typical-p', step: 0.01 },
  repetitionPenalty: { label: 'Repetition penalty', step: 0.01 },
  noRepeatNgramSize: { label: 'No-repeat n-gram size', step: 1 },
  maxNewTokens: { label: 'Max new tokens', step: 1 },
  numBeams: { label: 'Beams', step: 1 },
  dryMultiplier: { label: 'DRY strength', step: 0.05 },
  dryBase: { label: 'DRY growth', step: 0.05 },
  dryAllowedLength: { label: 'DRY free length', step: 1 },
  xtcProbability: { label: 'XTC probability', step: 0.05 },
  xtcThreshold: { label: 'XTC threshold', step: 0.01 },
};

/** What a host knows from the manifest about settings that are not sampling settings. */
export interface ExtraNumberSetting {
  key: string;
  label: string;
  explain: string;
  min: number;
  max: number;
  defaultValue: number;
}

/** Integer settings outside `sampling.*` the panel shows when the manifest declares them. */
const EXTRA_SETTINGS: { key: string; label: string }[] = [
  { key: 'inline.maxWords', label: 'Words per prose suggestion' },
  { key: 'continue.lines', label: 'Lines per continuation' },
];

interface ManifestProperty {
  type?: string | string[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
  markdownDescription?: string;
  description?: string;
}

/**
 * The extra settings' limits, default and first line of description, read from the extension's
 * manifest (package.json), so the panel never disagrees with it; settings it does not declare
 * (or declares without limits) are left out.
 */
export function extraSettingsFromManifest(packageJSON: unknown): ExtraNumberSetting[] {
  const configuration = (packageJSON as { contributes?: { configuration?: unknown } } | null)?.contributes?.configuration;
  const sections = Array.isArray(configuration) ? configuration : [configuration];
  const properties: Record<string, ManifestProperty> = Object.assign({}, ...sections.map((s) => (s as { properties?: object } | null)?.properties ?? {}));
  const out: ExtraNumberSetting[] = [];
  for (const { key, label } of EXTRA_SETTINGS) {
    const p = properties[`inkling.${key}`];
    if (!p || typeof p.minimum !== 'number' || typeof p.maximum !== 'number' || typeof p.default !== 'number') continue;
    const explain = (p.markdownDescription ?? p.description ?? '').replace(/[`*]/g, '').split('\n')[0]!;
    out.push({ key, label, explain, min: p.minimum, max: p.maximum, defaultValue: p.default });
  }
  return out;
}

/**
 * Every setting the panel shows and accepts, keyed by setting key (below `inkling.`). Sampling
 * limits come from SAMPLING_LIMITS; `extra` adds integer settings the host finds in the manifest
 * (words per suggestion, lines per continuation).
 */
export function panelSettingSpecs(extra: readonly ExtraNumberSetting[] = []): Record<string, SettingSpec> {
  const specs: Record<string, SettingSpec> = {
    'sampling.strategy': {
      kind: 'choice',
      key: 'sampling.strategy',
      label: 'Strategy',
      explain: 'How the model chooses each next piece of text.',
      defaultValue: DEFAULT_SAMPLING.strategy,
      options: [
        { value: 'sample', label: 'Sampling', explain: 'Draw each word at random from the likely ones: varied writing.' },
        { value: 'greedy', label: 'Greedy', explain: 'Always take the likeliest word: predictable.' },
        { value: 'beam', label: 'Beam search', explain: 'Search several continuations and keep the likeliest whole: careful, slower.' },
      ],
    },
  };
  for (const [name, limit] of Object.entries(SAMPLING_LIMITS) as [keyof typeof SAMPLING_LIMITS, (typeof SAMPLING_LIMITS)[keyof typeof SAMPLING_LIMITS]][]) {
    const key = `sampling.${name}`;
    specs[key] = { kind: 'number', key, label: SAMPLING_LABELS[name].label, explain: limit.explain, min: limit.min, max: limit.max, integer: limit.integer, step: SAMPLING_LABELS[name].step, defaultValue: DEFAULT_SAMPLING[name] };
  }
  specs['sampling.seed'] = { kind: 'seed', key: 'sampling.seed', label: 'Seed', explain: 'A fixed seed makes every suggestion repeatable; Random draws a new one each time.', min: 0, max: SEED_MAX, defaultValue: DEFAULT_SAMPLING.seed };
  specs['model.dtype'] = {
    kind: 'choice',
    key: 'model.dtype',
    label: 'Precision',
    explain: "Which of the model's files to run: 4-bit and int8 are smaller and faster, fp32 exact.",
    defaultValue: 'auto',
    options: [
      { value: 'auto', label: 'Fastest available', explain: "Inkling's copy-free 4-bit export when the folder has it, else int8." },
      { value: 'q4', label: '4-bit (q4)', explain: 'model_kvin_q4.onnx or model_q4.onnx' },
      { value: 'q8', label: 'int8 (q8)', explain: 'model_kvin_q8.onnx or model_quantized.onnx' },
      { value: 'fp32', label: 'Full (fp32)', explain: 'model.onnx' },
    ],
  };
  for (const e of extra) {
    specs[e.key] = { kind: 'number', key: e.key, label: e.label, explain: e.explain, min: e.min, max: e.max, integer: true, step: 1, defaultValue: e.defaultValue };
  }
  return specs;
}

/** Why `value` is not acceptable for the setting, or null when it is (exact: nothing is clamped). */
export function settingValueProblem(spec: SettingSpec, value: unknown): string | null {
  switch (spec.kind) {
    case 'choice':
      return typeof value === 'string' && spec.options.some((o) => o.value === value) ? null : `${spec.key} must be one of ${spec.options.map((o) => o.value).join(', ')}; got ${show(value)}.`;
    case 'seed':
      if (value === null) return null;
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= spec.max ? null : `${spec.key} must be a whole number from 0 to ${spec.max}, or null for random; got ${show(value)}.`;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${spec.key} must be a number; got ${show(value)}.`;
      if (spec.integer && !Number.isInteger(value)) return `${spec.key} must be a whole number; got ${value}.`;
      if (value < spec.min || value > spec.max) return `${spec.key} must be between ${spec.min} and ${spec.max}; got ${value}.`;
      return null;
  }
}

/** The panel's sampling values, complete (the page sends them with "Try it"). */
/** The panel's sampling settings; the lists (stop strings, DRY's breakers, banned phrases) come from the writer's settings. */
export type TrySampling = Omit<SamplingSettings, 'stopStrings' | 'drySequenceBreakers' | 'bannedPhrases'>;
const TRY_KEYS: (keyof TrySampling)[] = ['strategy', 'temperature', 'topK', 'topP', 'minP', 'typicalP', 'repetitionPenalty', 'noRepeatNgramSize', 'maxNewTokens', 'numBeams', 'seed', 'dryMultiplier', 'dryBase', 'dryAllowedLength', 'xtcProbability', 'xtcThreshold'];
/** The name the page uses for "the settings as they are in the panel" in a comparison. */
export const CURRENT_SETTINGS = '(current)';

/** Messages from the page to the extension. */
export type PanelRequest =
  | { type: 'ready' }
  | { type: 'setSetting'; key: string; value: SettingValue; scope: PanelScope }
  | { type: 'resetSetting'; key: string; scope: PanelScope }
  | { type: 'applyPreset'; name: string; scope: PanelScope }
  | { type: 'savePreset'; name: string; scope: PanelScope }
  | { type: 'renamePreset'; from: string; to: string }
  | { type: 'deletePreset'; name: string }
  | { type: 'setModel'; path: string }
  | { type: 'chooseModelFolder' }
  | { type: 'tryIt'; sampling: TrySampling; compare: [string, string] | null }
  | { type: 'stopTry' }
  | { type: 'openSettingsJson'; scope: PanelScope };

export interface PresetView {
  name: string;
  explain: string;
  builtIn: boolean;
  values: PresetValues;
}
export interface SettingView {
  spec: SettingSpec;
  value: SettingValue;
  /** Where the value in force comes from. */
  source: 'default' | 'user' | 'workspace';
  /** Set in the workspace: a user-scope write will not change what is in force. */
  workspaceOverrides: boolean;
}
export interface ModelChoice {
  /** '' for Inkling's own model. */
  path: string;
  label: string;
  detail: string;
}
/** Everything the page shows; sent after `ready` and after every settings change. */
export interface PanelState {
  settings: Record<string, SettingView>;
  /** Sections of the panel with their setting keys, in display order. */
  groups: { id: string; title: string; keys: string[] }[];
  presets: PresetView[];
  activePreset: string | null;
  models: ModelChoice[];
  modelPath: string;
  workspaceAvailable: boolean;
  /** Problems found reading the settings (clamped values, bad presets). */
  problems: string[];
  /** Where "Try it" takes its text from. */
  promptSource: string;
  /** What writes, in one line: the worker's model or the server found (kind, version, model, context). */
  engine: string;
  /** A server writes (the model list then does not apply). */
  onServer: boolean;
  /** Labels of the sampling settings the server does not honour. */
  unsupported: string[];
  /** The story notes the last suggestion read (null: none looked for yet). */
  notesUsed: { used: string[]; left: string[] } | null;
}

/** Messages from the extension to the page. */
export type PanelUpdate =
  | { type: 'state'; state: PanelState }
  | { type: 'notice'; level: 'info' | 'error'; message: string }
  | { type: 'tryStarted'; runId: number; sides: { label: string; seed: number }[]; prompt: string; promptSource: string }
  | { type: 'tryToken'; runId: number; side: number; text: string }
  | { type: 'tryDone'; runId: number; side: number; text: string; stopReason: string; newTokens: number; tokensPerSecond: number }
  | { type: 'tryFailed'; runId: number; message: string };

export type Validated = { ok: true; message: PanelRequest } | { ok: false; reason: string };

const MAX_NAME = 200;
const MAX_PATH = 4096;

/**
 * Checks a message from the page against the protocol and the settings in `specs` (from
 * `panelSettingSpecs`). Returns the typed message, or why it was rejected; never throws.
 */
export function validatePanelMessage(raw: unknown, specs: Readonly<Record<string, SettingSpec>>): Validated {
  const no = (reason: string): Validated => ({ ok: false, reason });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return no(`a message must be an object; got ${show(raw)}`);
  const m = raw as Record<string, unknown>;
  const scope = (): PanelScope | null => (m.scope === 'user' || m.scope === 'workspace' ? m.scope : null);
  const name = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 && v.length <= MAX_NAME ? v : null);
  switch (m.type) {
    case 'ready':
    case 'chooseModelFolder':
    case 'stopTry':
      return { ok: true, message: { type: m.type } };
    case 'setSetting':
    case 'resetSetting': {
      const s = scope();
      if (!s) return no(`${m.type}: scope must be "user" or "workspace"; got ${show(m.scope)}`);
      if (typeof m.key !== 'string' || !Object.hasOwn(specs, m.key)) return no(`${m.type}: unknown setting ${show(m.key)}`);
      if (m.type === 'resetSetting') return { ok: true, message: { type: 'resetSetting', key: m.key, scope: s } };
      const problem = settingValueProblem(specs[m.key]!, m.value);
      if (problem) return no(`setSetting: ${problem}`);
      return { ok: true, message: { type: 'setSetting', key: m.key, value: m.value as SettingValue, scope: s } };
    }
    case 'applyPreset':
    case 'savePreset': {
      const s = scope();
      if (!s) return no(`${m.type}: scope must be "user" or "workspace"; got ${show(m.scope)}`);
      const n = name(m.name);
      if (n === null) return no(`${m.type}: name must be a non-empty string of at most ${MAX_NAME} characters`);
      return { ok: true, message: { type: m.type, name: n, scope: s } };
    }
    case 'renamePreset': {
      const from = name(m.from);
      const to = name(m.to);
      if (from === null || to === null) return no('renamePreset: from and to must be non-empty strings');
      return { ok: true, message: { type: 'renamePreset', from, to } };
    }
    case 'deletePreset': {
      const n = name(m.name);
      if (n === null) return no('deletePreset: name must be a non-empty string');
      return { ok: true, message: { type: 'deletePreset', name: n } };
    }
    case 'setModel':
      if (typeof m.path !== 'string' || m.path.length > MAX_PATH) return no('setModel: path must be a string');
      return { ok: true, message: { type: 'setModel', path: m.path } };
    case 'openSettingsJson': {
      const s = scope();
      if (!s) return no(`openSettingsJson: scope must be "user" or "workspace"; got ${show(m.scope)}`);
      return { ok: true, message: { type: 'openSettingsJson', scope: s } };
    }
    case 'tryIt': {
      const sampling = checkTrySampling(m.sampling, specs);
      if (typeof sampling === 'string') return no(`tryIt: ${sampling}`);
      let compare: [string, string] | null = null;
      if (m.compare !== null && m.compare !== undefined) {
        if (!Array.isArray(m.compare) || m.compare.length !== 2) return no('tryIt: compare must be null or two preset names');
        const [a, b] = [name(m.compare[0]), name(m.compare[1])];
        if (a === null || b === null) return no('tryIt: compare must be null or two preset names');
        compare = [a, b];
      }
      return { ok: true, message: { type: 'tryIt', sampling, compare } };
    }
    default:
      return no(`unknown message type ${show(m.type)}`);
  }
}

function checkTrySampling(raw: unknown, specs: Readonly<Record<string, SettingSpec>>): TrySampling | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'sampling must be an object';
  const r = raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of TRY_KEYS) {
    const spec = specs[`sampling.${key}`];
    if (!spec) return `no limits known for sampling.${key}`;
    const problem = settingValueProblem(spec, r[key]);
    if (problem) return problem;
    out[key] = r[key];
  }
  const extra = Object.keys(r).filter((k) => !(TRY_KEYS as string[]).includes(k));
  if (extra.length) return `unknown sampling settings: ${extra.join(', ')}`;
  return out as unknown as TrySampling;
}

/** The sampling keys a preset sets, as setting keys below `inkling.`. */
export const PRESET_SETTING_KEYS: readonly string[] = PRESET_KEYS.map((k) => `sampling.${k}`);

function show(value: unknown): string {
  if (typeof value === 'number') return String(value);
  try {
    const s = JSON.stringify(value);
    return s === undefined ? String(value) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return typeof value;
  }
}
