/**
 * The models Inkling knows how to fetch (`models/manifest.json`): what each is, its licence,
 * where on the hub it lives and which files make it up. A checksum or size appears only where
 * the project computed it from the files; otherwise the downloader verifies against what the
 * hub reports. Parsing is strict so a bad entry is reported, never half-used.
 */
import { readFileSync } from 'node:fs';
import type { ModelDtype } from '../engine/protocol';
import { MODEL_DTYPES } from '../engine/protocol';

export interface ManifestFile {
  /** Path inside the repository and inside the installed folder, `/`-separated. */
  path: string;
  /** Lower-case hex sha256 the project computed from the file itself. */
  sha256?: string;
  size?: number;
  /** A missing optional file (404) is skipped, as transformers.js skips it. */
  optional?: boolean;
}

export interface KnownModel {
  /** Folder name under the models storage; letters, digits, `.`, `_`, `-`. */
  id: string;
  name: string;
  description: string;
  licence: string;
  source: { repo: string; revision: string };
  dtype: ModelDtype;
  files: ManifestFile[];
  /** Total bytes, when every file's size is known. */
  size?: number;
  /** Served only by test hubs (the shared test model); not offered from huggingface.co. */
  testOnly?: boolean;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const REPO = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;
const REVISION = /^[A-Za-z0-9][A-Za-z0-9._\/-]{0,199}$/;
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** True for a relative `/`-separated path that stays inside its folder (no `..`, no absolute, no hidden parts). */
export function isSafeRelativePath(path: string): boolean {
  return path.length > 0 && path.length <= 300 && path.split('/').every((s) => SEGMENT.test(s) && s !== '..');
}

export function loadManifest(file: string): KnownModel[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ManifestError(`The model manifest could not be read (${(e as Error).message}): ${file}.`);
  }
  return parseManifest(raw);
}

export function parseManifest(raw: unknown): KnownModel[] {
  const models = (raw as { models?: unknown })?.models;
  if (!Array.isArray(models)) throw new ManifestError('The model manifest has no "models" list.');
  const seen = new Set<string>();
  return models.map((entry, i) => {
    const model = parseModel(entry, i);
    if (seen.has(model.id)) throw new ManifestError(`The model manifest lists "${model.id}" twice.`);
    seen.add(model.id);
    return model;
  });
}

function parseModel(entry: unknown, index: number): KnownModel {
  const e = (entry ?? {}) as Record<string, unknown>;
  const where = `model ${typeof e.id === 'string' ? `"${e.id}"` : `#${index + 1}`}`;
  const bad = (what: string): never => {
    throw new ManifestError(`The model manifest's ${where} has ${what}.`);
  };
  const text = (key: string): string => (typeof e[key] === 'string' && (e[key] as string).trim() ? (e[key] as string) : bad(`no ${key}`));
  const id = text('id');
  if (!ID.test(id)) bad('an id that is not a plain folder name');
  const source = (e.source ?? {}) as Record<string, unknown>;
  if (typeof source.repo !== 'string' || !REPO.test(source.repo)) bad('no hub repository ("owner/name")');
  if (typeof source.revision !== 'string' || !REVISION.test(source.revision) || source.revision.includes('..')) bad('no valid revision');
  const dtype = e.dtype as ModelDtype;
  if (!MODEL_DTYPES.includes(dtype)) bad(`an unknown dtype (${String(e.dtype)})`);
  if (!Array.isArray(e.files) || e.files.length === 0) bad('no files');
  const files = (e.files as unknown[]).map((f) => {
    const file = (f ?? {}) as Record<string, unknown>;
    if (typeof file.path !== 'string' || !isSafeRelativePath(file.path)) bad(`a file path that is not a plain relative path (${String(file.path)})`);
    if (file.sha256 !== undefined && (typeof file.sha256 !== 'string' || !SHA256.test(file.sha256))) bad(`a malformed sha256 for ${file.path}`);
    if (file.size !== undefined && !(Number.isSafeInteger(file.size) && (file.size as number) >= 0)) bad(`a malformed size for ${file.path}`);
    const out: ManifestFile = { path: file.path as string };
    if (file.sha256 !== undefined) out.sha256 = file.sha256 as string;
    if (file.size !== undefined) out.size = file.size as number;
    if (file.optional === true) out.optional = true;
    return out;
  });
  if (new Set(files.map((f) => f.path)).size !== files.length) bad('a file listed twice');
  const model: KnownModel = {
    id,
    name: text('name'),
    description: text('description'),
    licence: text('licence'),
    source: { repo: source.repo as string, revision: source.revision as string },
    dtype,
    files,
  };
  if (e.size !== undefined) {
    if (!Number.isSafeInteger(e.size) || files.some((f) => f.size === undefined) || files.reduce((s, f) => s + f.size!, 0) !== e.size) {
      bad('a size that is not the sum of its files\' sizes');
    }
    model.size = e.size as number;
  }
  if (e.testOnly === true) model.testOnly = true;
  return model;
}
