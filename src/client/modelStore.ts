/**
 * The folder where downloaded models live (`<global storage>/models/`). A model is installed
 * when `<id>/` holds an install record and passes the model-folder check; downloads in progress
 * stay under `.downloading/<id>/` until every file is verified, then move into place at once.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelDtype } from '../engine/protocol';
import { checkModelFolder } from '../engine/model/modelFolder';
import type { CopyFreeRecord } from '../engine/graph/copyFreeRewrite';

/** The file in an installed model's folder that says what it is and how each file was verified. */
export const INSTALL_RECORD = 'inkling-model.json';

/** How a file's integrity was established. */
export type Verification = 'sha256-manifest' | 'sha256-hub' | 'size-and-json' | 'size';

export interface InstallRecord {
  id: string;
  name: string;
  licence: string;
  source: { endpoint: string; repo: string; revision: string; commit?: string };
  dtype: ModelDtype;
  installedAt: string;
  files: { path: string; size: number; sha256: string; verification: Verification }[];
  /** The copy-free graph written at install, or why there is none (absent: installed before there was one). */
  copyFree?: CopyFreeRecord;
}

export interface InstalledModel {
  dir: string;
  record: InstallRecord;
}

export class ModelStore {
  constructor(readonly root: string) {}

  /** Where model `id` is once installed. */
  dirFor(id: string): string {
    return join(this.root, id);
  }

  /** Where model `id` is put together while it downloads (kept between attempts for resuming). */
  stagingDirFor(id: string): string {
    return join(this.root, '.downloading', id);
  }

  /** Installed models, by name; folders without a valid record or with missing files are left out. */
  installed(): InstalledModel[] {
    let names: string[] = [];
    try {
      names = readdirSync(this.root);
    } catch {
      return [];
    }
    const found: InstalledModel[] = [];
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue;
      const model = this.find(name);
      if (model) found.push(model);
    }
    return found.sort((a, b) => a.record.name.localeCompare(b.record.name));
  }

  find(id: string): InstalledModel | undefined {
    const dir = this.dirFor(id);
    const record = readInstallRecord(dir);
    if (!record || record.id !== id) return undefined;
    try {
      checkModelFolder(dir, record.dtype);
    } catch {
      return undefined;
    }
    // A file removed or truncated by hand makes the folder not installed any more.
    for (const f of record.files) {
      const p = join(dir, f.path);
      if (!existsSync(p) || statSync(p).size !== f.size) return undefined;
    }
    return { dir, record };
  }
}

export function readInstallRecord(dir: string): InstallRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(join(dir, INSTALL_RECORD), 'utf8')) as InstallRecord;
    return typeof record?.id === 'string' && Array.isArray(record.files) && typeof record.dtype === 'string' ? record : undefined;
  } catch {
    return undefined;
  }
}
