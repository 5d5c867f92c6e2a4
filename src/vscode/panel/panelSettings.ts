/**
 * The sampling panel's view of VS Code settings: reads what is in force (and from where) into the
 * panel's state, and writes what the writer changes back to user or workspace settings, which
 * stay the one source of truth.
 */
import * as vscode from 'vscode';
import { extraSettingsFromManifest, PRESET_SETTING_KEYS, panelSettingSpecs, type PanelScope, type PanelState, type SettingSpec, type SettingValue, type SettingView } from '../../writing/settings/panelProtocol';
import { BUILT_IN_PRESETS, matchingPreset, pick, presetNameProblem, validateUserPresets, type PresetValues, type SamplingPreset } from '../../writing/settings/samplingPresets';
import { localizedSettings } from './panelText';
import { samplingSettings, SECTION } from '../service/settings';

const USER_PRESETS = 'sampling.userPresets';

/** The panel's groups of settings (a function: the titles are read from the l10n bundle at run time). */
function groups(): { id: string; title: string; keys: string[] }[] {
  return [
    { id: 'decoding', title: vscode.l10n.t('Decoding'), keys: ['sampling.strategy', 'sampling.numBeams'] },
    { id: 'sampling', title: vscode.l10n.t('Sampling'), keys: ['sampling.temperature', 'sampling.topK', 'sampling.topP', 'sampling.minP', 'sampling.typicalP', 'sampling.repetitionPenalty', 'sampling.noRepeatNgramSize'] },
    { id: 'repetition', title: vscode.l10n.t('Repetition and surprise (DRY, XTC)'), keys: ['sampling.dryMultiplier', 'sampling.dryBase', 'sampling.dryAllowedLength', 'sampling.xtcProbability', 'sampling.xtcThreshold'] },
    { id: 'length', title: vscode.l10n.t('Length and repeatability'), keys: ['sampling.maxNewTokens', 'inline.maxWords', 'continue.lines', 'sampling.seed'] },
    { id: 'model', title: vscode.l10n.t('Model'), keys: ['model.dtype'] },
  ];
}

export class PanelSettings {
  readonly specs: Record<string, SettingSpec>;

  constructor(packageJSON: unknown) {
    this.specs = panelSettingSpecs(extraSettingsFromManifest(packageJSON));
  }

