/**
 * A small ONNX ModelProto writer: the subset of onnx.proto a scoring graph needs (graph, nodes,
 * attributes, initializers, typed inputs and outputs). Field numbers follow onnx/onnx.proto.
 * No ready-made exporter exists for ml-isolation-forest, so the model bytes are built here.
 */
import protobuf from 'protobufjs';

const root = protobuf.Root.fromJSON({
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        StringStringEntryProto: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            domain: { type: 'string', id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            strings: { rule: 'repeated', type: 'bytes', id: 9 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            floatData: { rule: 'repeated', type: 'float', id: 4 },
            int64Data: { rule: 'repeated', type: 'int64', id: 7 },
            name: { type: 'string', id: 8 },
            doubleData: { rule: 'repeated', type: 'double', id: 10 },
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        TypeProto: { fields: { tensorType: { type: 'TypeProtoTensor', id: 1 } } },
        TypeProtoTensor: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
        Dimension: { fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } } },
      },
    },
  },
});
const ModelProto = root.lookupType('onnx.ModelProto');

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT64: 7, DOUBLE: 11 } as const;
const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface Tensor {
  name: string;
  dims: number[];
  dataType: number;
  floatData?: number[];
  int64Data?: number[];
  doubleData?: number[];
}
export interface Attribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: Tensor;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}
export interface Node {
  opType: string;
  input: string[];
  output: string[];
  name?: string;
  domain?: string;
  attribute?: Attribute[];
}
/** A dimension is a fixed size or a symbolic name such as 'N'. */
export type Dim = number | string;
export interface ValueInfo {
  name: string;
  elemType: number;
  shape: Dim[];
}
export interface Graph {
  name: string;
  nodes: Node[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers?: Tensor[];
}
export interface Model {
  graph: Graph;
  /** Operator sets: '' is the default ONNX domain, 'ai.onnx.ml' the traditional-ML one. */
  opsets: Record<string, number>;
  metadata?: Record<string, string>;
  docString?: string;
}

export const attr = {
  float: (name: string, f: number): Attribute => ({ name, type: AttributeType.FLOAT, f }),
  int: (name: string, i: number): Attribute => ({ name, type: AttributeType.INT, i }),
  string: (name: string, s: string): Attribute => ({ name, type: AttributeType.STRING, s: Buffer.from(s) }),
  tensor: (name: string, t: Tensor): Attribute => ({ name, type: AttributeType.TENSOR, t }),
  floats: (name: string, floats: ArrayLike<number>): Attribute => ({ name, type: AttributeType.FLOATS, floats: Array.from(floats) }),
  ints: (name: string, ints: ArrayLike<number>): Attribute => ({ name, type: AttributeType.INTS, ints: Array.from(ints) }),
  strings: (name: string, strings: readonly string[]): Attribute => ({ name, type: AttributeType.STRINGS, strings: strings.map((s) => Buffer.from(s)) }),
};

export const tensor = {
  float: (name: string, dims: number[], values: ArrayLike<number>): Tensor => ({ name, dims, dataType: DataType.FLOAT, floatData: Array.from(values) }),
  int64: (name: string, dims: number[], values: ArrayLike<number>): Tensor => ({ name, dims, dataType: DataType.INT64, int64Data: Array.from(values) }),
};

function valueInfo(v: ValueInfo): object {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: v.elemType,
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** IR version 8 is read by every onnxruntime since 1.10 and allows opsets up to 18. */
export const IR_VERSION = 8;

export function encodeModel(model: Model): Uint8Array {
  const message = {
    irVersion: IR_VERSION,
    producerName: 'vigil',
    producerVersion: '1',
    docString: model.docString ?? '',
    opsetImport: Object.entries(model.opsets).map(([domain, version]) => ({ domain, version })),
    metadataProps: Object.entries(model.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: model.graph.name,
      node: model.graph.nodes.map((n, i) => ({ ...n, name: n.name ?? `${n.opType}_${i}`, domain: n.domain ?? '' })),
      initializer: model.graph.initializers ?? [],
      input: model.graph.inputs.map(valueInfo),
      output: model.graph.outputs.map(valueInfo),
    },
  };
  const error = ModelProto.verify(message);
  if (error) throw new Error(`internal error building the ONNX model: ${error}`);
  return ModelProto.encode(ModelProto.fromObject(message)).finish();
}
