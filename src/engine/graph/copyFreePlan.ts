/**
 * Whether a transformers.js decoder graph can be turned into Inkling's copy-free layout, and how:
 * the layout models/recipe/export_kvin.py writes for Inkling's own models, reached here by
 * editing a downloaded graph instead of re-exporting it.
 *
 * What the standard graph does per layer: `present = Concat(past, new rows, axis 2)`, attention
 * over `present` with the attention mask, and `present` returned — the whole cache copied out to
 * JS every token. The copy-free graph is the same graph with two edits:
 *  - the new rows (the Concat's second input) become the outputs `new_key_values.*` and the
 *    `present.*` outputs are dropped, so the decode loop can pass fixed-capacity buffers as
 *    `past` (the mask hides their unused slots) and write the new rows in itself;
 *  - the last position is picked (Gather) before the part of the graph that works row by row on
 *    its way to `logits` — the final norm and the LM head, often the last MLP — so a prefill of
 *    500 tokens computes one row of logits, not 500.
 * A graph that does not show these shapes (another attention op, a cache read elsewhere, no
 * position_ids input) gets a reason and keeps running as it is.
 */
import type { OnnxGraph, OnnxNode } from './onnxGraph';

export interface CopyFreePlan {
  /** For each `past_key_values.*` input: the tensor its Concat appends (the new rows). */
  kv: { past: string; present: string; fresh: string; output: string }[];
  /** The tensor the last position is taken from, and the nodes after it (row-wise up to `logits`). */
  cut: { tensor: string; readers: number[]; nodes: number };
}

export type PlanResult = { ok: true; plan: CopyFreePlan } | { ok: false; reason: string };

const FLOAT = 1;

/** Ops that treat each position (row) on its own, given the attribute checks in `rowWise`. */
const ROW_WISE = new Set([
  'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sqrt', 'Reciprocal', 'Neg', 'Abs', 'Exp', 'Log', 'Erf', 'Tanh', 'Sigmoid',
  'Relu', 'Softplus', 'Gelu', 'FastGelu', 'QuickGelu', 'BiasGelu', 'Cast', 'Identity',
  'MatMul', 'MatMulInteger', 'DynamicQuantizeMatMul', 'MatMulNBits', 'MatMulBnb4', 'FusedMatMul',
  // Per-tensor int8 scale: after the cut it is the last row's, exactly what a one-token step computes.
  'DynamicQuantizeLinear',
  'ReduceMean', 'ReduceSum', 'ReduceSumSquare', 'ReduceL2', 'ReduceMax',
  'SimplifiedLayerNormalization', 'SkipSimplifiedLayerNormalization', 'LayerNormalization', 'SkipLayerNormalization', 'RMSNormalization',
]);
/** Their second input is a weight: it must be constant, or the op mixes activations. */
const WEIGHTED = new Set(['MatMul', 'MatMulInteger', 'DynamicQuantizeMatMul', 'MatMulNBits', 'MatMulBnb4', 'FusedMatMul']);
const REDUCE = /^Reduce/;
const NORM = /LayerNormalization$|^RMSNormalization$/;

export function planCopyFree(g: OnnxGraph): PlanResult {
  const fail = (reason: string): PlanResult => ({ ok: false, reason });
  const inputNames = new Set(g.inputs.map((i) => i.name));
  const outputNames = new Set(g.outputs.map((o) => o.name));
  for (const need of ['input_ids', 'attention_mask', 'position_ids']) if (!inputNames.has(need)) return fail(`the graph has no ${need} input`);
  if (!outputNames.has('logits')) return fail('the graph has no logits output');
  if (g.outputs.some((o) => o.name.startsWith('new_key_values.'))) return fail('the graph is already copy-free');
  if ((g.opsets.get('') ?? 0) < 11) return fail(`opset ${g.opsets.get('') ?? 0} is older than 11 (no negative Gather index)`);
  // A subgraph (If/Loop/Scan) could read the cache or the cut tensors unseen by the checks below.
  const control = g.nodes.find((n) => [...n.attributes.values()].some((a) => a.graph));
  if (control) return fail(`the graph has control flow (${control.opType} with a subgraph)`);
  const logits = g.outputs.find((o) => o.name === 'logits')!;
  if (logits.shape && logits.shape.length !== 3) return fail(`logits has rank ${logits.shape.length}, not [batch, sequence, vocabulary]`);

  const producer = new Map<string, number>();
  const readers = new Map<string, number[]>();
  g.nodes.forEach((n, i) => {
    n.outputs.forEach((o) => o && producer.set(o, i));
    n.inputs.forEach((x) => x && (readers.get(x) ?? readers.set(x, []).get(x)!).push(i));
  });

  // The copy-free loop marks its buffers' unused slots only in the mask: a graph that ignores it would attend to them.
  if (!(readers.get('attention_mask') ?? []).length) return fail('the graph does not read attention_mask');
  const pasts = g.inputs.filter((i) => i.name.startsWith('past_key_values.'));
  if (!pasts.length) return fail('the graph has no past_key_values inputs');
  const kv: CopyFreePlan['kv'] = [];
  for (const past of pasts) {
    if (past.elemType !== FLOAT) return fail(`${past.name} is not float32 (type ${past.elemType})`);
    if (past.shape && past.shape.length !== 4) return fail(`${past.name} is not [batch, heads, length, head size]`);
    const present = past.name.replace('past_key_values.', 'present.');
    if (!outputNames.has(present)) return fail(`the graph has no ${present} output`);
    const at = producer.get(present);
    const concat = at === undefined ? undefined : g.nodes[at]!;
    const axis = concat?.attributes.get('axis')?.i;
    if (!concat || concat.opType !== 'Concat' || concat.domain !== '' || concat.inputs.length !== 2 || concat.inputs[0] !== past.name || (axis !== 2 && axis !== -2)) {
      return fail(`${present} is not Concat(${past.name}, new rows) on the length axis`);
    }
    // The cache may be measured (Shape) but must reach attention only through its Concat.
    const others = (readers.get(past.name) ?? []).filter((r) => r !== at && g.nodes[r]!.opType !== 'Shape');
    if (others.length) return fail(`${past.name} is also read by ${g.nodes[others[0]!]!.opType}`);
    if ((readers.get(present) ?? []).length === 0) return fail(`${present} is not used by attention`);
    kv.push({ past: past.name, present, fresh: concat.inputs[1]!, output: past.name.replace('past_key_values.', 'new_key_values.') });
  }
  if (g.outputs.some((o) => o.name !== 'logits' && !kv.some((k) => k.present === o.name))) return fail('the graph has outputs besides logits and present.*');

  const constant = constants(g);
  const cut = bestCut(g, producer, readers, constant);
  return { ok: true, plan: { kv, cut } };
}

