/**
 * Writes the copy-free version of a transformers.js decoder (see copyFreePlan.ts) beside the
 * original: the original's bytes are copied range by range, with only the edited nodes, the
 * outputs and a metadata entry re-encoded — the weights are never decoded, so a 500 MB model
 * costs a file copy and a few MB of memory. Written to `<name>.partial` and renamed when whole.
 */
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { COPY_FREE_FILE_FOR_DTYPE, ONNX_FILE_FOR_DTYPE } from '../model/modelFolder';
import type { ModelDtype } from '../protocol';
import { readOnnxGraph, type OnnxGraph } from './onnxGraph';
import { planCopyFree, type CopyFreePlan } from './copyFreePlan';
import { bytesField, bytesHeader, fields, FileSource, text, varintField, type ByteSource } from './protobufWire';
import { node, pieceLength, renameIn, valueInfo, writePieces, type Piece } from './graphWrite';
import { moveEmbeddingsOut } from './embeddingsOut';
import { EMBEDDINGS_SUFFIX } from '../model/embeddingRows';

/** Recorded in the rewritten model's metadata (key `inkling_copy_free`). */
export const COPY_FREE_REWRITE_VERSION = 1;
export const COPY_FREE_METADATA_KEY = 'inkling_copy_free';

export interface RewriteResult {
  /** Nodes now run for the last position only (0: only the returned logits are cut). */
  lastPositionNodes: number;
  /** Where the last position is picked. */
  cutAt: string;
  layers: number;
  bytes: number;
}

export type RewriteOutcome = { ok: true; result: RewriteResult } | { ok: false; reason: string };

const GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_OUTPUT = 12;
const MODEL_METADATA = 14;
const INT64 = 7;

