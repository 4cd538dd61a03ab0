/**
 * Wrapping ONNX models of other exporters to the contract (models/import/onnx-wrap.ts), scored by
 * onnxruntime: a PyTorch-like graph (input `input`, output `recon_error` [N], higher = anomalous),
 * one that already honours the contract (kept as it is), and graphs it cannot match (named errors).
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { wrapOnnxModel } from '../../models/import/onnx-wrap.js';
import { DataType, attr, encodeModel } from '../../models/onnx/proto.js';

const F = 3;
/** sum((x - 1)^2) per row: a reconstruction error against a constant reconstruction. */
function errorModel(input: string, output: string, outputs: { name: string; shape: (number | string)[] }[] = [{ name: output, shape: ['N'] }]): Uint8Array {
  return encodeModel({
    graph: {
      name: 'recon',
      nodes: [
        { opType: 'Sub', input: [input, 'one'], output: ['diff'] },
        { opType: 'Mul', input: ['diff', 'diff'], output: ['squared'] },
        { opType: 'ReduceSum', input: ['squared', 'axes'], output: [output], attribute: [attr.int('keepdims', 0)] },
        ...(outputs.length > 1 ? [{ opType: 'Identity', input: [output], output: [outputs[1]!.name] }] : []),
      ],
      inputs: [{ name: input, elemType: DataType.FLOAT, shape: ['N', F] }],
      outputs: outputs.map((o) => ({ name: o.name, elemType: DataType.FLOAT, shape: o.shape })),
      initializers: [
        { name: 'one', dims: [], dataType: DataType.FLOAT, floatData: [1] },
        { name: 'axes', dims: [1], dataType: DataType.INT64, int64Data: [1] },
      ],
    },
    opsets: { '': 13 },
  });
}

async function score(
  onnx: Uint8Array,
  rows: number[][],
): Promise<{ inputs: readonly string[]; outputs: readonly string[]; score: number[]; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(onnx);
  const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, F]) }, ['score']);
  const result = { inputs: session.inputNames, outputs: session.outputNames, score: Array.from(out.score!.data as Float32Array), dims: out.score!.dims };
  await session.release();
  return result;
}

describe('wrapOnnxModel', () => {
  it('feeds `features` to a PyTorch-like input and answers its error as `score` [N], higher = anomalous', async () => {
    const wrapped = wrapOnnxModel(errorModel('input', 'recon_error'), { higherIs: 'anomalous' });
    expect(wrapped.featureCount).toBe(F);
    expect(wrapped.changes).toEqual(['input "input" fed from "features"', 'output "score" [N] from "recon_error" [N]']);
    const scored = await score(wrapped.onnx, [
      [1, 1, 1],
      [2, 1, 3],
    ]);
    expect(scored).toEqual({ inputs: ['features'], outputs: ['score'], score: [0, 5], dims: [2] });
  });

  it('negates an output where higher is normal, and leaves the other outputs out', async () => {
    const wrapped = wrapOnnxModel(
      errorModel('x', 'err', [
        { name: 'err', shape: ['N'] },
        { name: 'copy', shape: ['N'] },
      ]),
      { higherIs: 'normal', output: 'err' },
    );
    expect(wrapped.changes).toContain('other outputs left out: copy');
    expect((await score(wrapped.onnx, [[2, 1, 3]])).score).toEqual([-5]);
  });

  it('keeps a model that already honours the contract as it is', async () => {
    const wrapped = wrapOnnxModel(errorModel('features', 'score'), { higherIs: 'anomalous' });
    expect(wrapped.changes).toEqual([]);
    expect((await score(wrapped.onnx, [[3, 1, 1]])).score).toEqual([4]);
  });

  it('names the inputs and outputs it found when it cannot tell which to use', () => {
    const two = errorModel('x', 'a', [
      { name: 'a', shape: ['N'] },
      { name: 'b', shape: ['N'] },
    ]);
    expect(() => wrapOnnxModel(two, { higherIs: 'anomalous' }, 'two.onnx')).toThrow(
      'two.onnx has no single float output (inputs x (float32 [N, 3]); outputs a (float32 [N]), b (float32 [N])): name the one that holds the score with --output',
    );
    expect(() => wrapOnnxModel(errorModel('x', 'a', [{ name: 'a', shape: ['N', 4] }]), { higherIs: 'anomalous' }, 'wide.onnx')).toThrow(
      /wide\.onnx: output a \(float32 \[N, 4\]\) holds more than one value per row/,
    );
    expect(() => wrapOnnxModel(new Uint8Array([0xff, 0xff, 0xff]), { higherIs: 'anomalous' }, 'junk.onnx')).toThrow(/junk\.onnx is not a valid ONNX protobuf/);
  });
});