/** Initializers, Constant outputs, and whatever is computed from constants alone. */
function constants(g: OnnxGraph): Set<string> {
  const out = new Set(g.initializers);
  for (const n of g.nodes) {
    const fromConstants = n.opType === 'Constant' || (n.inputs.length > 0 && n.inputs.every((x) => !x || out.has(x)) && !n.opType.startsWith('Random'));
    if (fromConstants) n.outputs.forEach((o) => o && out.add(o));
  }
  return out;
}

function rowWise(n: OnnxNode, constant: Set<string>): boolean {
  if (!ROW_WISE.has(n.opType)) return false;
  if (WEIGHTED.has(n.opType) && !(n.inputs[1] && constant.has(n.inputs[1]))) return false;
  if (n.opType === 'FusedMatMul' && (n.attributes.get('transA')?.i ?? 0) !== 0) return false;
  if (REDUCE.test(n.opType)) {
    // Only over the last axis, keeping it, so every tensor in the region stays [batch, sequence, …].
    const axes = n.attributes.get('axes')?.ints;
    if (!axes || axes.length !== 1 || (axes[0] !== -1 && axes[0] !== 2) || n.inputs.length > 1) return false;
    if ((n.attributes.get('keepdims')?.i ?? 1) !== 1) return false;
  }
  if (NORM.test(n.opType)) {
    const axis = n.attributes.get('axis')?.i ?? -1;
    if (axis !== -1 && axis !== 2) return false;
  }
  return true;
}

/**
 * The tensor to take the last position from: of every tensor the row-wise tail of the graph
 * reads, the one with the most nodes between it and `logits`, where those nodes read nothing
 * else that depends on the sequence and nothing outside them reads what they compute. Falls
 * back to `logits` itself (the head still runs on every row, but only one row is returned).
 */
function bestCut(g: OnnxGraph, producer: Map<string, number>, readers: Map<string, number[]>, constant: Set<string>): CopyFreePlan['cut'] {
  const outputs = new Set(g.outputs.map((o) => o.name));
  const head = producer.get('logits');
  const fallback = { tensor: 'logits', readers: [] as number[], nodes: 0 };
  if (head === undefined) return fallback;
  // The row-wise tail: back from the head while nodes are row-wise.
  const tail = new Set<number>();
  const stack = [head];
  while (stack.length && tail.size < 20_000) {
    const at = stack.pop()!;
    if (tail.has(at) || !rowWise(g.nodes[at]!, constant)) continue;
    tail.add(at);
    for (const x of g.nodes[at]!.inputs) if (x && !constant.has(x) && producer.has(x)) stack.push(producer.get(x)!);
  }
  const candidates = new Set<string>();
  for (const at of tail) for (const x of g.nodes[at]!.inputs) if (x && !constant.has(x)) candidates.add(x);
  let best = fallback;
  for (const tensor of candidates) {
    const region = regionAfter(g, tensor, head, producer, readers, constant, outputs);
    if (region && region.size > best.nodes) {
      best = { tensor, readers: (readers.get(tensor) ?? []).filter((r) => region.has(r)).sort((a, b) => a - b), nodes: region.size };
    }
  }
  return best;
}

/** The nodes between `tensor` and the head, when cutting there is sound; else null. */
function regionAfter(g: OnnxGraph, tensor: string, head: number, producer: Map<string, number>, readers: Map<string, number[]>, constant: Set<string>, outputs: Set<string>): Set<number> | null {
  const region = new Set<number>();
  const stack = [head];
  while (stack.length) {
    const at = stack.pop()!;
    if (region.has(at)) continue;
    if (!rowWise(g.nodes[at]!, constant)) return null;
    region.add(at);
    if (region.size > 2_000) return null;
    for (const x of g.nodes[at]!.inputs) {
      if (!x || x === tensor || constant.has(x)) continue;
      const p = producer.get(x);
      if (p === undefined) return null; // a graph input reached without passing the cut
      stack.push(p);
    }
  }
  for (const at of region) {
    for (const o of g.nodes[at]!.outputs) {
      if (!o) continue;
      if (outputs.has(o) && o !== 'logits') return null;
      if ((readers.get(o) ?? []).some((r) => !region.has(r))) return null;
    }
  }
  return (readers.get(tensor) ?? []).some((r) => region.has(r)) ? region : null;
}
