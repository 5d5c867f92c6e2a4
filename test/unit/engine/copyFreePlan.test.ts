/**
 * The copy-free rewrite's reading and planning on small hand-built ONNX graphs (written with the
 * same wire helpers): what fits, what does not and why, where the last position is cut, and what
 * the written graph holds. The real models' graphs are tested in test/engine/copyFreeRewrite.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BufferSource, bytesField, encodeVarint, fields, int64, varintField, varints, WireError } from '../../../src/engine/graph/protobufWire';
import { readOnnxGraph } from '../../../src/engine/graph/onnxGraph';
import { planCopyFree } from '../../../src/engine/graph/copyFreePlan';
import { COPY_FREE_METADATA_KEY, rewriteCopyFree } from '../../../src/engine/graph/copyFreeRewrite';

type Dim = number | string;
interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  ints?: Record<string, number | number[]>;
  /** Attributes holding a (here empty) subgraph, as If/Loop bodies do. */
  graphs?: string[];
  domain?: string;
}
interface Graph {
  inputs: [string, number, Dim[]][];
  outputs: [string, number, Dim[]][];
  nodes: Node[];
  initializers: string[];
  opset?: number;
}

const FLOAT = 1;
const INT64 = 7;
const FLOAT16 = 10;

function valueInfo([name, elem, dims]: [string, number, Dim[]]): Buffer {
  const shape = Buffer.concat(dims.map((d) => bytesField(1, typeof d === 'number' ? varintField(1, d) : bytesField(2, d))));
  return Buffer.concat([bytesField(1, name), bytesField(2, bytesField(1, Buffer.concat([varintField(1, elem), bytesField(2, shape)])))]);
}

function nodeBytes(n: Node): Buffer {
  const attrs = Object.entries(n.ints ?? {}).map(([k, v]) =>
    bytesField(5, Buffer.concat([bytesField(1, k), ...(Array.isArray(v) ? v.map((x) => varintField(8, x)) : [varintField(3, v)]), varintField(20, Array.isArray(v) ? 7 : 2)])),
  );
  const bodies = (n.graphs ?? []).map((k) => bytesField(5, Buffer.concat([bytesField(1, k), bytesField(6, bytesField(2, 'body')), varintField(20, 5)])));
  return Buffer.concat([...n.inputs.map((x) => bytesField(1, x)), ...n.outputs.map((x) => bytesField(2, x)), bytesField(4, n.op), ...(n.domain ? [bytesField(7, n.domain)] : []), ...attrs, ...bodies]);
}

function model(g: Graph): Buffer {
  const initializer = (name: string) => bytesField(5, Buffer.concat([varintField(1, 2), varintField(1, 2), varintField(2, FLOAT), bytesField(8, name), bytesField(9, Buffer.alloc(16))]));
  const graph = Buffer.concat([...g.nodes.map((n) => bytesField(1, nodeBytes(n))), bytesField(2, 'tiny'), ...g.initializers.map(initializer), ...g.inputs.map((i) => bytesField(11, valueInfo(i))), ...g.outputs.map((o) => bytesField(12, valueInfo(o)))]);
  return Buffer.concat([varintField(1, 8), bytesField(8, Buffer.concat([bytesField(1, ''), varintField(2, g.opset ?? 14)])), bytesField(2, 'test'), bytesField(7, graph)]);
}

