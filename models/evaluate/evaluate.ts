/**
 * Evaluating a model on labelled history: the CSV goes through the same feature pipeline as the
 * agent, the model's ONNX file scores it through the same scorer as the scoring function, and the
 * scores are compared with the labels.
 */
import { featureSetFor, featureSetMismatch } from '../../core/features.js';
import type { Manifest } from '../../core/manifest.js';
import { createOnnxScorer } from '../../model-store/onnx-scorer.js';
import { hostHabituation, memoryRows, type MemoryInput } from '../../model-store/habituation.js';
import { branchDistancesOf } from '../../model-store/metric-extremeness.js';
import { readModelDir } from '../../model-store/artifact.js';
import { readMetricCsv, type CsvOptions, type MetricCsv, type RowClock } from '../csv.js';
import { featureRowsOf } from '../csv-features.js';
import { FeaturePipeline, type FeatureOptions } from '../../features/pipeline.js';
import { firstTrainingRow } from '../../features/warm-up.js';
import { readLabels, type Labels } from './labels.js';
import { metricsAt, rocAuc, rocCurve, thresholdSweep, windowDetections, type PointMetrics, type WindowDetection } from './metrics.js';

export interface EvaluateOptions {
  readonly modelDir: string;
  readonly input: string;
  readonly labels: string;
  readonly labelsKey?: string;
  /**
   * History just before `input` (for example the file the model was trained on): the feature
   * pipeline runs through it first, so the evaluated rows start with a warm pipeline.
   */
  readonly history?: string;
  /** For files without timestamps: the clock of `history`, or of `input` when there is no history; `input` continues it. */
  readonly clock?: RowClock;
  /** How to read `input` and `history` (their time column). */
  readonly csv?: CsvOptions;
  /**
   * Leading rows left out of the metrics while the feature pipeline warms up. Default: none after
   * a history, else the warm-up training leaves out too (features/warm-up.ts).
   */
  readonly skipRows?: number;
  readonly features?: Partial<FeatureOptions>;
}

export interface Evaluation {
  readonly input: string;
  readonly modelDir: string;
  readonly manifest: Manifest;
  readonly csv: MetricCsv;
  readonly scores: Float32Array;
  /** The feature vector of each evaluated row. */
  readonly features: readonly Float64Array[];
  readonly labels: Labels;
  readonly skipRows: number;
  /** At the manifest's threshold. */
  readonly atThreshold: PointMetrics;
  /** The swept threshold with the best F1. */
  readonly best: PointMetrics;
  readonly sweep: PointMetrics[];
  readonly auc: number | undefined;
  readonly roc: { fpr: number; tpr: number }[];
  readonly windows: WindowDetection[];
}

const BATCH_ROWS = 5000;

export async function evaluateModel(options: EvaluateOptions): Promise<Evaluation> {
  const { onnx, manifest } = readModelDir(options.modelDir);
  const featureSet = featureSetFor(manifest.featureSet.metrics, manifest.featureSet.logViews);
  const mismatch = featureSetMismatch(featureSet, manifest.featureSet);
  if (mismatch) throw new Error(`model ${options.modelDir}: ${mismatch}`);
  const history = options.history === undefined ? undefined : readMetricCsv(options.history, options.clock, options.csv);
  const clock =
    options.clock && history ? { ...options.clock, startMs: options.clock.startMs + history.timestamps.length * options.clock.intervalMs } : options.clock;
  const csv = readMetricCsv(options.input, clock, options.csv);
  requireColumns(options.input, csv, featureSet.metrics, manifest.name);
  if (history) requireColumns(options.history!, history, featureSet.metrics, manifest.name);
  const labels = readLabels(options.labels, csv, options.input, options.labelsKey, clock);
  const skipRows = options.skipRows ?? (history ? 0 : firstTrainingRow(csv.timestamps));
  if (!Number.isInteger(skipRows) || skipRows < 0 || skipRows >= csv.timestamps.length) {
    throw new Error(`skip rows must be an integer from 0 to ${csv.timestamps.length - 1} (the file has ${csv.timestamps.length} rows); got ${skipRows}`);
  }

  const pipeline = new FeaturePipeline(featureSet, options.features);
  const historyFeatures = history ? featureRowsOf(history, pipeline) : [];
  const features = featureRowsOf(csv, pipeline);
  // As the scoring function keeps it: the host's memory of its excursions, through the history first.
  const branch = branchDistancesOf(manifest);
  const memory =
    branch &&
    memoryRows(
      hostHabituation([...historyFeatures, ...features], [...(history?.timestamps ?? []), ...csv.timestamps], branch),
      historyFeatures.length,
      features.length,
      branch.metrics.length,
    );
  const scores = await scoreRows(features, onnx, featureSet.names.length, options.modelDir, memory);
  const s = scores.subarray(skipRows);
  const l = labels.perRow.subarray(skipRows);
  const sweep = thresholdSweep(s, l);
  const atThreshold = metricsAt(s, l, manifest.threshold);
  const best = sweep.reduce((a, b) => (b.f1 > a.f1 ? b : a), atThreshold);
  const windows = windowDetections(
    scores,
    labels.windows.filter((w) => w.end >= skipRows).map((w) => ({ start: Math.max(w.start, skipRows), end: w.end })),
    manifest.threshold,
  );
  return {
    input: options.input,
    modelDir: options.modelDir,
    manifest,
    csv,
    scores,
    features,
    labels,
    skipRows,
    atThreshold,
    best,
    sweep,
    auc: rocAuc(s, l),
    roc: rocCurve(s, l),
    windows,
  };
}

/** Throws naming the file, the missing columns and the fix when `table` lacks one of the model's metrics. */
function requireColumns(file: string, table: MetricCsv, metrics: readonly string[], modelName: string): void {
  const missing = metrics.filter((m) => !table.metrics.includes(m));
  if (missing.length > 0) {
    throw new Error(
      `${file}:1: no column for ${missing.join(', ')}, which the model ${modelName} was trained on (it has ${table.metrics.join(', ')}): evaluate on a CSV with columns timestamp,${metrics.join(',')}`,
    );
  }
}

async function scoreRows(
  featureRows: readonly Float64Array[],
  onnx: Uint8Array,
  width: number,
  source: string,
  memory: MemoryInput | undefined,
): Promise<Float32Array> {
  const rows = featureRows.length;
  const features = new Float32Array(rows * width);
  featureRows.forEach((row, i) => features.set(row, i * width));
  const scorer = await createOnnxScorer(onnx, width, source);
  const metrics = scorer.habituationWidth;
  if (metrics > 0 && memory?.habituation.length !== rows * metrics) {
    await scorer.release();
    const covered = memory && rows > 0 ? memory.habituation.length / rows : 0;
    throw new Error(
      `the model ${source} takes a habituation input of ${metrics} metrics, but its manifest's reach covers ${covered}: train it again with this version of vigil`,
    );
  }
  try {
    const scores = new Float32Array(rows);
    for (let start = 0; start < rows; start += BATCH_ROWS) {
      const n = Math.min(BATCH_ROWS, rows - start);
      scores.set(await scorer.score(features.subarray(start * width, (start + n) * width), n, memory && memoryRows(memory, start, n, metrics)), start);
    }
    return scores;
  } finally {
    await scorer.release();
  }
}
