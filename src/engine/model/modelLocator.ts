/**
 * Where the default model is when the writer has not chosen one: Inkling's own model shipped
 * in `models/`, then (in a development checkout) the shared test model beside the repository.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MODEL_DTYPES, type ModelDtype } from '../protocol';
import { COPY_FREE_FILE_FOR_DTYPE, onnxFileFor } from './modelFolder';

/** The model Inkling ships with, relative to the extension's root. */
export const BUNDLED_MODEL = 'models/inkling-verse';
/** The tiny model tests use, relative to the extension's root in a development checkout. */
export const TEST_MODEL = '../shared/models/stories260K';

export interface LocatedModel {
  dir: string;
  dtype: ModelDtype;
}

/**
 * The best precision a folder offers: Inkling's copy-free 4-bit export where it has one (the
 * fastest step, held-out loss within 0.1 % of int8: models/recipe/README.md), else int8, which
 * is faster and smaller on CPU than full precision; fp32 when that is all there is.
 */
export function preferredDtype(dir: string): ModelDtype {
  if (existsSync(join(dir, 'onnx', COPY_FREE_FILE_FOR_DTYPE.q4!))) return 'q4';
  for (const dtype of ['q8', 'fp32', 'int8', 'uint8', 'fp16', 'q4'] as ModelDtype[]) {
    if (onnxFileFor(dir, dtype)) return dtype;
  }
  return 'q8';
}

/**
 * The precision to load from a folder: the one asked for when the folder has it, otherwise the
 * folder's preferred one (`fellBack` says so), so a precision chosen for one model does not
 * leave the next without a model.
 */
export function dtypeFor(dir: string, wanted: ModelDtype | 'auto'): { dtype: ModelDtype; fellBack: boolean } {
  if (wanted === 'auto') return { dtype: preferredDtype(dir), fellBack: false };
  if (onnxFileFor(dir, wanted) || !existsSync(join(dir, 'onnx'))) return { dtype: wanted, fellBack: false };
  const dtype = preferredDtype(dir);
  return onnxFileFor(dir, dtype) ? { dtype, fellBack: true } : { dtype: wanted, fellBack: false };
}

export function defaultModel(extensionRoot: string): LocatedModel | null {
  for (const candidate of [BUNDLED_MODEL, TEST_MODEL]) {
    const dir = resolve(extensionRoot, candidate);
    if (existsSync(join(dir, 'config.json'))) return { dir, dtype: preferredDtype(dir) };
  }
  return null;
}

/** The command line's model options (`--model`, `--dtype`, `--threads`), shared by its commands. */
export const MODEL_ARG_OPTIONS = {
  model: { type: 'string' },
  dtype: { type: 'string' },
  threads: { type: 'string' },
} as const;

/**
 * The model a command line asks for: `--model DIR` (its best precision unless `--dtype` names
 * one) or the default model; a message a writer can act on when there is none or the precision
 * is unknown.
 */
export function modelFromArgs(root: string, model: string | undefined, dtype: string | undefined): { ok: true; model: LocatedModel } | { ok: false; message: string } {
  const located = model ? { dir: resolve(model), dtype: preferredDtype(resolve(model)) } : defaultModel(root);
  if (!located) return { ok: false, message: 'no model found. Pass --model DIR, or see README.md for the default model.' };
  const wanted = (dtype ?? located.dtype) as ModelDtype;
  if (!MODEL_DTYPES.includes(wanted)) return { ok: false, message: `--dtype must be one of ${MODEL_DTYPES.join(', ')}.` };
  return { ok: true, model: { dir: located.dir, dtype: wanted } };
}