/** A one-layer decoder in the transformers.js layout: embedding, attention over Concat(past, new), residual, MLP, norm, head. */
function decoder(): Graph {
  const kvShape: Dim[] = ['batch', 2, 'past', 4];
  return {
    inputs: [['input_ids', INT64, ['batch', 'seq']], ['attention_mask', INT64, ['batch', 'total']], ['position_ids', INT64, ['batch', 'seq']], ['past_key_values.0.key', FLOAT, kvShape], ['past_key_values.0.value', FLOAT, kvShape]],
    outputs: [['logits', FLOAT, ['batch', 'seq', 16]], ['present.0.key', FLOAT, kvShape], ['present.0.value', FLOAT, kvShape]],
    initializers: ['embed', 'wk', 'wv', 'wq', 'wo', 'w1', 'w2', 'norm', 'head'],
    nodes: [
      { op: 'Gather', inputs: ['embed', 'input_ids'], outputs: ['x'] },
      { op: 'MatMul', inputs: ['x', 'wk'], outputs: ['k'] },
      { op: 'MatMul', inputs: ['x', 'wv'], outputs: ['v'] },
      { op: 'MatMul', inputs: ['x', 'wq'], outputs: ['q'] },
      { op: 'Concat', inputs: ['past_key_values.0.key', 'k'], outputs: ['present.0.key'], ints: { axis: 2 } },
      { op: 'Concat', inputs: ['past_key_values.0.value', 'v'], outputs: ['present.0.value'], ints: { axis: -2 } },
      { op: 'Shape', inputs: ['past_key_values.0.key'], outputs: ['past_shape'] },
      { op: 'Transpose', inputs: ['present.0.key'], outputs: ['kt'] },
      { op: 'MatMul', inputs: ['q', 'kt'], outputs: ['scores'] },
      { op: 'Add', inputs: ['scores', 'attention_mask'], outputs: ['masked'] },
      { op: 'Softmax', inputs: ['masked'], outputs: ['probs'], ints: { axis: -1 } },
      { op: 'MatMul', inputs: ['probs', 'present.0.value'], outputs: ['attn'] },
      { op: 'MatMul', inputs: ['attn', 'wo'], outputs: ['o'] },
      { op: 'Add', inputs: ['x', 'o'], outputs: ['h'] },
      { op: 'MatMul', inputs: ['h', 'w1'], outputs: ['up'] },
      { op: 'Sigmoid', inputs: ['up'], outputs: ['gate'] },
      { op: 'Mul', inputs: ['up', 'gate'], outputs: ['act'] },
      { op: 'MatMul', inputs: ['act', 'w2'], outputs: ['down'] },
      { op: 'Add', inputs: ['h', 'down'], outputs: ['h2'] },
      { op: 'ReduceMean', inputs: ['h2'], outputs: ['ms'], ints: { axes: [-1] } },
      { op: 'Div', inputs: ['h2', 'ms'], outputs: ['normed'] },
      { op: 'Mul', inputs: ['normed', 'norm'], outputs: ['scaled'] },
      { op: 'MatMul', inputs: ['scaled', 'head'], outputs: ['logits'] },
    ],
  };
}

const plan = (g: Graph) => planCopyFree(readOnnxGraph(new BufferSource(model(g))));
const edit = (g: Graph, f: (g: Graph) => void): Graph => {
  const copy = structuredClone(g);
  f(copy);
  return copy;
};
const nodeMaking = (g: Graph, output: string) => g.nodes.find((n) => n.outputs.includes(output))!;

describe('protobuf wire reading', () => {
  test('varints round-trip, negative int64 attributes included, packed and unpacked repeats alike', () => {
    for (const v of [0, 1, 127, 128, 300, 2 ** 40, -1, -2]) {
      const f = [...fields(new BufferSource(varintField(3, v)))][0]!;
      assert.equal(int64(f), v);
    }
    assert.deepEqual([...encodeVarint(-2)].length, 10, 'a negative int64 takes ten bytes');
    const packed = bytesField(8, Buffer.concat([encodeVarint(1), encodeVarint(-1), encodeVarint(300)]));
    const out: number[] = [];
    varints(new BufferSource(packed), [...fields(new BufferSource(packed))][0]!, out);
    assert.deepEqual(out, [1, -1, 300]);
  });

  test('a truncated or garbled message is a WireError, not a crash or a silent half-read', () => {
    const bytes = model(decoder());
    assert.throws(() => readOnnxGraph(new BufferSource(bytes.subarray(0, bytes.length - 7))), WireError);
    assert.throws(() => [...fields(new BufferSource(Buffer.from([0x0b, 0x01])))], /wire type 3/);
    assert.throws(() => readOnnxGraph(new BufferSource(Buffer.from(varintField(1, 8)))), /no graph/);
  });
});

