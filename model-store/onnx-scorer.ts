/**
 * An ONNX model as a batch scorer: one session per model, one `run` per batch.
 * One intra-op thread: a Lambda function (or a small host) has one or two vCPUs, and extra
 * threads only contend with the event loop.
 */
import type * as Ort from 'onnxruntime-node';
import { ONNX_INPUT, ONNX_OUTPUT } from '../core/manifest.js';

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
  /** Scores `rows` rows of `featureCount` float32 features each, row-major. */
  score(features: Float32Array, rows: number): Promise<Float32Array>;
  release(): Promise<void>;
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
  return {
    featureCount,
    async score(features, rows) {
      if (rows === 0) return new Float32Array(0);
      const input = new ort.Tensor('float32', features.subarray(0, rows * featureCount), [rows, featureCount]);
      const output = (await session.run({ [ONNX_INPUT]: input }, [ONNX_OUTPUT]))[ONNX_OUTPUT];
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
