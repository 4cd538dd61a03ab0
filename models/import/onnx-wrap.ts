/**
 * Wrapping an ONNX model trained elsewhere (scikit-learn through skl2onnx, PyTorch, ...) to the
 * model contract (core/manifest.ts): input `features` float32 [N, F], output `score` float32 [N],
 * higher = more anomalous. skl2onnx's IsolationForest, for example, takes `X` and answers `label`
 * and `scores` [N, 1] with higher = normal: the wrapped graph feeds `features` to `X`, negates
 * `scores`, reshapes it to [N] and answers it as `score`.
 *
 * The graph is edited at the protobuf wire level: every field of the original model (operators of
 * any domain, initializers, metadata, fields this code does not know) is kept byte for byte; only the
 * graph's inputs and outputs are replaced and nodes added. The added pieces are encoded by the
 * project's ONNX writer (models/onnx/proto.ts).
 */
import protobuf from 'protobufjs';
import { ONNX_INPUT, ONNX_OUTPUT } from '../../core/manifest.js';
import { DataType, encodeModel, tensor, type Node } from '../onnx/proto.js';

/** Whether a higher output means more anomalous (the contract) or more normal (scikit-learn's decision_function and scores). */
export type ScoreDirection = 'anomalous' | 'normal';

export interface WrapOptions {
  /** The model's input to feed the features to; default its only input. */
  readonly input?: string;
  /** The model's output that holds the score; default its only float output, else one named score or scores. */
  readonly output?: string;
  /** What a higher value of that output means. */
  readonly higherIs: ScoreDirection;
}

export interface WrappedModel {
  readonly onnx: Uint8Array;
  /** The features the model takes (its input's second dimension), when the model says. */
  readonly featureCount: number | undefined;
  /** What was done, for the user: one line per change. */
  readonly changes: string[];
}

/** Field numbers from onnx/onnx.proto. */
const MODEL = { graph: 7, opsetImport: 8 } as const;
const GRAPH = { node: 1, initializer: 5, input: 11, output: 12 } as const;
const WIRE_LENGTH_DELIMITED = 2;

interface Field {
  readonly id: number;
  /** The whole field as encoded: tag, length and content. */
  readonly raw: Uint8Array;
  /** The content of a length-delimited field. */
  readonly value?: Uint8Array;
}

function fieldsOf(bytes: Uint8Array, what: string): Field[] {
  const reader = protobuf.Reader.create(bytes);
  const fields: Field[] = [];
  try {
    while (reader.pos < reader.len) {
      const start = reader.pos;
      const tag = reader.uint32();
      const id = tag >>> 3;
      const wire = tag & 7;
      let value: Uint8Array | undefined;
      if (wire === WIRE_LENGTH_DELIMITED) value = reader.bytes();
      else reader.skipType(wire);
      fields.push({ id, raw: bytes.subarray(start, reader.pos), ...(value ? { value } : {}) });
    }
  } catch (cause) {
    throw new Error(`${what} is not a valid ONNX protobuf (${(cause as Error).message}): export the model again`, { cause });
  }
  return fields;
}

const lengthDelimited = (id: number, content: Uint8Array): Uint8Array =>
  protobuf.Writer.create()
    .uint32((id << 3) | WIRE_LENGTH_DELIMITED)
    .bytes(content)
    .finish();

const text = (bytes: Uint8Array | undefined): string => (bytes ? Buffer.from(bytes).toString('utf8') : '');

interface ValueInfo {
  readonly name: string;
  readonly elemType: number | undefined;
  readonly dims: (number | string | undefined)[];
}

