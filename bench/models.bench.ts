/**
 * Area `models`: the default fleet model (host feature set, trainModel defaults) on 10,000 rows of
 * simulated host features.
 * - onnx_vs_js_speedup: ml-isolation-forest predict() time / onnxruntime-node time, same trees,
 *   same 10,000 rows, same run (medians of several runs, one intra-op thread).
 * - session_create_ms: median time to create an onnxruntime session from the model bytes.
 * - onnx_bytes: size of model.onnx.
 */
import * as ort from 'onnxruntime-node';
import { HOST_FEATURE_SET } from '../core/features.js';
import { ONNX_OUTPUT } from '../core/manifest.js';
import { FeaturePipeline } from '../features/pipeline.js';
import { seededRandom } from '../models/forest/random.js';
import { trainModel } from '../models/train.js';
import { memoryInputsOf, onnxFeeds } from '../model-store/onnx-scorer.js';
import { median, type BenchArea, type BenchResult } from './types.js';

const ROWS = 10_000;
const RUNS = 7;
const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' };

/** Feature vectors of one simulated host: daily shape, noise, and occasional bursts. */
function hostFeatures(count: number, seed: number): Float64Array[] {
  const random = seededRandom(seed);
  const pipeline = new FeaturePipeline(HOST_FEATURE_SET);
  const start = Date.UTC(2026, 0, 5);
  const rows: Float64Array[] = [];
  for (let i = 0; i < count; i++) {
    const t = start + i * 60_000;
    const daily = Math.sin((2 * Math.PI * i) / 1440);
    const burst = random() < 0.01 ? 3 : 1;
    const values: Record<string, number> = {};
    HOST_FEATURE_SET.metrics.forEach((metric, k) => (values[metric] = Math.max(0, (20 + 10 * daily + 3 * random()) * (1 + k) * burst)));
    rows.push(pipeline.push({ t, values }));
  }
  return rows;
}

async function timeIt(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const area: BenchArea = {
  area: 'models',
  description: 'ONNX export of the default model vs ml-isolation-forest predict(), session creation, model size',
  async run(): Promise<BenchResult[]> {
    const history = hostFeatures(ROWS * 2, 1);
    const model = trainModel(history.slice(0, ROWS), HOST_FEATURE_SET);
    const F = HOST_FEATURE_SET.names.length;
    // The batch: the next 10,000 rows, as float32 (the model's input type) for both sides.
    const batch = history.slice(ROWS).map((row) => Float32Array.from(row));
    const flat = new Float32Array(ROWS * F);
    batch.forEach((row, r) => flat.set(row, r * F));
    const packageForest = model.forest.toPackageForest();

    const createTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      let session: ort.InferenceSession | undefined;
      createTimes.push(await timeIt(async () => (session = await ort.InferenceSession.create(model.onnx, SESSION_OPTIONS))));
      await session!.release();
    }

    const session = await ort.InferenceSession.create(model.onnx, SESSION_OPTIONS);
    const score = async (): Promise<Float32Array> =>
      (await session.run(onnxFeeds(ort, memoryInputsOf(session, 'bench'), flat, ROWS, F)))[ONNX_OUTPUT]!.data as Float32Array;
    // The ONNX model is the hybrid (forest and extremeness branch): checked against its JS reference,
    // whose forest part is the same trees predict() walks.
    const check = await score();
    const reference = model.score(batch);
    const worst = reference.reduce((w, s, i) => Math.max(w, Math.abs(s - check[i]!)), 0);
    if (worst > 1e-6)
      throw new Error(`the ONNX model and its JS reference disagree by ${worst} on the benchmark rows: run the parity test (test/models/onnx-export.test.ts)`);

    const onnxTimes: number[] = [];
    const packageTimes: number[] = [];
    const jsTimes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Interleaved, so both sides see the same machine load.
      onnxTimes.push(await timeIt(score));
      packageTimes.push(await timeIt(() => packageForest.predict(batch)));
      jsTimes.push(await timeIt(() => model.forest.score(batch)));
    }
    await session.release();
    const onnxMs = median(onnxTimes);
    const packageMs = median(packageTimes);
    return [
      {
        metric: 'onnx_vs_js_speedup',
        value: packageMs / onnxMs,
        unit: 'x',
        note: `predict() ${packageMs.toFixed(1)} ms / onnxruntime ${onnxMs.toFixed(1)} ms, ${ROWS} rows x ${F} features, median of ${RUNS}`,
      },
      {
        metric: 'onnx_vs_forest_score_speedup',
        value: median(jsTimes) / onnxMs,
        unit: 'x',
        note: `vigil's flat-array Forest.score ${median(jsTimes).toFixed(1)} ms / onnxruntime, same rows`,
      },
      {
        metric: 'session_create_ms',
        value: median(createTimes),
        unit: 'ms',
        note: `InferenceSession.create from bytes, median of ${RUNS}, ${model.forest.trees.length} trees`,
      },
      {
        metric: 'onnx_bytes',
        value: model.onnx.byteLength,
        unit: 'bytes',
        note: `model.onnx of the default model (${model.forest.trees.length} trees, ${model.forest.sampleSize} rows per tree)`,
      },
    ];
  },
};

export default area;
