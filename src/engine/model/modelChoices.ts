/**
 * The models a writer can pick from: Inkling's own, model folders installed beside it, and folders
 * the writer chose before. Every folder is checked the way the worker will check it, so a choice
 * that cannot load is refused with the missing piece named rather than failing later.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { msg } from '../../common/message';
import { checkModelFolder } from './modelFolder';
import { defaultModel, preferredDtype } from './modelLocator';

export interface ModelChoiceEntry {
  /** '' for Inkling's own (the default). */
  path: string;
  label: string;
  detail: string;
}

/** Why `dir` cannot be used as a model folder, or null when it can (at its best precision). */
export function modelFolderProblem(dir: string): string | null {
  try {
    checkModelFolder(dir, preferredDtype(dir));
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * The models to offer: the default first, then valid folders under each of `modelRoots` (e.g. the
 * extension's `models/` and its global storage), then `recent` folders that are still valid, and
 * finally `current` even when it is broken, so the panel can show what is set.
 */
export function modelChoices(extensionPath: string, modelRoots: readonly string[], recent: readonly string[], current: string): ModelChoiceEntry[] {
  const located = defaultModel(extensionPath);
  const choices: ModelChoiceEntry[] = [{ path: '', label: msg("Inkling's own"), detail: located ? `${basename(located.dir)} (${located.dtype})` : msg('missing from this installation') }];
  const seen = new Set<string>(located ? [resolve(located.dir)] : []);
  const add = (dir: string, detail: string) => {
    const abs = resolve(dir);
    if (seen.has(abs)) return;
    seen.add(abs);
    choices.push({ path: abs, label: basename(abs), detail });
  };
  for (const root of modelRoots) {
    for (const name of safeReaddir(root)) {
      // Hidden folders hold unfinished downloads.
      if (name.startsWith('.')) continue;
      const dir = join(root, name);
      if (isDir(dir) && existsSync(join(dir, 'config.json')) && !modelFolderProblem(dir)) add(dir, msg('installed ({0})', preferredDtype(dir)));
    }
  }
  for (const dir of recent) if (dir && !modelFolderProblem(dir)) add(dir, `${dir} (${preferredDtype(dir)})`);
  if (current && !seen.has(resolve(current))) {
    const problem = modelFolderProblem(current);
    add(current, problem ? msg('not usable: {0}', problem) : `${current} (${preferredDtype(current)})`);
  }
  return choices;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