/** Reads `src`, and when the plan fits writes the copy-free graph to `dst`; otherwise says why and writes nothing. */
export async function rewriteCopyFree(src: string, dst: string, onProgress?: (done: number, total: number) => void, options: { inlineWeightsOnly?: boolean } = {}): Promise<RewriteOutcome> {
  const source = new FileSource(src);
  // Its own partial file: two windows preparing the same model must not write into one.
  const partial = `${dst}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  try {
    const graph = readOnnxGraph(source);
    // Written elsewhere than the model, a graph would lose its weights file (named relative to it).
    if (options.inlineWeightsOnly && graph.externalData) return { ok: false, reason: 'the weights are in a separate file beside the model' };
    const planned = planCopyFree(graph);
    if (!planned.ok) return planned;
    const pieces = emitModel(graph, planned.plan, src);
    const bytes = await writePieces(source, pieces, partial, onProgress);
    await rename(partial, dst);
    const { cut, kv } = planned.plan;
    return { ok: true, result: { lastPositionNodes: cut.nodes, cutAt: cut.tensor, layers: kv.length / 2, bytes } };
  } catch (e) {
    await rm(partial, { force: true });
    throw e;
  } finally {
    source.close();
  }
}

function emitModel(g: OnnxGraph, plan: CopyFreePlan, src: string): Piece[] {
  const graphPieces = emitGraph(g, plan);
  const graphLength = graphPieces.reduce((s, p) => s + pieceLength(p), 0);
  const out: Piece[] = [];
  for (const f of g.modelFields) {
    if (f === g.graphField) out.push(bytesHeader(GRAPH, graphLength), ...graphPieces);
    else out.push({ start: f.start, end: f.end });
  }
  const note = JSON.stringify({ version: COPY_FREE_REWRITE_VERSION, from: src.split(/[\\/]/).pop(), cutAt: plan.cut.tensor, lastPositionNodes: plan.cut.nodes });
  out.push(bytesField(MODEL_METADATA, Buffer.concat([bytesField(1, COPY_FREE_METADATA_KEY), bytesField(2, note)])));
  return out;
}

function emitGraph(g: OnnxGraph, plan: CopyFreePlan): Piece[] {
  const { cut, kv } = plan;
  const taken = new Set<string>(g.nodes.flatMap((n) => [...n.inputs, ...n.outputs]));
  const unique = (base: string): string => {
    let name = base;
    for (let i = 2; taken.has(name) || g.initializers.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };
  const index = unique('inkling/last_position');
  const atOutput = cut.tensor === 'logits';
  // At the output, the head's result is renamed and the Gather produces `logits`.
  const gathered = atOutput ? 'logits' : unique(`${cut.tensor}/last`);
  const gatherInput = atOutput ? unique('inkling/logits_all') : cut.tensor;
  const gather = node('Gather', [gatherInput, index], [gathered], { axis: 1 }, unique('inkling/GatherLastPosition'));
  const readers = new Set(cut.readers);
  const firstReader = atOutput ? -1 : Math.min(...cut.readers);
  const lastNode = g.nodes.length - 1;
  const kvOf = new Map(kv.map((k) => [k.present, k]));
  const out: Piece[] = [];
  let nodeIndex = -1;
  for (const f of g.graphFields) {
    if (f.field === GRAPH_NODE) {
      nodeIndex++;
      const n = g.nodes[nodeIndex]!;
      if (nodeIndex === firstReader) out.push(bytesField(GRAPH_NODE, gather));
      if (readers.has(nodeIndex)) out.push(bytesField(GRAPH_NODE, renameIn(g.source, f.body, f.end, 1, cut.tensor, gathered)));
      else if (atOutput && n.outputs.includes('logits')) out.push(bytesField(GRAPH_NODE, renameIn(g.source, f.body, f.end, 2, 'logits', gatherInput)));
      else out.push({ start: f.start, end: f.end });
      if (nodeIndex === lastNode) {
        if (atOutput) out.push(bytesField(GRAPH_NODE, gather));
        for (const k of kv) out.push(bytesField(GRAPH_NODE, node('Identity', [k.fresh], [k.output], {}, unique(`inkling/${k.output}`))));
      }
      continue;
    }
    if (f.field === GRAPH_OUTPUT) {
      const name = outputName(g.source, f.body, f.end);
      if (kvOf.has(name)) continue;
      if (name === 'logits') {
        const logits = g.outputs.find((o) => o.name === 'logits')!;
        out.push(bytesField(GRAPH_OUTPUT, valueInfo('logits', logits.elemType || 1, logits.shape ? [logits.shape[0] ?? null, 1, logits.shape[2] ?? null] : undefined)));
        continue;
      }
    }
    out.push({ start: f.start, end: f.end });
  }
  const lastPosition = Buffer.concat([varintField(1, 1), varintField(2, INT64), bytesField(8, index), bytesField(9, Buffer.from(new BigInt64Array([-1n]).buffer))]);
  out.push(bytesField(GRAPH_INITIALIZER, lastPosition));
  const seq = g.inputs.find((i) => i.name === 'input_ids')?.shape?.[1] ?? 'sequence_length';
  for (const k of kv) {
    const past = g.inputs.find((i) => i.name === k.past)!;
    const shape = past.shape ? [past.shape[0] ?? null, past.shape[1] ?? null, typeof seq === 'number' ? null : seq, past.shape[3] ?? null] : undefined;
    out.push(bytesField(GRAPH_OUTPUT, valueInfo(k.output, 1, shape)));
  }
  return out;
}

function outputName(src: ByteSource, start: number, end: number): string {
  for (const f of fields(src, start, end)) if (f.field === 1) return text(src, f);
  return '';
}

/**
 * Why a model's attention cannot take the copy-free buffers, from its config.json: a sliding
 * window is measured from the key's slot, and in a buffer with unused slots before the new
 * token, slots are not positions. (A graph-level check cannot see it: the window is inside the
 * mask arithmetic.) Null when the model attends to its whole context.
 */
function slidingWindow(dir: string): string | null {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return 'config.json could not be read';
  }
  const layers = config.layer_types;
  if (Array.isArray(layers) && layers.some((t) => typeof t === 'string' && t.includes('sliding'))) return 'the model has sliding-window attention layers';
  if (typeof config.sliding_window === 'number' && config.use_sliding_window !== false) return `the model attends through a sliding window of ${config.sliding_window} tokens`;
  return null;
}

/**
 * What an install did about the fast graph, kept in its install record; `embeddings`: the table
 * file its lookup was moved to (embeddingsOut.ts), or why it stayed in the graph.
 */
export type CopyFreeRecord = { file: string; from: string; cutAt: string; lastPositionNodes: number; embeddings?: string | { skipped: string } } | { skipped: string };

/**
 * Gives a model folder the copy-free graph of `dtype`, rewritten from its transformers.js file,
 * unless it has one. A graph that does not fit is left alone (the folder runs as before) and the
 * reason returned; the original file is never changed.
 */
export async function addCopyFreeGraph(dir: string, dtype: ModelDtype, onProgress?: (done: number, total: number) => void, into?: string): Promise<CopyFreeRecord> {
  const fast = COPY_FREE_FILE_FOR_DTYPE[dtype];
  const from = `onnx/${ONNX_FILE_FOR_DTYPE[dtype]}`;
  if (!fast) return { skipped: `no copy-free layout for ${dtype} (its cache is not float32)` };
  if (existsSync(join(dir, 'onnx', fast))) return { skipped: `onnx/${fast} is already there` };
  // `into`: a folder of Inkling's own for a model folder it must not write to (the record's file is then absolute).
  const file = into ? join(into, fast) : `onnx/${fast}`;
  if (!existsSync(join(dir, from))) return { skipped: `${from} is missing` };
  const window = slidingWindow(dir);
  if (window) return { skipped: window };
  const target = into ? file : join(dir, file);
  const outcome = await rewriteCopyFree(join(dir, from), target, onProgress, { inlineWeightsOnly: into !== undefined });
  if (!outcome.ok) return { skipped: outcome.reason };
  // A large tied table leaves the graph too, so it is not in memory twice. Whatever goes wrong
  // there, the copy-free graph just written stands (the rewrite replaces it only when whole).
  let embeddings: string | { skipped: string };
  try {
    const moved = await moveEmbeddingsOut(target);
    embeddings = moved.ok ? `${file}${EMBEDDINGS_SUFFIX}` : { skipped: moved.reason };
  } catch (e) {
    embeddings = { skipped: e instanceof Error ? e.message : String(e) };
  }
  return { file, from, cutAt: outcome.result.cutAt, lastPositionNodes: outcome.result.lastPositionNodes, embeddings };
}
