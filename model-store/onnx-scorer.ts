/**
 * An ONNX model as a batch scorer: one session per model, one `run` per batch.
 * One intra-op thread: a Lambda function (or a small host) has one or two vCPUs, and extra
 * threads only contend with the event loop.
 */
import type * as Ort from 'onnxruntime-node';
import { ONNX_DWELL_INPUT, ONNX_HABITUATION_INPUT, ONNX_INPUT, ONNX_OUTPUT, ONNX_PREVIOUS_INPUT } from '../core/manifest.js';
import { emptyMemoryInput, type MemoryInput } from './habituation.js';

let runtime: Promise<typeof Ort> | undefined;

/**
 * onnxruntime-node, loaded on first use rather than at import: its native library takes tens of
 * milliseconds to load, which a cold start spends while the model downloads (model-cache.ts).
 */
export function loadOnnxRuntime(): Promise<typeof Ort> {
  runtime ??= import('onnxruntime-node').catch((cause: unknown) => {
    runtime = undefined;
    throw new Error(
      `onnxruntime-node cannot be loaded: ${(cause as Error).message}; the function's asset must carry it (infra/onnxruntime-bundle.ts), locally run \`npm ci\``,
      { cause },
    );
  });
  return runtime;
}

export interface BatchScorer {
  readonly featureCount: number;
  /** Values per row of the model's memory inputs (the metrics of its extremeness branch), 0 when it has none. */
  readonly habituationWidth: number;
  /**
   * Scores `rows` rows of `featureCount` float32 features each, row-major; `memory`, `rows` rows of
   * `habituationWidth` values each (model-store/habituation.ts), as for samples no memory knows when left out.
   */
  score(features: Float32Array, rows: number, memory?: MemoryInput): Promise<Float32Array>;
  release(): Promise<void>;
}

/** The memory inputs a session takes (models/onnx/export.ts), each float32 [N, width]. */
export interface MemoryInputs {
  readonly width: number;
  /** Whether the model has the `previous_distance` input too (models exported before it have only `habituation`). */
  readonly previous: boolean;
  /** Whether the model has the `dwell_distance` input too (models trained before dwell do not). */
  readonly dwell: boolean;
}

/**
 * Values per row of a session's memory inputs (models/onnx/export.ts), 0 when the model has none (a
 * model exported before them, or one brought from elsewhere), and whether it takes the previous sample's.
 */
export function memoryInputsOf(session: Ort.InferenceSession, source: string): MemoryInputs {
  const widthOf = (name: string): number | undefined => {
    const input = session.inputMetadata.find((m) => m.name === name);
    if (!input) return undefined;
    const width = input.isTensor ? input.shape[1] : undefined;
    if (typeof width !== 'number' || !(width > 0)) {
      throw new Error(
        `the model ${source} has a "${name}" input of shape [${input.isTensor ? input.shape.join(', ') : 'not a tensor'}]; the model contract needs float32 [N, metrics]: re-export it`,
      );
    }
    return width;
  };
  const width = widthOf(ONNX_HABITUATION_INPUT) ?? 0;
  const present = (name: string): boolean => {
    const other = widthOf(name);
    if (other !== undefined && other !== width) {
      throw new Error(
        `the model ${source} has a "${name}" input of ${other} metrics and a "${ONNX_HABITUATION_INPUT}" input of ${width}; the model contract needs both of the branch's metrics: re-export it`,
      );
    }
    return other !== undefined;
  };
  return { width, previous: present(ONNX_PREVIOUS_INPUT), dwell: present(ONNX_DWELL_INPUT) };
}

/** The inputs of one run: the features, and the memory inputs the model has (as for samples no memory knows when not given). */
export function onnxFeeds(
  ort: typeof Ort,
  inputs: MemoryInputs,
  features: Float32Array,
  rows: number,
  featureCount: number,
  memory?: MemoryInput,
): Record<string, Ort.Tensor> {
  const feeds: Record<string, Ort.Tensor> = { [ONNX_INPUT]: new ort.Tensor('float32', features.subarray(0, rows * featureCount), [rows, featureCount]) };
  const { width } = inputs;
  if (width > 0) {
    const values = memory ?? emptyMemoryInput(rows, width, inputs.dwell);
    // A memory kept for a branch without a dwell band (a model published without one): no dwell.
    const dwell = inputs.dwell ? (values.dwell ?? new Float32Array(rows * width)) : undefined;
    if (values.habituation.length < rows * width || values.previous.length < rows * width || (dwell && dwell.length < rows * width)) {
      throw new Error(
        `${values.habituation.length} habituation, ${values.previous.length} previous-distance and ${dwell?.length ?? 'no'} dwell values for ${rows} rows of ${width}: the batch was read wrong`,
      );
    }
    const tensor = (values: Float32Array) => new ort.Tensor('float32', values.subarray(0, rows * width), [rows, width]);
    feeds[ONNX_HABITUATION_INPUT] = tensor(values.habituation);
    if (inputs.previous) feeds[ONNX_PREVIOUS_INPUT] = tensor(values.previous);
    if (dwell) feeds[ONNX_DWELL_INPUT] = tensor(dwell);
  }
  return feeds;
}

export async function createOnnxScorer(onnx: Uint8Array, featureCount: number, source: string): Promise<BatchScorer> {
  const ort = await loadOnnxRuntime();
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  } catch (cause) {
    throw new Error(`onnxruntime cannot load the model ${source}: ${(cause as Error).message}; publish a valid ONNX file`, { cause });
  }
  if (!session.inputNames.includes(ONNX_INPUT) || !session.outputNames.includes(ONNX_OUTPUT)) {
    await session.release();
    throw new Error(
      `the model ${source} has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]; the model contract needs input "${ONNX_INPUT}" and output "${ONNX_OUTPUT}": re-export it`,
    );
  }
  let inputs: MemoryInputs;
  try {
    inputs = memoryInputsOf(session, source);
  } catch (error) {
    await session.release();
    throw error;
  }
  return {
    featureCount,
    habituationWidth: inputs.width,
    async score(features, rows, memory) {
      if (rows === 0) return new Float32Array(0);
      const output = (await session.run(onnxFeeds(ort, inputs, features, rows, featureCount, memory), [ONNX_OUTPUT]))[ONNX_OUTPUT];
      if (!output || !(output.data instanceof Float32Array) || output.data.length !== rows) {
        throw new Error(
          `the model ${source} returned ${output ? `${output.type} data of ${output.data.length} values` : 'no score'} for ${rows} rows; the model contract needs float32 [N] scores: re-export it`,
        );
      }
      return output.data;
    },
    release: () => session.release(),
  };
}
