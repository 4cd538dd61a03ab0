/**
 * Importing a model trained elsewhere: its ONNX graph wrapped to the contract (onnx-wrap.ts), then
 * scored on a CSV of history through the production feature pipeline to calibrate the threshold and
 * severity cut points and to take the per-feature baseline for attribution, as `vigil train` does
 * for its own models. A threshold that no row of that history reaches is refused: such a model would
 * never flag anything.
 */
import type { Manifest } from '../../core/manifest.js';
import { FeaturePipeline } from '../../features/pipeline.js';
import { firstTrainingRow } from '../../features/warm-up.js';
import { buildManifest } from '../../model-store/artifact.js';
import { createOnnxScorer } from '../../model-store/onnx-scorer.js';
import { featureRowsOf, featureSetOfColumns } from '../csv-features.js';
import type { MetricCsv } from '../csv.js';
import { baselineOf, calibrate, DEFAULT_CONTAMINATION } from '../train.js';
import { wrapOnnxModel, type WrapOptions } from './onnx-wrap.js';

export interface ImportOptions extends WrapOptions {
  readonly name: string;
  /** A threshold chosen by the user; default: calibrated with `contamination`. */
  readonly threshold?: number;
  /** Share of the calibration rows to flag when no threshold is given. */
  readonly contamination?: number;
  readonly version?: string;
  /** Where the model and the calibration data came from, for the manifest. */
  readonly source: string;
  readonly calibrationSource: string;
}

export interface ImportedModel {
  readonly onnx: Uint8Array;
  readonly manifest: Manifest;
  readonly changes: string[];
  /** Calibration rows (after the feature warm-up) and how many of them reach the threshold. */
  readonly rows: number;
  readonly flagged: number;
  readonly highestScore: number;
}

/** Score cut points above a given threshold: a quarter, half and one spread (threshold - median) above it. */
function cutPoints(threshold: number, scores: Float64Array): Manifest['severity'] {
  const sorted = Float64Array.from(scores).sort();
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const spread = Math.max(threshold - median, 1e-6);
  return { low: threshold, medium: threshold + 0.25 * spread, high: threshold + 0.5 * spread, critical: threshold + spread };
}

export async function importOnnxModel(model: Uint8Array, csv: MetricCsv, options: ImportOptions): Promise<ImportedModel> {
  const wrapped = wrapOnnxModel(model, options, options.source);
  const featureSet = featureSetOfColumns(csv.metrics);
  const width = featureSet.names.length;
  if (wrapped.featureCount !== undefined && wrapped.featureCount !== width)
    throw new Error(
      `${options.source} takes ${wrapped.featureCount} features, and the ${featureSet.metrics.length} metrics of ${options.calibrationSource} (${featureSet.metrics.join(', ')}) give ${width}: train on the features \`vigil features\` computes from a CSV with the same metric columns`,
    );
  const rows = featureRowsOf(csv, new FeaturePipeline(featureSet)).slice(firstTrainingRow(csv.timestamps));
  const scorer = await createOnnxScorer(wrapped.onnx, width, options.source);
  const scores = new Float64Array(rows.length);
  try {
    const BATCH = 4096;
    for (let start = 0; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH);
      const features = new Float32Array(batch.length * width);
      batch.forEach((row, r) => features.set(row, r * width));
      scores.set(await scorer.score(features, batch.length), start);
    }
  } finally {
    await scorer.release();
  }
  const highestScore = scores.reduce((a, b) => Math.max(a, b), -Infinity);
  if (!Number.isFinite(highestScore)) throw new Error(`${options.source} gives no finite score on ${options.calibrationSource}: check the model and the data`);
  let calibrated: Pick<Manifest, 'threshold' | 'severity'>;
  if (options.threshold !== undefined) {
    if (options.threshold > highestScore)
      throw new Error(
        `no row of ${options.calibrationSource} reaches the threshold ${options.threshold} (the highest of ${rows.length} scores is ${highestScore.toPrecision(6)}): the model would never flag anything; give a threshold at or below it, or leave --threshold out to calibrate one with --contamination`,
      );
    calibrated = { threshold: options.threshold, severity: cutPoints(options.threshold, scores) };
  } else {
    calibrated = calibrate(scores, options.contamination ?? DEFAULT_CONTAMINATION);
    // calibrate caps severity cut points at 1, the largest score of vigil's own models; an imported model's scores may go higher.
    if (calibrated.threshold >= 1) calibrated = { threshold: calibrated.threshold, severity: cutPoints(calibrated.threshold, scores) };
  }
  const flagged = scores.reduce((n, s) => n + (s >= calibrated.threshold ? 1 : 0), 0);
  const manifest = buildManifest({
    name: options.name,
    ...(options.version ? { version: options.version } : {}),
    onnx: wrapped.onnx,
    featureSet,
    ...calibrated,
    baseline: baselineOf(rows, width),
    training: {
      algorithm: 'imported ONNX model',
      rows: rows.length,
      params: {
        higherIs: options.higherIs,
        ...(options.input ? { input: options.input } : {}),
        ...(options.output ? { output: options.output } : {}),
        ...(options.threshold === undefined ? { contamination: options.contamination ?? DEFAULT_CONTAMINATION } : {}),
        calibration: options.calibrationSource,
      },
      source: options.source,
    },
    evaluation: { calibrationRows: rows.length, calibrationFlaggedShare: rows.length ? flagged / rows.length : 0 },
  });
  return { onnx: wrapped.onnx, manifest, changes: wrapped.changes, rows: rows.length, flagged, highestScore };
}
