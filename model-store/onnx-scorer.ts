/**
 * An ONNX model as a batch scorer: one session per model, one `run` per batch.
 * One intra-op thread: a Lambda function (or a small host) has one or two vCPUs, and extra
 * threads only contend with the event loop.
 */
import type * as Ort from 'onnxruntime-node';
import { ONNX_HABITUATION_INPUT, ONNX_INPUT, ONNX_OUTPUT } from '../core/manifest.js';

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
  /** Values per row of the model's habituation input (the metrics of its extremeness branch), 0 when it has none. */
  readonly habituationWidth: number;
  /**
   * Scores `rows` rows of `featureCount` float32 features each, row-major; `habituation`, `rows` rows of
   * `habituationWidth` values (model-store/habituation.ts), zeros when left out.
   */
  score(features: Float32Array, rows: number, habituation?: Float32Array): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * Values per row of a session's habituation input (models/onnx/export.ts), 0 when the model has none
 * (a model exported before it, or one brought from elsewhere).
 */
export function habituationWidthOf(session: Ort.InferenceSession, source: string): number {
  const input = session.inputMetadata.find((m) => m.name === ONNX_HABITUATION_INPUT);
  if (!input) return 0;
  const width = input.isTensor ? input.shape[1] : undefined;
  if (typeof width !== 'number' || !(width > 0)) {
    throw new Error(
      `the model ${source} has a "${ONNX_HABITUATION_INPUT}" input of shape [${input.isTensor ? input.shape.join(', ') : 'not a tensor'}]; the model contract needs float32 [N, metrics]: re-export it`,
    );
  }
  return width;
}

/** The inputs of one run: the features, and the habituation input where the model has one (zeros when not given). */
export function onnxFeeds(
  ort: typeof Ort,
  habituationWidth: number,
  features: Float32Array,
  rows: number,
  featureCount: number,
  habituation?: Float32Array,
): Record<string, Ort.Tensor> {
  const feeds: Record<string, Ort.Tensor> = { [ONNX_INPUT]: new ort.Tensor('float32', features.subarray(0, rows * featureCount), [rows, featureCount]) };
  if (habituationWidth > 0) {
    const values = habituation ?? new Float32Array(rows * habituationWidth);
    if (values.length < rows * habituationWidth) {
      throw new Error(`${values.length} habituation values for ${rows} rows of ${habituationWidth}: the batch was read wrong`);
    }
    feeds[ONNX_HABITUATION_INPUT] = new ort.Tensor('float32', values.subarray(0, rows * habituationWidth), [rows, habituationWidth]);
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
  let habituationWidth: number;
  try {
    habituationWidth = habituationWidthOf(session, source);
  } catch (error) {
    await session.release();
    throw error;
  }
  return {
    featureCount,
    habituationWidth,
    async score(features, rows, habituation) {
      if (rows === 0) return new Float32Array(0);
      const output = (await session.run(onnxFeeds(ort, habituationWidth, features, rows, featureCount, habituation), [ONNX_OUTPUT]))[ONNX_OUTPUT];
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