/** Name, element type and shape of a ValueInfoProto. */
function valueInfoOf(bytes: Uint8Array): ValueInfo {
  const fields = fieldsOf(bytes, 'a graph input or output');
  const name = text(fields.find((f) => f.id === 1)?.value);
  const tensorType = fieldsOf(fields.find((f) => f.id === 2)?.value ?? new Uint8Array(), 'a type').find((f) => f.id === 1)?.value;
  if (!tensorType) return { name, elemType: undefined, dims: [] };
  let elemType: number | undefined;
  const dims: (number | string | undefined)[] = [];
  const reader = protobuf.Reader.create(tensorType);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === 1 << 3) elemType = reader.int32();
    else if (tag === ((2 << 3) | 2)) {
      for (const dim of fieldsOf(reader.bytes(), 'a shape').filter((f) => f.id === 1)) {
        const d = protobuf.Reader.create(dim.value!);
        let value: number | string | undefined;
        while (d.pos < d.len) {
          const t = d.uint32();
          if (t === 1 << 3) value = Number(d.int64());
          else if (t === ((2 << 3) | 2)) value = d.string();
          else d.skipType(t & 7);
        }
        dims.push(value);
      }
    } else reader.skipType(tag & 7);
  }
  return { name, elemType, dims };
}

const ELEMENT_TYPES: Record<number, string> = { 1: 'float32', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64' };
const describe = (v: ValueInfo): string => `${v.name} (${ELEMENT_TYPES[v.elemType ?? -1] ?? 'unknown type'} [${v.dims.map((d) => d ?? '?').join(', ')}])`;

/** Rewrites `onnx` to the model contract; throws naming the inputs and outputs it found when it cannot. */
export function wrapOnnxModel(onnx: Uint8Array, options: WrapOptions, source = 'the model'): WrappedModel {
  const model = fieldsOf(onnx, source);
  const graphField = model.find((f) => f.id === MODEL.graph && f.value);
  if (!graphField) throw new Error(`${source} has no graph: it is not an ONNX model`);
  const graph = fieldsOf(graphField.value!, `the graph of ${source}`);
  const inputs = graph.filter((f) => f.id === GRAPH.input).map((f) => valueInfoOf(f.value!));
  const initializerNames = new Set(
    graph.filter((f) => f.id === GRAPH.initializer).map((f) => text(fieldsOf(f.value!, 'an initializer').find((g) => g.id === 8)?.value)),
  );
  // Older exporters list initializers among the inputs too: those are weights, not inputs.
  const feeds = inputs.filter((i) => !initializerNames.has(i.name));
  const outputs = graph.filter((f) => f.id === GRAPH.output).map((f) => valueInfoOf(f.value!));
  const found = `inputs ${feeds.map(describe).join(', ') || 'none'}; outputs ${outputs.map(describe).join(', ') || 'none'}`;

  const input = options.input !== undefined ? feeds.find((i) => i.name === options.input) : feeds.length === 1 ? feeds[0] : undefined;
  if (!input)
    throw new Error(
      options.input !== undefined
        ? `${source} has no input named "${options.input}" (${found}): give --input one of its inputs`
        : `${source} has ${feeds.length} inputs (${found}): name the one that takes the features with --input`,
    );
  if (input.elemType !== DataType.FLOAT)
    throw new Error(`${source}: input ${describe(input)} is not float32; the contract feeds float32 features: export the model with a float input`);
  const floatOutputs = outputs.filter((o) => o.elemType === DataType.FLOAT);
  const output =
    options.output !== undefined
      ? outputs.find((o) => o.name === options.output)
      : floatOutputs.length === 1
        ? floatOutputs[0]
        : floatOutputs.find((o) => ['score', 'scores', 'anomaly_score'].includes(o.name.toLowerCase()));
  if (!output)
    throw new Error(
      options.output !== undefined
        ? `${source} has no output named "${options.output}" (${found}): give --output one of its outputs`
        : `${source} has no single float output (${found}): name the one that holds the score with --output`,
    );
  if (output.elemType !== DataType.FLOAT) throw new Error(`${source}: output ${describe(output)} is not float32: choose a float output with --output`);
  const extra = output.dims.slice(1);
  if (output.dims.length > 2 || extra.some((d) => d !== 1 && d !== undefined))
    throw new Error(`${source}: output ${describe(output)} holds more than one value per row; the contract needs one score per row: choose another --output`);
  const featureCount = typeof input.dims[1] === 'number' ? input.dims[1] : undefined;

  // The added pieces, encoded by the project's writer as a small model, then taken from its graph.
  const prefix = 'vigil_contract';
  const nodes: Node[] = [];
  const changes: string[] = [];
  let scoreName = output.name;
  if (input.name !== ONNX_INPUT) {
    nodes.push({ opType: 'Identity', input: [ONNX_INPUT], output: [input.name], name: `${prefix}_input` });
    changes.push(`input "${input.name}" fed from "${ONNX_INPUT}"`);
  }
  const tail: Node[] = [];
  const compliant = output.name === ONNX_OUTPUT && output.dims.length === 1 && options.higherIs === 'anomalous';
  if (output.name === ONNX_OUTPUT && !compliant)
    throw new Error(
      `${source}: output ${describe(output)} is named "${ONNX_OUTPUT}" but is not [N] with higher = more anomalous: export it under another name`,
    );
  if (options.higherIs === 'normal') {
    tail.push({ opType: 'Neg', input: [scoreName], output: [`${prefix}_negated`], name: `${prefix}_negate` });
    scoreName = `${prefix}_negated`;
    changes.push(`"${output.name}" negated: higher was more normal, the contract's score is higher = more anomalous`);
  }
  if (!compliant) {
    tail.push({ opType: 'Reshape', input: [scoreName, `${prefix}_shape`], output: [ONNX_OUTPUT], name: `${prefix}_reshape` });
    changes.push(`output "${ONNX_OUTPUT}" [N] from "${output.name}" [${output.dims.map((d) => d ?? '?').join(', ')}]`);
  }
  const dropped = outputs.filter((o) => o !== output).map((o) => o.name);
  if (dropped.length) changes.push(`other outputs left out: ${dropped.join(', ')}`);
  const pieces = fieldsOf(
    encodeModel({
      graph: {
        name: 'pieces',
        nodes: [...nodes, ...tail],
        inputs: [{ name: ONNX_INPUT, elemType: DataType.FLOAT, shape: ['N', featureCount ?? 'F'] }],
        outputs: [{ name: ONNX_OUTPUT, elemType: DataType.FLOAT, shape: ['N'] }],
        initializers: compliant ? [] : [tensor.int64(`${prefix}_shape`, [1], [-1])],
      },
      opsets: { '': 13 },
    }),
    'the added nodes',
  );
  const pieceGraph = fieldsOf(pieces.find((f) => f.id === MODEL.graph)!.value!, 'the added nodes');
  const pieceNodes = pieceGraph.filter((f) => f.id === GRAPH.node);
  const headNodes = pieceNodes.slice(0, nodes.length);
  const tailNodes = pieceNodes.slice(nodes.length);

  // The graph again: nodes fed by `features` first (nodes must stay in topological order), the
  // original fields in their order without the replaced inputs and outputs, then the tail.
  const kept = graph.filter((f) => !(f.id === GRAPH.input && valueInfoOf(f.value!).name === input.name) && f.id !== GRAPH.output);
  const firstNode = kept.findIndex((f) => f.id === GRAPH.node);
  const rebuilt = [
    ...(firstNode < 0 ? kept : kept.slice(0, firstNode)).map((f) => f.raw),
    ...headNodes.map((f) => f.raw),
    ...(firstNode < 0 ? [] : kept.slice(firstNode)).map((f) => f.raw),
    ...tailNodes.map((f) => f.raw),
    ...pieceGraph.filter((f) => f.id === GRAPH.initializer || f.id === GRAPH.input || f.id === GRAPH.output).map((f) => f.raw),
  ];
  // The default ONNX domain at version 13 or later where the model has it older or not at all (Reshape, Neg, Identity).
  const opsets = model.filter((f) => f.id === MODEL.opsetImport);
  const defaultOpset = opsets.find((f) => text(fieldsOf(f.value!, 'an opset').find((g) => g.id === 1)?.value) === '');
  const extraOpset = defaultOpset ? [] : pieces.filter((f) => f.id === MODEL.opsetImport).map((f) => f.raw);
  const out = model.flatMap((f) => (f === graphField ? [lengthDelimited(MODEL.graph, Buffer.concat(rebuilt))] : [f.raw]));
  return { onnx: new Uint8Array(Buffer.concat([...out, ...extraOpset])), featureCount, changes };
}