  private config(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION);
  }

  /** The settings part of the panel's state. */
  read(): Pick<PanelState, 'settings' | 'groups' | 'presets' | 'activePreset' | 'workspaceAvailable' | 'problems'> {
    const c = this.config();
    const settings: Record<string, SettingView> = {};
    for (const [key, spec] of Object.entries(this.specs)) {
      const inspected = c.inspect<unknown>(key);
      const workspaceValue = inspected?.workspaceFolderValue ?? inspected?.workspaceValue;
      const source = workspaceValue !== undefined ? 'workspace' : inspected?.globalValue !== undefined ? 'user' : 'default';
      settings[key] = { spec, value: this.effective(spec, c.get<unknown>(key)), source, workspaceOverrides: workspaceValue !== undefined };
    }
    const { settings: sampling, problems } = samplingSettings();
    const user = this.userPresets();
    const presets = [...BUILT_IN_PRESETS, ...user.presets];
    return localizedSettings({
      settings,
      groups: groups().map((g) => ({ ...g, keys: g.keys.filter((k) => k in this.specs) })),
      presets: presets.map((p) => ({ name: p.name, explain: p.explain, builtIn: p.builtIn, values: p.values })),
      activePreset: matchingPreset(sampling, presets)?.name ?? null,
      workspaceAvailable: (vscode.workspace.workspaceFolders?.length ?? 0) > 0,
      problems: [...problems.map((p) => p.message), ...user.problems],
    });
  }

  /** A value from settings.json as the panel shows it: what the engine will use (clamped, or the default when unusable). */
  private effective(spec: SettingSpec, raw: unknown): SettingValue {
    if (spec.kind === 'choice') return typeof raw === 'string' && spec.options.some((o) => o.value === raw) ? raw : spec.defaultValue;
    if (spec.kind === 'seed') return typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 && raw <= spec.max ? raw : null;
    if (typeof raw !== 'number' || !Number.isFinite(raw)) return spec.defaultValue;
    const v = spec.integer ? Math.round(raw) : raw;
    return Math.min(spec.max, Math.max(spec.min, v));
  }

  userPresets(): { presets: SamplingPreset[]; problems: string[] } {
    return validateUserPresets(this.config().get<unknown>(USER_PRESETS));
  }

  /** Every preset, built-in first. */
  allPresets(): SamplingPreset[] {
    return [...BUILT_IN_PRESETS, ...this.userPresets().presets];
  }

  async write(key: string, value: SettingValue | undefined, scope: PanelScope): Promise<void> {
    await this.config().update(key, value, target(scope));
  }

  /**
   * Makes every value of a preset the one in force from `scope`. Each write rewrites settings.json
   * and waits for VS Code to reload it, so values already in force are left alone, and a value
   * equal to what lies below the scope is removed rather than repeated; the writes are issued
   * together (VS Code queues writes to one file). Returns how many keys were written.
   */
  async applyPreset(preset: SamplingPreset, scope: PanelScope): Promise<number> {
    const c = this.config();
    const writes: [string, unknown][] = [];
    for (const key of PRESET_SETTING_KEYS) {
      const wanted = preset.values[key.slice('sampling.'.length) as keyof PresetValues];
      const i = c.inspect<unknown>(key);
      const own = scope === 'user' ? i?.globalValue : (i?.workspaceFolderValue ?? i?.workspaceValue);
      const below = scope === 'user' ? i?.defaultValue : (i?.globalValue ?? i?.defaultValue);
      const above = scope === 'user' ? (i?.workspaceFolderValue ?? i?.workspaceValue) : undefined;
      const value = below === wanted && above === undefined ? undefined : wanted;
      if (own !== value) writes.push([key, value]);
    }
    await Promise.all(writes.map(([key, value]) => c.update(key, value, target(scope))));
    return writes.length;
  }

  /** Saves the settings in force as a new preset of the writer's; returns a problem or null. */
  async savePreset(name: string, scope: PanelScope): Promise<string | null> {
    const problem = presetNameProblem(name, this.userPresets().presets.map((p) => p.name));
    if (problem) return problem;
    const stored = this.storedPresets(scope);
    await this.config().update(USER_PRESETS, { ...stored, [name]: pick(samplingSettings().settings) }, target(scope));
    return null;
  }

  async renamePreset(from: string, to: string): Promise<string | null> {
    const others = this.userPresets().presets.map((p) => p.name).filter((n) => n !== from);
    if (!this.userPresets().presets.some((p) => p.name === from)) return vscode.l10n.t('There is no preset of yours called "{0}".', from);
    const problem = presetNameProblem(to, others);
    if (problem) return problem;
    for (const scope of this.scopesHolding(from)) {
      const renamed = Object.fromEntries(Object.entries(this.storedPresets(scope)).map(([k, v]) => [k === from ? to : k, v]));
      await this.config().update(USER_PRESETS, renamed, target(scope));
    }
    return null;
  }

  async deletePreset(name: string): Promise<string | null> {
    const scopes = this.scopesHolding(name);
    if (!scopes.length) return vscode.l10n.t('There is no preset of yours called "{0}".', name);
    for (const scope of scopes) {
      const rest = Object.fromEntries(Object.entries(this.storedPresets(scope)).filter(([k]) => k !== name));
      await this.config().update(USER_PRESETS, Object.keys(rest).length ? rest : undefined, target(scope));
    }
    return null;
  }

  /** The presets object as written in one scope's settings.json (unvalidated entries kept as they are). */
  private storedPresets(scope: PanelScope): Record<string, unknown> {
    const inspected = this.config().inspect<unknown>(USER_PRESETS);
    const value = scope === 'user' ? inspected?.globalValue : inspected?.workspaceValue;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  }

  private scopesHolding(name: string): PanelScope[] {
    return (['user', 'workspace'] as const).filter((s) => Object.hasOwn(this.storedPresets(s), name));
  }
}

function target(scope: PanelScope): vscode.ConfigurationTarget {
  return scope === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
}
