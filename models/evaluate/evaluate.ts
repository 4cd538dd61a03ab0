/**
 * Evaluating a model on labelled history: the CSV goes through the same feature pipeline as the
 * agent, the model's ONNX file scores it through the same scorer as the scoring function, and the
 * scores are compared with the labels.
 */
import { featureSetFor, featureSetMismatch } from '../../core/features.js';
import type { Manifest } from '../../core/manifest.js';
import { createOnnxScorer } from '../../model-store/onnx-scorer.js';
import { readModelDir } from '../../model-store/artifact.js';
import { readMetricCsv, type MetricCsv } from '../csv.js';
import { FeaturePipeline, type FeatureOptions } from '../../features/pipeline.js';
import { readLabels, type Labels } from './labels.js';
import { metricsAt, rocAuc, rocCurve, thresholdSweep, windowDetections, type PointMetrics, type WindowDetection } from './metrics.js';

export interface EvaluateOptions {
  readonly modelDir: string;
  readonly input: string;
  readonly labels: string;
  readonly labelsKey?: string;
  /** Leading rows left out of the metrics while the feature pipeline warms up. Default 0. */
  readonly skipRows?: number;
  readonly features?: Partial<FeatureOptions>;
}

export interface Evaluation {
  readonly input: string;
  readonly modelDir: string;
  readonly manifest: Manifest;
  readonly csv: MetricCsv;
  readonly scores: Float32Array;
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
  const featureSet = featureSetFor(manifest.featureSet.metrics);
  const mismatch = featureSetMismatch(featureSet, manifest.featureSet);
  if (mismatch) throw new Error(`model ${options.modelDir}: ${mismatch}`);
  const csv = readMetricCsv(options.input);
  const missing = featureSet.metrics.filter((m) => !csv.metrics.includes(m));
  if (missing.length > 0) {
    throw new Error(
      `${options.input}:1: no column for ${missing.join(', ')}, which the model ${manifest.name} was trained on (it has ${csv.metrics.join(', ')}): evaluate on a CSV with columns timestamp,${featureSet.metrics.join(',')}`,
    );
  }
  const labels = readLabels(options.labels, csv, options.input, options.labelsKey);
  const skipRows = options.skipRows ?? 0;
  if (!Number.isInteger(skipRows) || skipRows < 0 || skipRows >= csv.timestamps.length) {
    throw new Error(`skip rows must be an integer from 0 to ${csv.timestamps.length - 1} (the file has ${csv.timestamps.length} rows); got ${skipRows}`);
  }

  const scores = await scoreRows(csv, featureSet.metrics, onnx, featureSet.names.length, options);
  const s = scores.subarray(skipRows);
  const l = labels.perRow.subarray(skipRows);
  const sweep = thresholdSweep(s, l);
  const atThreshold = metricsAt(s, l, manifest.threshold);
  const best = sweep.reduce((a, b) => (b.f1 > a.f1 ? b : a), atThreshold);
  const windows = windowDetections(scores, labels.windows.filter((w) => w.end >= skipRows).map((w) => ({ start: Math.max(w.start, skipRows), end: w.end })), manifest.threshold);
  return { input: options.input, modelDir: options.modelDir, manifest, csv, scores, labels, skipRows, atThreshold, best, sweep, auc: rocAuc(s, l), roc: rocCurve(s, l), windows };
}

async function scoreRows(csv: MetricCsv, metrics: readonly string[], onnx: Uint8Array, width: number, options: EvaluateOptions): Promise<Float32Array> {
  const pipeline = new FeaturePipeline(featureSetFor(metrics), options.features);
  const rows = csv.timestamps.length;
  const features = new Float32Array(rows * width);
  for (let i = 0; i < rows; i++) {
    const values: Record<string, number> = {};
    for (const m of metrics) values[m] = csv.columns[m]![i]!;
    features.set(pipeline.push({ t: csv.timestamps[i]!, values }), i * width);
  }
  const scorer = await createOnnxScorer(onnx, width, options.modelDir);
  try {
    const scores = new Float32Array(rows);
    for (let start = 0; start < rows; start += BATCH_ROWS) {
      const n = Math.min(BATCH_ROWS, rows - start);
      scores.set(await scorer.score(features.subarray(start * width, (start + n) * width), n), start);
    }
    return scores;
  } finally {
    await scorer.release();
  }
}
