/**
 * What a model folder must hold, checked before anything heavy happens so the writer gets a
 * message that names the missing piece rather than a stack trace from the runtime.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelDtype } from '../protocol';
import type { ErrorCode } from '../../common/generation';
import { MODEL_DTYPES } from '../protocol';
import { msg } from '../../common/message';

export class EngineError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** File name transformers.js loads for each dtype. */
export const ONNX_FILE_FOR_DTYPE: Record<ModelDtype, string> = {
  fp32: 'model.onnx',
  fp16: 'model_fp16.onnx',
  q8: 'model_quantized.onnx',
  int8: 'model_int8.onnx',
  uint8: 'model_uint8.onnx',
  q4: 'model_q4.onnx',
  bnb4: 'model_bnb4.onnx',
  q4f16: 'model_q4f16.onnx',
};

/**
 * The copy-free graph of a precision: Inkling's own export (models/recipe/export_kvin.py), or the
 * transformers.js file rewritten at install (graph/copyFreeRewrite.ts). Preferred over the
 * transformers.js file when a folder has both; the standard file stays beside it, so the folder
 * still loads anywhere a Hugging Face ONNX model does. (fp16 graphs keep a float16 cache, which
 * the decode loop does not hold.)
 */
export const COPY_FREE_FILE_FOR_DTYPE: Partial<Record<ModelDtype, string>> = {
  fp32: 'model_kvin_f32.onnx',
  q8: 'model_kvin_q8.onnx',
  q4: 'model_kvin_q4.onnx',
  int8: 'model_kvin_int8.onnx',
  uint8: 'model_kvin_uint8.onnx',
  bnb4: 'model_kvin_bnb4.onnx',
};

/** Which graph runs: the copy-free one when the folder has it (`auto`), or always the transformers.js one. */
export type GraphLayout = 'auto' | 'standard';

/** The ONNX file a folder runs for a precision (the copy-free one first), or null when it has neither. */
export function onnxFileFor(dir: string, dtype: ModelDtype, layout: GraphLayout = 'auto'): string | null {
  const fast = COPY_FREE_FILE_FOR_DTYPE[dtype];
  if (layout === 'auto' && fast && existsSync(join(dir, 'onnx', fast))) return fast;
  return existsSync(join(dir, 'onnx', ONNX_FILE_FOR_DTYPE[dtype])) ? ONNX_FILE_FOR_DTYPE[dtype] : null;
}

/** The precisions a folder has a graph for, in ONNX_FILE_FOR_DTYPE's order. */
export function precisionsIn(dir: string, layout: GraphLayout = 'auto'): ModelDtype[] {
  return (Object.keys(ONNX_FILE_FOR_DTYPE) as ModelDtype[]).filter((d) => onnxFileFor(dir, d, layout) !== null);
}

export interface ModelConfig {
  model_type?: string;
  vocab_size?: number;
  max_position_embeddings?: number;
  eos_token_id?: number | number[];
  bos_token_id?: number;
}

export function checkModelFolder(dir: string, dtype: ModelDtype, layout: GraphLayout = 'auto', graph?: string): { config: ModelConfig; onnxPath: string } {
  if (!MODEL_DTYPES.includes(dtype)) {
    throw new EngineError('bad-request', msg('Unknown model precision "{0}". Choose one of: {1}.', dtype, MODEL_DTYPES.join(', ')));
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new EngineError('model-missing', msg('Model folder not found: {0}. Choose another model with "Inkling: Choose Model" or the inkling.model.path setting.', dir));
  }
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath)) {
    throw new EngineError('model-invalid', msg('Model folder has no config.json: {0}. Choose a folder in the Hugging Face layout (config.json, tokenizer.json, onnx/).', dir));
  }
  let config: ModelConfig;
  try {
    config = JSON.parse(readFileSync(configPath, 'utf8')) as ModelConfig;
  } catch (e) {
    throw new EngineError('model-invalid', msg('Model config.json is not valid JSON ({0}): {1}.', (e as Error).message, configPath));
  }
  // Sizes a model cannot have are a broken folder, not something to run with.
  const sizes: [keyof ModelConfig, number, number][] = [
    ['max_position_embeddings', 8, 10_000_000],
    ['vocab_size', 2, 10_000_000],
  ];
  for (const [key, min, max] of sizes) {
    const v = config[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max)) {
      throw new EngineError('model-invalid', msg('Model config.json gives {0} {1}, which no model has (expected a whole number from {2} to {3}): {4}.', key, String(JSON.stringify(v)), min, max, configPath));
    }
  }
  const eos = config.eos_token_id;
  if (eos !== undefined && !(Number.isInteger(eos) || (Array.isArray(eos) && eos.every((e) => Number.isInteger(e))))) delete config.eos_token_id;
  if (!existsSync(join(dir, 'tokenizer.json'))) {
    throw new EngineError('model-invalid', msg('Model folder has no tokenizer.json: {0}.', dir));
  }
  const file = onnxFileFor(dir, dtype, layout);
  if (!file) {
    const has = precisionsIn(dir, layout);
    if (has.length) throw new EngineError('model-invalid', msg('Model folder has no onnx/{0} for precision "{1}": {2}. It has {3}.', ONNX_FILE_FOR_DTYPE[dtype], dtype, dir, has.join(', ')));
    throw new EngineError('model-invalid', msg('Model folder has no onnx/{0} for precision "{1}": {2}. Pick a precision the folder has.', ONNX_FILE_FOR_DTYPE[dtype], dtype, dir));
  }
  // A prepared copy-free graph kept elsewhere, when the folder has no fast graph of its own.
  const prepared = layout === 'auto' && graph && !file.startsWith('model_kvin_') && graph.endsWith('.onnx') && existsSync(graph) ? graph : null;
  return { config, onnxPath: prepared ?? join(dir, 'onnx', file) };
}

