/**
 * Reads Inkling's settings (`inkling.*`) into typed values, per resource. Settings are the one
 * source of truth: the settings panel writes them and everything else reads them here.
 */
import * as vscode from 'vscode';
import { validateSampling, type SamplingSettings, type SettingsProblem } from '../../writing/settings/samplingSettings';
import { validateFormSettings, type FormSettings } from '../../writing/verse/lines/formRequest';
import { checkInlineSettings, type InlineSettings } from '../../writing/settings/inlineSettings';
import { checkServerSettings, type CheckedServerSettings } from '../../writing/settings/serverSettings';

export const SECTION = 'inkling';

export type { InlineSettings };

export function inlineSettings(scope?: vscode.ConfigurationScope): InlineSettings {
  return checkedInlineSettings(scope).settings;
}

/** The ghost-text settings and what was wrong with them as written (to be said once). */
export function checkedInlineSettings(scope?: vscode.ConfigurationScope): { settings: InlineSettings; problems: string[] } {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  return checkInlineSettings({ enabled: c.get<unknown>('inline.enabled'), languages: c.get<unknown>('inline.languages'), maxWords: c.get<unknown>('inline.maxWords') });
}

const SAMPLING_KEYS: (keyof SamplingSettings)[] = ['strategy', 'temperature', 'topK', 'topP', 'minP', 'typicalP', 'repetitionPenalty', 'noRepeatNgramSize', 'maxNewTokens', 'numBeams', 'seed', 'dryMultiplier', 'dryBase', 'dryAllowedLength', 'drySequenceBreakers', 'xtcProbability', 'xtcThreshold', 'bannedPhrases'];

/** The sampling settings in force for a document, validated; problems are returned to be shown once. */
export function samplingSettings(scope?: vscode.ConfigurationScope): { settings: SamplingSettings; problems: SettingsProblem[] } {
  const c = vscode.workspace.getConfiguration(`${SECTION}.sampling`, scope);
  const raw: Record<string, unknown> = {};
  for (const key of SAMPLING_KEYS) {
    const v = c.get<unknown>(key);
    if (v !== undefined) raw[key] = v;
  }
  return validateSampling(raw);
}

/** Form-keeping for verse (`inkling.form.mode`, `inkling.form.rhyme`), per document. */
export function formSettings(scope?: vscode.ConfigurationScope): FormSettings {
  const c = vscode.workspace.getConfiguration(`${SECTION}.form`, scope);
  return validateFormSettings({ mode: c.get<unknown>('mode'), rhyme: c.get<unknown>('rhyme'), chorus: c.get<unknown>('chorus') });
}

export interface ModelSettings {
  /** A folder the writer chose, or '' for the default. Read from user settings only in untrusted workspaces. */
  path: string;
  dtype: 'auto' | 'q4' | 'q8' | 'fp32';
  threads: number;
  /** Minutes without a request before the worker stops to free its memory; 0: never. */
  unloadAfterMinutes: number;
  /** Write a copy-free graph into Inkling's storage for a chosen folder that has none, and run it. */
  prepareFastGraph: boolean;
}

export function modelSettings(): ModelSettings {
  const c = vscode.workspace.getConfiguration(`${SECTION}.model`);
  // An untrusted workspace must not point the worker at arbitrary files: ignore its value.
  const inspected = c.inspect<string>('path');
  const path = vscode.workspace.isTrusted ? c.get<string>('path', '') : (inspected?.globalValue ?? '');
  const dtype = c.get<string>('dtype', 'auto');
  return {
    path: typeof path === 'string' ? path.trim() : '',
    dtype: dtype === 'q4' || dtype === 'q8' || dtype === 'fp32' ? dtype : 'auto',
    threads: clampInt(c.get<unknown>('threads') ?? 0, 0, 16),
    unloadAfterMinutes: clampInt(c.get<unknown>('unloadAfterMinutes') ?? 15, 0, 1440),
    prepareFastGraph: c.get<unknown>('prepareFastGraph') !== false,
  };
}

export interface CommandSettings {
  /** Lines "Continue This Poem" writes; 0: the rest of the stanza, a stanza, or four. */
  continueLines: number;
  /** Alternatives "Show Alternatives" offers at a time. */
  alternativesCount: number;
  /** Record inserted texts in `.inkling/provenance.jsonl`. */
  provenance: boolean;
}

export function commandSettings(scope?: vscode.ConfigurationScope): CommandSettings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  return {
    continueLines: clampInt(c.get<unknown>('continue.lines') ?? 0, 0, 40),
    alternativesCount: clampInt(c.get<unknown>('alternatives.count') ?? 3, 1, 8),
    provenance: c.get<boolean>('provenance.enabled', false) === true,
  };
}

/** Word alternatives (`inkling.alternatives.wordChoices`, `inkling.alternatives.shadeBelow`). */
export interface WordChoiceSettings {
  /** Keep each inserted word's alternatives and show them on hover; off: nothing is computed. */
  enabled: boolean;
  /** Shade words the model chose with less than this probability; 0: no shading. */
  shadeBelow: number;
}

export function wordChoiceSettings(scope?: vscode.ConfigurationScope): WordChoiceSettings {
  const c = vscode.workspace.getConfiguration(`${SECTION}.alternatives`, scope);
  const shade = c.get<unknown>('shadeBelow');
  return {
    enabled: c.get<unknown>('wordChoices') === true,
    shadeBelow: typeof shade === 'number' && Number.isFinite(shade) ? Math.min(1, Math.max(0, shade)) : 0.1,
  };
}

/** The branch history (`inkling.branches.*`). */
export interface BranchSettings {
  /** Keep every continuation offered as a branch of its place, in `.inkling/branches/`. */
  enabled: boolean;
  /** Places kept per document; the least recently used go first. */
  maxPlaces: number;
}

export function branchSettings(scope?: vscode.ConfigurationScope): BranchSettings {
  const c = vscode.workspace.getConfiguration(`${SECTION}.branches`, scope);
  return { enabled: c.get<unknown>('enabled') !== false, maxPlaces: clampInt(c.get<unknown>('maxPlaces') ?? 100, 10, 1000) };
}

function clampInt(value: unknown, min: number, max: number): number {
  const n = typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : min;
  return Math.min(max, Math.max(min, n));
}

/** The keys that choose where the writer's text goes: never taken from a workspace. */
export const SERVER_SETTING_KEYS = ['engine', 'server.url', 'server.kind', 'server.model', 'server.allowedHosts'] as const;

/**
 * Which engine writes and where its server is (`inkling.engine`, `inkling.server.*`), from the
 * writer's own settings only: a workspace must never be able to send the writer's text to a
 * server, so a workspace or folder value is ignored (and reported in `ignoredFromWorkspace`).
 */
export function serverSettings(): { checked: CheckedServerSettings; ignoredFromWorkspace: string[] } {
  const c = vscode.workspace.getConfiguration(SECTION);
  const raw: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const key of SERVER_SETTING_KEYS) {
    const i = c.inspect<unknown>(key);
    raw[key] = i?.globalValue;
    if (i?.workspaceValue !== undefined || i?.workspaceFolderValue !== undefined) ignored.push(`${SECTION}.${key}`);
  }
  return {
    checked: checkServerSettings({ engine: raw.engine, url: raw['server.url'], kind: raw['server.kind'], model: raw['server.model'], allowedHosts: raw['server.allowedHosts'] }),
    ignoredFromWorkspace: ignored,
  };
}
