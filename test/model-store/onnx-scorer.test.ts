/** Which memory inputs a model's graph declares, and what the scorer feeds it (model-store/onnx-scorer.ts). */
import { describe, expect, it } from 'vitest';
import { ONNX_DWELL_INPUT, ONNX_HABITUATION_INPUT, ONNX_INPUT, ONNX_OUTPUT, ONNX_PREVIOUS_INPUT } from '../../core/manifest.js';
import { emptyMemoryInput } from '../../model-store/habituation.js';
import { createOnnxScorer } from '../../model-store/onnx-scorer.js';
import { DataType, attr, encodeModel, tensor, type ValueInfo } from '../../models/onnx/proto.js';

/**
 * A graph scoring each row as the sum of its features and of its memory inputs (previous distances
 * clipped at 100, so +Infinity reads as 100): what it is fed shows in the score.
 */
function summingModel(memory: readonly ValueInfo[]): Uint8Array {
  const sums = [ONNX_INPUT, ...memory.map((m) => m.name)].map((name) => ({
    opType: 'ReduceSum',
    input: [name === ONNX_PREVIOUS_INPUT ? 'previous_clipped' : name, 'row_axis'],
    output: [`${name}_sum`],
    attribute: [attr.int('keepdims', 0)],
  }));
  return encodeModel({
    graph: {
      name: 'summing',
      nodes: [
        { opType: 'Min', input: [ONNX_PREVIOUS_INPUT, 'hundred'], output: ['previous_clipped'] },
        ...sums,
        { opType: 'Sum', input: sums.map((s) => s.output[0]!), output: [ONNX_OUTPUT] },
      ].filter((node) => memory.some((m) => m.name === ONNX_PREVIOUS_INPUT) || node.opType !== 'Min'),
      inputs: [{ name: ONNX_INPUT, elemType: DataType.FLOAT, shape: ['N', 2] }, ...memory],
      outputs: [{ name: ONNX_OUTPUT, elemType: DataType.FLOAT, shape: ['N'] }],
      initializers: [tensor.int64('row_axis', [1], [1]), tensor.float('hundred', [], [100])],
    },
    opsets: { '': 17 },
  });
}

const memoryInput = (name: string, width: number): ValueInfo => ({ name, elemType: DataType.FLOAT, shape: ['N', width] });
const features = Float32Array.from([1, 2, 3, 4]);

describe("the scorer's memory inputs", () => {
  it('feeds both to a model that takes both, as for samples no memory knows when none are given', async () => {
    const scorer = await createOnnxScorer(summingModel([memoryInput(ONNX_HABITUATION_INPUT, 3), memoryInput(ONNX_PREVIOUS_INPUT, 3)]), 2, 'test');
    expect(scorer.habituationWidth).toBe(3);
    const memory = emptyMemoryInput(2, 3);
    memory.habituation.set([1, 0, 0, 0, 0, 2]);
    memory.previous.set([0.5, 0, 0, 1, 1, 1]);
    expect(Array.from(await scorer.score(features, 2, memory))).toEqual([3 + 1 + 0.5, 7 + 2 + 3]);
    expect(Array.from(await scorer.score(features, 2))).toEqual([3 + 300, 7 + 300]); // no habituation, previous +Infinity
    await scorer.release();
  });

  it('feeds the dwell to a model that takes it, zeros when none are given', async () => {
    const all = [ONNX_HABITUATION_INPUT, ONNX_PREVIOUS_INPUT, ONNX_DWELL_INPUT].map((name) => memoryInput(name, 3));
    const scorer = await createOnnxScorer(summingModel(all), 2, 'test');
    const memory = emptyMemoryInput(2, 3, true);
    memory.previous.fill(0);
    memory.dwell!.set([0.5, 0.25, 0, 1, 0, 0]);
    expect(Array.from(await scorer.score(features, 2, memory))).toEqual([3 + 0.75, 7 + 1]);
    expect(Array.from(await scorer.score(features, 2))).toEqual([3 + 300, 7 + 300]);
    // A memory kept without a band (the host's model before had none): zeros.
    const withoutDwell = emptyMemoryInput(2, 3);
    withoutDwell.previous.fill(0);
    expect(Array.from(await scorer.score(features, 2, withoutDwell))).toEqual([3, 7]);
    await scorer.release();
    const broken = summingModel([...all.slice(0, 2), memoryInput(ONNX_DWELL_INPUT, 2)]);
    await expect(createOnnxScorer(broken, 2, 'broken')).rejects.toThrow(
      /the model broken has a "dwell_distance" input of 2 metrics and a "habituation" input of 3/,
    );
  });

  it('feeds a model exported before the previous distance only its habituation', async () => {
    const scorer = await createOnnxScorer(summingModel([memoryInput(ONNX_HABITUATION_INPUT, 3)]), 2, 'older');
    expect(scorer.habituationWidth).toBe(3);
    const memory = emptyMemoryInput(2, 3);
    memory.habituation.fill(1);
    expect(Array.from(await scorer.score(features, 2, memory))).toEqual([6, 10]);
    await scorer.release();
  });

  it('refuses a model whose two memory inputs disagree on the metrics, naming both', async () => {
    const broken = summingModel([memoryInput(ONNX_HABITUATION_INPUT, 3), memoryInput(ONNX_PREVIOUS_INPUT, 4)]);
    await expect(createOnnxScorer(broken, 2, 'broken')).rejects.toThrow(
      /the model broken has a "previous_distance" input of 4 metrics and a "habituation" input of 3; .*re-export it/,
    );
  });
});