describe('planning the copy-free rewrite', () => {
  test('a transformers.js decoder fits: the new rows of each layer, and the cut after attention\'s residual', () => {
    const result = plan(decoder());
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.plan.kv, [
      { past: 'past_key_values.0.key', present: 'present.0.key', fresh: 'k', output: 'new_key_values.0.key' },
      { past: 'past_key_values.0.value', present: 'present.0.value', fresh: 'v', output: 'new_key_values.0.value' },
    ]);
    // MLP, residual, norm and head: 9 nodes run on the last row only; `h` is read by the MLP and the residual.
    assert.equal(result.plan.cut.tensor, 'h');
    assert.equal(result.plan.cut.nodes, 9);
    assert.equal(result.plan.cut.readers.length, 2);
  });

  test('the cut stops where a node mixes positions or reads something else that depends on them', () => {
    // A norm over the sequence axis: only what follows it may be cut.
    const bySequence = plan(edit(decoder(), (g) => (nodeMaking(g, 'ms').ints = { axes: [1] })));
    assert.ok(bySequence.ok);
    assert.equal(bySequence.plan.cut.tensor, 'normed');
    // The residual also read by a node outside the tail (a second use of `down`): the region must not leak.
    const leaked = plan(edit(decoder(), (g) => g.nodes.splice(5, 0, { op: 'Identity', inputs: ['down'], outputs: ['elsewhere'] })));
    assert.ok(leaked.ok);
    assert.notEqual(leaked.plan.cut.tensor, 'h');
    // A head whose op is not known to be row-wise: only the returned logits are cut.
    const gemm = plan(edit(decoder(), (g) => (nodeMaking(g, 'logits').op = 'Gemm')));
    assert.ok(gemm.ok);
    assert.deepEqual(gemm.plan.cut, { tensor: 'logits', readers: [], nodes: 0 });
    // A weight that is an activation (q·k) is not a row-wise MatMul.
    const activationWeight = plan(edit(decoder(), (g) => (nodeMaking(g, 'up').inputs = ['h', 'o'])));
    assert.ok(activationWeight.ok);
    assert.notEqual(activationWeight.plan.cut.tensor, 'h');
  });

  test('graphs that do not fit say why', () => {
    const reasons: [string, Graph][] = [
      ['is not Concat(past_key_values.0.key, new rows) on the length axis', edit(decoder(), (g) => (nodeMaking(g, 'present.0.key').op = 'Identity'))],
      ['is not Concat(past_key_values.0.value, new rows) on the length axis', edit(decoder(), (g) => (nodeMaking(g, 'present.0.value').ints = { axis: 1 }))],
      ['past_key_values.0.key is also read by Slice', edit(decoder(), (g) => g.nodes.push({ op: 'Slice', inputs: ['past_key_values.0.key'], outputs: ['cut'] }))],
      ['past_key_values.0.key is not float32', edit(decoder(), (g) => (g.inputs[3]![1] = FLOAT16))],
      ['the graph has no position_ids input', edit(decoder(), (g) => g.inputs.splice(2, 1))],
      ['opset 10 is older than 11', edit(decoder(), (g) => (g.opset = 10))],
      ['the graph has outputs besides logits and present.*', edit(decoder(), (g) => g.outputs.push(['h', FLOAT, ['batch', 'seq', 8]]))],
      ['the graph is already copy-free', edit(decoder(), (g) => g.outputs.push(['new_key_values.0.key', FLOAT, ['batch', 2, 'seq', 4]]))],
      ['the graph does not read attention_mask', edit(decoder(), (g) => (nodeMaking(g, 'masked').inputs = ['scores', 'scores']))],
      ['the graph has control flow (If with a subgraph)', edit(decoder(), (g) => g.nodes.push({ op: 'If', inputs: ['h'], outputs: ['branch'], graphs: ['then_branch'] }))],
    ];
    for (const [reason, g] of reasons) {
      const result = plan(g);
      assert.ok(!result.ok, reason);
      assert.ok(result.reason.includes(reason), `${result.reason} ⊇ ${reason}`);
    }
  });

  test('the written graph: new rows out, present gone, the Gather before the first reader, the rest byte for byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inkling-plan-'));
    try {
      const src = join(dir, 'model.onnx');
      const dst = join(dir, 'model_kvin_q8.onnx');
      writeFileSync(src, model(decoder()));
      const outcome = await rewriteCopyFree(src, dst);
      assert.deepEqual(outcome, { ok: true, result: { lastPositionNodes: 9, cutAt: 'h', layers: 1, bytes: readFileSync(dst).length } });
      const g = readOnnxGraph(new BufferSource(readFileSync(dst)));
      assert.deepEqual(g.outputs.map((o) => o.name), ['logits', 'new_key_values.0.key', 'new_key_values.0.value']);
      assert.deepEqual(g.outputs[0]!.shape, ['batch', 1, 16], 'logits of one position');
      assert.deepEqual(g.outputs[1]!.shape, ['batch', 2, 'seq', 4]);
      const ops = g.nodes.map((n) => n.opType);
      const gather = g.nodes.findIndex((n) => n.opType === 'Gather' && n.inputs[0] === 'h');
      assert.equal(gather, ops.indexOf('Add', ops.indexOf('Add') + 1) + 1, 'right after h is made, before the MLP reads it');
      assert.deepEqual(g.nodes[gather]!.attributes.get('axis'), { i: 1 });
      assert.ok(g.initializers.has(g.nodes[gather]!.inputs[1]!), 'the index -1 is an initializer');
      const last = g.nodes[gather]!.outputs[0]!;
      assert.deepEqual(g.nodes.filter((n) => n.inputs.includes(last)).map((n) => n.outputs[0]), ['up', 'h2']);
      assert.deepEqual(g.nodes.filter((n) => n.opType === 'Identity').map((n) => [n.inputs[0], n.outputs[0]]), [['k', 'new_key_values.0.key'], ['v', 'new_key_values.0.value']]);
      assert.equal(JSON.parse(g.metadata.get(COPY_FREE_METADATA_KEY)!).from, 'model.onnx');
      assert.equal(g.nodes.length, decoder().nodes.length + 3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
