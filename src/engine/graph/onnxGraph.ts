/**
 * An ONNX model's graph read for rewriting: its nodes (inputs, outputs, op, attributes), the
 * names of its constants, its inputs and outputs with their element types and shapes, and the
 * byte range of every field, so a rewrite can copy what it leaves alone. Weights are never read.
 * Field numbers are those of onnx.proto (ModelProto, GraphProto, NodeProto, …).
 */
import { fields, int64, text, varints, WireError, type ByteSource, type WireField } from './protobufWire';

export interface OnnxAttribute {
  i?: number;
  ints?: number[];
  /** The attribute holds a subgraph (If, Loop, Scan bodies): not read here. */
  graph?: boolean;
  /** The attribute holds a tensor, floats or strings: present but not read here. */
  other?: boolean;
}

export interface OnnxNode {
  /** The node field in the graph (its raw bytes are copied or edited from here). */
  range: WireField;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttribute>;
}

export interface OnnxValue {
  range: WireField;
  name: string;
  /** TensorProto.DataType: 1 float, 7 int64, 10 float16, … (0: not a tensor or not given). */
  elemType: number;
  /** Each dimension: a number, a symbolic name, or null when unknown; absent when no shape is given. */
  shape?: (number | string | null)[];
}

export interface OnnxGraph {
  source: ByteSource;
  /** Every top-level field of the ModelProto, in order. */
  modelFields: WireField[];
  graphField: WireField;
  /** Every field of the GraphProto, in order. */
  graphFields: WireField[];
  nodes: OnnxNode[];
  /** Names of initializers (and sparse initializers). */
  initializers: Set<string>;
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  /** Opset version per domain ('' is the default ONNX domain). */
  opsets: Map<string, number>;
  metadata: Map<string, string>;
  /** Some weights live in a separate file beside the model (TensorProto data_location EXTERNAL). */
  externalData: boolean;
}

const MODEL_OPSET = 8;
const MODEL_GRAPH = 7;
const MODEL_METADATA = 14;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_SPARSE_INITIALIZER = 15;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;

export function readOnnxGraph(source: ByteSource): OnnxGraph {
  const modelFields = [...fields(source)];
  const graphField = modelFields.find((f) => f.field === MODEL_GRAPH);
  if (!graphField) throw new WireError('no graph in the model');
  const opsets = new Map<string, number>();
  const metadata = new Map<string, string>();
  for (const f of modelFields) {
    if (f.field === MODEL_OPSET) {
      let domain = '';
      let version = 0;
      for (const g of fields(source, f.body, f.end)) {
        if (g.field === 1) domain = text(source, g);
        if (g.field === 2) version = int64(g);
      }
      opsets.set(domain === 'ai.onnx' ? '' : domain, version);
    } else if (f.field === MODEL_METADATA) {
      let key = '';
      let value = '';
      for (const g of fields(source, f.body, f.end)) {
        if (g.field === 1) key = text(source, g);
        if (g.field === 2) value = text(source, g);
      }
      metadata.set(key, value);
    }
  }
  const graphFields = [...fields(source, graphField.body, graphField.end)];
  const nodes: OnnxNode[] = [];
  const initializers = new Set<string>();
  const inputs: OnnxValue[] = [];
  const outputs: OnnxValue[] = [];
  let externalData = false;
  const initializer = (range: WireField) => {
    const t = readTensorHead(source, range);
    initializers.add(t.name);
    externalData ||= t.external;
  };
  for (const f of graphFields) {
    switch (f.field) {
      case GRAPH_NODE:
        nodes.push(readNode(source, f));
        break;
      case GRAPH_INITIALIZER:
        initializer(f);
        break;
      case GRAPH_SPARSE_INITIALIZER:
        for (const g of fields(source, f.body, f.end)) if (g.field === 1) initializer(g);
        break;
      case GRAPH_INPUT:
        inputs.push(readValue(source, f));
        break;
      case GRAPH_OUTPUT:
        outputs.push(readValue(source, f));
        break;
    }
  }
  return { source, modelFields, graphField, graphFields, nodes, initializers, inputs, outputs, opsets, metadata, externalData };
}

function readNode(src: ByteSource, range: WireField): OnnxNode {
  const node: OnnxNode = { range, opType: '', domain: '', inputs: [], outputs: [], attributes: new Map() };
  for (const f of fields(src, range.body, range.end)) {
    if (f.field === 1) node.inputs.push(text(src, f));
    else if (f.field === 2) node.outputs.push(text(src, f));
    else if (f.field === 4) node.opType = text(src, f);
    else if (f.field === 7) node.domain = text(src, f) === 'ai.onnx' ? '' : text(src, f);
    else if (f.field === 5) {
      let name = '';
      const attr: OnnxAttribute = {};
      for (const g of fields(src, f.body, f.end)) {
        if (g.field === 1) name = text(src, g);
        else if (g.field === 3) attr.i = int64(g);
        else if (g.field === 8) varints(src, g, (attr.ints ??= []));
        else if (g.field === 6 || g.field === 11) attr.graph = true;
        else if (g.field !== 20 && g.field !== 21) attr.other = true;
      }
      node.attributes.set(name, attr);
    }
  }
  return node;
}

/** A TensorProto's name (field 8) and whether its data is external (data_location 14 = 1, or external_data 13), without reading the data. */
function readTensorHead(src: ByteSource, range: WireField): { name: string; external: boolean } {
  let name = '';
  let external = false;
  for (const f of fields(src, range.body, range.end)) {
    if (f.field === 8) name = text(src, f);
    else if ((f.field === 14 && int64(f) === 1) || f.field === 13) external = true;
  }
  return { name, external };
}

function readValue(src: ByteSource, range: WireField): OnnxValue {
  const value: OnnxValue = { range, name: '', elemType: 0 };
  for (const f of fields(src, range.body, range.end)) {
    if (f.field === 1) value.name = text(src, f);
    if (f.field !== 2) continue;
    for (const t of fields(src, f.body, f.end)) {
      if (t.field !== 1) continue; // tensor_type
      for (const g of fields(src, t.body, t.end)) {
        if (g.field === 1) value.elemType = int64(g);
        if (g.field !== 2) continue;
        value.shape = [];
        for (const d of fields(src, g.body, g.end)) {
          if (d.field !== 1) continue;
          let dim: number | string | null = null;
          for (const x of fields(src, d.body, d.end)) {
            if (x.field === 1) dim = int64(x);
            if (x.field === 2) dim = text(src, x);
          }
          value.shape.push(dim);
        }
      }
    }
  }
  return value;
}
