/**
 * Takes a decoder's embedding lookup out of its graph: the graph gets an `inputs_embeds` input in
 * place of the lookup, and the table's rows go to `<graph>.embeddings` beside it, which the
 * worker reads a row at a time (embeddingRows.ts). A tied model's table is also its LM head, and
 * ONNX Runtime keeps the head's pre-packed copy and, for the lookup, the original: two copies in
 * memory (2 × 28 MB for SmolLM2-135M's int8 table). Without the lookup the head's copy is the only one.
 *
 * The lookups it knows — those Inkling's graphs and the transformers.js exports it rewrites use:
 *  - `Gather(table, input_ids)` on a float32 table [vocab, width];
 *  - an int8 table with a float scale per row: `Gather` (axis 0 on [vocab, width], or axis 1 on
 *    the transposed [width, vocab] followed by `Transpose`), `Cast` to float, and `Mul` by the
 *    row scales gathered by the same ids.
 * Anything else is left alone with the reason. Weights are never decoded except the table itself.
 */
import { createWriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { readOnnxGraph, type OnnxGraph } from './onnxGraph';
import { bytesField, bytesHeader, fields, FileSource, int64, text, varints, type ByteSource, type WireField } from './protobufWire';
import { pieceLength, renameIn, valueInfo, writePieces, type Piece } from './graphWrite';
import { EMBED_FLOAT32, EMBED_INT8, EMBEDDINGS_INPUT, EMBEDDINGS_SUFFIX, embeddingsHeader } from '../model/embeddingRows';

/** Tables smaller than this stay in the graph: the copy they cost is less than the file's own overhead is worth. */
export const EMBEDDINGS_OUT_MIN_BYTES = 8 << 20;
const METADATA_KEY = 'inkling_embeddings_out';

const GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const MODEL_METADATA = 14;
const FLOAT = 1;
const INT8 = 3;

interface TensorInfo {
  dataType: number;
  dims: number[];
  /** raw_data, or a float tensor's packed float_data. */
  data: WireField | null;
  external: boolean;
}

export interface EmbeddingsPlan {
  table: string;
  /** The lookup's axis: 1 for a table stored transposed, [width, vocab]. */
  axis: 0 | 1;
  /** Per-row scales of an int8 table ([vocab] or [vocab, 1]). */
  rowScale: string | null;
  /** Nodes the lookup is made of, dropped from the graph. */
  nodes: number[];
  /** The tensor the lookup produced ([batch, sequence, width]); its readers now read `inputs_embeds`. */
  output: string;
  rows: number;
  width: number;
  tableBytes: number;
  /** Where the table's bytes (and the row scales') lie in the file. */
  data: { table: WireField; scales: WireField | null; int8: boolean };
}

export type EmbeddingsPlanResult = { ok: true; plan: EmbeddingsPlan } | { ok: false; reason: string };

export function planEmbeddingsOut(g: OnnxGraph): EmbeddingsPlanResult {
  const fail = (reason: string): EmbeddingsPlanResult => ({ ok: false, reason });
  if (g.inputs.some((i) => i.name === EMBEDDINGS_INPUT)) return fail(`the graph already takes ${EMBEDDINGS_INPUT}`);
  // A subgraph (If/Loop/Scan) could read the table or the lookup's tensors unseen by the checks below.
  const control = g.nodes.find((n) => [...n.attributes.values()].some((a) => a.graph));
  if (control) return fail(`the graph has control flow (${control.opType} with a subgraph)`);
  const tensors = initializerInfo(g);
  const readers = new Map<string, number[]>();
  g.nodes.forEach((n, i) => n.inputs.forEach((x) => x && (readers.get(x) ?? readers.set(x, []).get(x)!).push(i)));
  const lookups = (readers.get('input_ids') ?? []).filter((i) => {
    const n = g.nodes[i]!;
    return n.opType === 'Gather' && n.domain === '' && n.inputs[1] === 'input_ids' && tensors.has(n.inputs[0]!);
  });
  const sizeOf = (i: number) => tensors.get(g.nodes[i]!.inputs[0]!)!.dims.reduce((a, b) => a * b, 1);
  const main = lookups.filter((i) => tensors.get(g.nodes[i]!.inputs[0]!)!.dims.length === 2).sort((a, b) => sizeOf(b) - sizeOf(a))[0];
  if (main === undefined) return fail('no Gather looks input_ids up in a table');
  const gather = g.nodes[main]!;
  const table = gather.inputs[0]!;
  const info = tensors.get(table)!;
  if (info.external) return fail(`the table ${table} is stored outside the graph file`);
  if (!info.data) return fail(`the table ${table} is not stored as raw bytes`);
  if (info.dataType !== FLOAT && info.dataType !== INT8) return fail(`the table ${table} is of element type ${info.dataType}, not float32 or int8`);
  const axis = gather.attributes.get('axis')?.i ?? 0;
  if (axis !== 0 && axis !== 1) return fail(`the lookup gathers on axis ${axis}`);
  const [rows, width] = axis === 0 ? [info.dims[0]!, info.dims[1]!] : [info.dims[1]!, info.dims[0]!];
  const nodes = [main];
  const only = (tensor: string): number | null => {
    const r = readers.get(tensor) ?? [];
    return r.length === 1 ? r[0]! : null;
  };
  let output = gather.outputs[0]!;
  let rowScale: string | null = null;
  let scales: WireField | null = null;
  if (axis === 1) {
    const t = only(output);
    const perm = t === null ? undefined : g.nodes[t]!.attributes.get('perm')?.ints;
    if (t === null || g.nodes[t]!.opType !== 'Transpose' || perm?.join() !== '1,2,0') return fail('a transposed table is not followed by Transpose [1, 2, 0]');
    nodes.push(t);
    output = g.nodes[t]!.outputs[0]!;
  }
  if (info.dataType === INT8) {
    const c = only(output);
    if (c === null || g.nodes[c]!.opType !== 'Cast' || g.nodes[c]!.attributes.get('to')?.i !== FLOAT) return fail('the int8 lookup is not cast to float');
    nodes.push(c);
    output = g.nodes[c]!.outputs[0]!;
    const m = only(output);
    const mul = m === null ? null : g.nodes[m]!;
    if (!mul || mul.opType !== 'Mul') return fail('the int8 lookup is not scaled by a Mul');
    const other = mul.inputs.find((x) => x !== output);
    const scaleAt = lookups.find((i) => g.nodes[i]!.outputs[0] === other);
    const scale = scaleAt === undefined ? undefined : tensors.get(g.nodes[scaleAt]!.inputs[0]!);
    const scaleDims = scale?.dims.join();
    if (scaleAt === undefined || !scale || scale.dataType !== FLOAT || !scale.data || (scaleDims !== `${rows}` && scaleDims !== `${rows},1`) || only(other!) !== m) {
      return fail('the int8 lookup is not scaled by row scales gathered by the same ids');
    }
    nodes.push(m!, scaleAt);
    rowScale = g.nodes[scaleAt]!.inputs[0]!;
    scales = scale.data;
    output = mul.outputs[0]!;
  } else if (axis !== 0) {
    return fail('a float table stored transposed');
  }
  if (g.outputs.some((o) => o.name === output)) return fail('the embeddings are an output of the graph');
  const tableBytes = rows * width * (info.dataType === INT8 ? 1 : 4);
  return { ok: true, plan: { table, axis, rowScale, nodes, output, rows, width, tableBytes, data: { table: info.data, scales, int8: info.dataType === INT8 } } };
}

export type EmbeddingsOutOutcome = { ok: true; plan: EmbeddingsPlan; file: string } | { ok: false; reason: string };

/**
 * Rewrites the graph `file` in place to take `inputs_embeds`, writing its table to
 * `file.embeddings` first. Tables under `minBytes` are left alone (with the reason).
 */
export async function moveEmbeddingsOut(file: string, options: { minBytes?: number } = {}): Promise<EmbeddingsOutOutcome> {
  const source = new FileSource(file);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const partialGraph = `${file}.${tag}.partial`;
  const side = file + EMBEDDINGS_SUFFIX;
  const partialSide = `${side}.${tag}.partial`;
  try {
    const graph = readOnnxGraph(source);
    const planned = planEmbeddingsOut(graph);
    if (!planned.ok) return planned;
    const { plan } = planned;
    const minBytes = options.minBytes ?? EMBEDDINGS_OUT_MIN_BYTES;
    if (plan.tableBytes < minBytes) return { ok: false, reason: `the table (${plan.tableBytes} bytes) is smaller than ${minBytes}` };
    await writeTable(source, plan, partialSide);
    await writePieces(source, emitModel(graph, plan), partialGraph);
    await rename(partialSide, side);
    await rename(partialGraph, file);
    return { ok: true, plan, file: side };
  } catch (e) {
    await rm(partialGraph, { force: true });
    await rm(partialSide, { force: true });
    throw e;
  } finally {
    source.close();
  }
}

function emitModel(g: OnnxGraph, plan: EmbeddingsPlan): Piece[] {
  const dropped = new Set(plan.nodes);
  const ids = g.inputs.find((i) => i.name === 'input_ids');
  const shape = [ids?.shape?.[0] ?? 'batch_size', ids?.shape?.[1] ?? 'sequence_length', plan.width];
  // Initializers only the lookup read (an int8 table's row scales) go too: ONNX Runtime would warn of them.
  const kept = new Set(g.nodes.filter((_, i) => !dropped.has(i)).flatMap((n) => n.inputs));
  const orphans = new Set(plan.nodes.flatMap((i) => g.nodes[i]!.inputs).filter((x) => g.initializers.has(x) && !kept.has(x)));
  const graphPieces: Piece[] = [];
  let nodeIndex = -1;
  let inputAdded = false;
  for (const f of g.graphFields) {
    if (f.field === GRAPH_INITIALIZER && orphans.size && orphans.has(initializerName(g.source, f))) continue;
    if (f.field === GRAPH_NODE) {
      nodeIndex++;
      if (dropped.has(nodeIndex)) continue;
      const n = g.nodes[nodeIndex]!;
      graphPieces.push(n.inputs.includes(plan.output) ? bytesField(GRAPH_NODE, renameIn(g.source, f.body, f.end, 1, plan.output, EMBEDDINGS_INPUT)) : { start: f.start, end: f.end });
      continue;
    }
    graphPieces.push({ start: f.start, end: f.end });
    if (f.field === GRAPH_INPUT && !inputAdded) {
      graphPieces.push(bytesField(GRAPH_INPUT, valueInfo(EMBEDDINGS_INPUT, FLOAT, shape)));
      inputAdded = true;
    }
  }
  if (!inputAdded) graphPieces.push(bytesField(GRAPH_INPUT, valueInfo(EMBEDDINGS_INPUT, FLOAT, shape)));
  const graphLength = graphPieces.reduce((s, p) => s + pieceLength(p), 0);
  const out: Piece[] = [];
  for (const f of g.modelFields) {
    if (f === g.graphField) out.push(bytesHeader(GRAPH, graphLength), ...graphPieces);
    else out.push({ start: f.start, end: f.end });
  }
  const note = JSON.stringify({ version: 1, table: plan.table, rows: plan.rows, width: plan.width });
  out.push(bytesField(MODEL_METADATA, Buffer.concat([bytesField(1, METADATA_KEY), bytesField(2, note)])));
  return out;
}

/** The embeddings file: header, rows [vocab, width] (int8 or float32), then an int8 table's row scales. */
async function writeTable(src: ByteSource, plan: EmbeddingsPlan, file: string): Promise<void> {
  const { int8 } = plan.data;
  const stream = createWriteStream(file);
  const write = async (chunk: Buffer) => {
    if (!stream.write(chunk)) await once(stream, 'drain');
  };
  try {
    await write(embeddingsHeader(plan.rows, plan.width, int8 ? EMBED_INT8 : EMBED_FLOAT32));
    const data = plan.data.table;
    const bytes = data.end - data.body;
    if (bytes !== plan.tableBytes) throw new Error(`the table ${plan.table} holds ${bytes} bytes, not ${plan.tableBytes}`);
    if (plan.axis === 0) {
      for (let at = data.body; at < data.end; at += 8 << 20) await write(Buffer.from(src.bytes(at, Math.min(data.end, at + (8 << 20)))));
    } else {
      // [width, vocab] → [vocab, width], int8 only (planEmbeddingsOut refuses a transposed float table).
      const whole = Buffer.alloc(bytes);
      for (let at = 0; at < bytes; at += 8 << 20) src.bytes(data.body + at, data.body + Math.min(bytes, at + (8 << 20))).copy(whole, at);
      const rowsOut = Buffer.alloc(bytes);
      for (let d = 0; d < plan.width; d++) {
        const from = d * plan.rows;
        for (let v = 0; v < plan.rows; v++) rowsOut[v * plan.width + d] = whole[from + v]!;
      }
      await write(rowsOut);
    }
    if (int8) {
      const s = plan.data.scales!;
      if (s.end - s.body !== plan.rows * 4) throw new Error(`the row scales hold ${s.end - s.body} bytes, not ${plan.rows * 4}`);
      await write(Buffer.from(src.bytes(s.body, s.end)));
    }
    stream.end();
    await once(stream, 'finish');
  } catch (e) {
    stream.destroy();
    throw e;
  }
}

function initializerName(src: ByteSource, f: WireField): string {
  for (const t of fields(src, f.body, f.end)) if (t.field === 8) return text(src, t);
  return '';
}

/** Every initializer's type, shape and where its data lies (onnx.proto TensorProto fields). */
function initializerInfo(g: OnnxGraph): Map<string, TensorInfo> {
  const out = new Map<string, TensorInfo>();
  for (const f of g.graphFields) {
    if (f.field !== GRAPH_INITIALIZER) continue;
    let name = '';
    const info: TensorInfo = { dataType: 0, dims: [], data: null, external: false };
    let floats: WireField | null = null;
    for (const t of fields(g.source, f.body, f.end)) {
      if (t.field === 1) {
        if (t.varint !== undefined) info.dims.push(int64(t));
        else varints(g.source, t, info.dims);
      } else if (t.field === 2) info.dataType = int64(t);
      else if (t.field === 8) name = text(g.source, t);
      else if (t.field === 9) info.data = t;
      else if (t.field === 4 && t.wire === 2) floats = t;
      else if ((t.field === 14 && int64(t) === 1) || t.field === 13) info.external = true;
    }
    if (!info.data && floats && info.dataType === FLOAT) info.data = floats;
    out.set(name, info);
  }
  return out;
}
