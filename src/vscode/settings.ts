/**
 * Reads Inkling's settings (`inkling.*`) into typed values, per resource. Settings are the one
 * source of truth: the settings panel writes them and everything else reads them here.
 */
import * as vscode from 'vscode';
import { validateSampling, type SamplingSettings, type SettingsProblem } from '../writing/samplingSettings';

export const SECTION = 'inkling';

export interface InlineSettings {
  enabled: boolean;
  languages: string[];
  /** Prose suggestions stop after about this many words. */
  maxWords: number;
}

export function inlineSettings(scope?: vscode.ConfigurationScope): InlineSettings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  return {
    enabled: c.get<boolean>('inline.enabled', true),
    languages: c.get<string[]>('inline.languages', ['markdown', 'plaintext']).filter((l) => typeof l === 'string'),
    maxWords: clampInt(c.get<number>('inline.maxWords', 12), 1, 80),
  };
}

const SAMPLING_KEYS: (keyof SamplingSettings)[] = ['strategy', 'temperature', 'topK', 'topP', 'minP', 'typicalP', 'repetitionPenalty', 'noRepeatNgramSize', 'maxNewTokens', 'numBeams', 'seed'];

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

export interface ModelSettings {
  /** A folder the writer chose, or '' for the default. Read from user settings only in untrusted workspaces. */
  path: string;
  dtype: 'auto' | 'q8' | 'fp32';
  threads: number;
}

export function modelSettings(): ModelSettings {
  const c = vscode.workspace.getConfiguration(`${SECTION}.model`);
  // An untrusted workspace must not point the worker at arbitrary files: ignore its value.
  const inspected = c.inspect<string>('path');
  const path = vscode.workspace.isTrusted ? c.get<string>('path', '') : (inspected?.globalValue ?? '');
  const dtype = c.get<string>('dtype', 'auto');
  return {
    path: typeof path === 'string' ? path.trim() : '',
    dtype: dtype === 'q8' || dtype === 'fp32' ? dtype : 'auto',
    threads: clampInt(c.get<number>('threads', 0), 0, 16),
  };
}

function clampInt(value: unknown, min: number, max: number): number {
  const n = typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : min;
  return Math.min(max, Math.max(min, n));
}
