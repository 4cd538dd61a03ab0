/**
 * Training a model: Isolation Forest on feature vectors -> ONNX bytes + manifest.
 *
 * Calibration from the training data (no labels needed):
 * - threshold: just above the highest training score that is not among the top `contamination`
 *   share (default 0.2%), so at most that share of the training rows is flagged, also when many
 *   rows tie (a flat series gives every row the same score: none of them is flagged). The margin
 *   (1e-6) covers the float32 difference between the ONNX and the JS scores;
 * - severity cut points: low at the threshold, then medium / high / critical a quarter, half and
 *   one "spread" above it, where spread = threshold - median training score (how far the threshold
 *   already sits above normal); capped at 1, the largest possible score;
 * - baseline per feature: median and robust scale (1.4826 x median absolute deviation; the mean
 *   absolute deviation when over half the values are equal; 1 for a constant feature; at least
 *   the 95th-percentile distance from the median / 1.96, so a heavy-tailed sparse metric does not
 *   look extreme in every burst), and the extremeness branch's reach per feature, which
 *   model-store/explain.ts uses to rank the metrics that made a sample anomalous;
 * - the hybrid model score (models/extremeness.ts): the ONNX model outputs the extremeness score
 *   plus FOREST_WEIGHT of the forest's score above it, where a single feature far beyond its own
 *   training range (by default three times its 99.9th-percentile distance from the median, the 99th
 *   for a metric's level, at least 3 robust scales) reaches the forest's threshold on its own. The forest alone barely reacts when
 *   one of many features is extreme. The extremeness score is anchored at the threshold calibrated
 *   on the forest's training scores; the model's threshold and severity cut points are then
 *   calibrated the same way on the hybrid's training scores (never above the forest's: the hybrid
 *   is at most the larger of the two scores);
 * - for one host's history (TrainOptions.oneHost), the dwell band per metric (model-store/dwell.ts): its
 *   level's usual range, the 5th to the 95th training percentile, how much of its recent samples the
 *   training rows kept outside it (the share's 99th percentile: beyond it the metric starts to count)
 *   and the reach margin times that (the metric counts as at its reach). The threshold is calibrated on
 *   the training rows with their dwell (it raises scores) and without habituation (it only lowers them;
 *   calibrationMemory).
 */
import type { FeatureSet } from '../core/features.js';
import type { Manifest } from '../core/manifest.js';
import { quantile } from '../core/quantile.js';
import { buildManifest } from '../model-store/artifact.js';
import { metricGroups } from '../model-store/metric-extremeness.js';
import { DWELL_BAND_TAIL, DWELL_SPAN, dwellBandOf, dwellDistancesOf } from '../model-store/dwell.js';
import { HABITUATION_WEIGHT, type MemoryRow } from '../model-store/habituation.js';
import { FOREST_DEFAULTS, trainForest, type Forest, type ForestOptions } from './forest/forest.js';
import { exportForestToOnnx, roundUpToFloat32 } from './onnx/export.js';
import {
  CORROBORATION,
  DEFAULT_REACH_OPTIONS,
  FOREST_WEIGHT,
  extremenessFeatures,
  extremenessRate,
  thresholdCeiling,
  featureKindOf,
  hybridScore,
  reachOf,
  type ExtremenessBranch,
  type ReachOptions,
} from './extremeness.js';

export interface TrainOptions extends ForestOptions {
  /** Expected share of anomalies in the training data; sets the threshold. Default 0.01. */
  readonly contamination?: number;
  /** Model name (lower kebab case). Default `vigil-host`. */
  readonly name?: string;
  /** Where the training data came from (a file name), recorded in the manifest. */
  readonly source?: string;
  /** Default: creation time + sha256 prefix (see buildManifest). */
  readonly version?: string;
  readonly createdAt?: Date;
  /** The extremeness branch's calibration, or false for the forest alone. Default DEFAULT_REACH_OPTIONS. */
  readonly extremeness?: Partial<ReachOptions> | false;
  /**
   * The rows are one host's samples in time order (its history): each metric's dwell band is calibrated on
   * them (model-store/dwell.ts). A metric's usual range and how long it stays out of it are a host's own;
   * a fleet's rows (many hosts, or a sample of rows) train without a band. Default false.
   */
  readonly oneHost?: boolean;
  /** Called as training goes: the forest, then scoring the training rows. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface TrainedModel {
  readonly onnx: Uint8Array;
  readonly manifest: Manifest;
  readonly forest: Forest;
  /** The extremeness branch inside the ONNX model, when there is one. */
  readonly extremeness?: ExtremenessBranch;
  /** The model's score in JS, as the ONNX model computes it (the extremeness branch plus a share of the forest's score above it). */
  score(rows: readonly ArrayLike<number>[]): Float64Array;
}

/**
 * A fleet model scores every host every few seconds: 1% flagged samples would be an anomalous
 * sample per host every quarter of an hour. The extremeness branch catches the gross anomalies
 * on its own, so the forest's threshold can sit higher (docs/detection.md has the measurement).
 */
export const DEFAULT_CONTAMINATION = 0.002;
export const DEFAULT_MODEL_NAME = 'vigil-host';
export const ALGORITHM = 'isolation-forest (ml-isolation-forest 0.1.0, subsampled, seeded)';
export const HYBRID_ALGORITHM = `per-metric extremeness corroborated across metrics (${CORROBORATION} a rank) + ${FOREST_WEIGHT} x the excess of ${ALGORITHM}`;
const SCORE_CHUNK = 5_000;
/** Above the largest ONNX-vs-JS score difference (the parity test bounds it by 1e-6). */
const THRESHOLD_MARGIN = 1e-6;

/** The share of training rows the own threshold leaves above it: `value`, or DEFAULT_CONTAMINATION; refused outside (0, 0.5). */
export function contaminationOf(value: number = DEFAULT_CONTAMINATION): number {
  if (!(value > 0 && value < 0.5)) throw new Error(`contamination must be a share between 0 and 0.5, e.g. 0.01; got ${value}`);
  return value;
}

export function trainModel(rows: readonly ArrayLike<number>[], featureSet: FeatureSet, options: TrainOptions = {}): TrainedModel {
  const contamination = contaminationOf(options.contamination);
  const width = featureSet.names.length;
  rows.forEach((row, r) => {
    if (row.length !== width) {
      throw new Error(
        `training row ${r} has ${row.length} values, the feature set has ${width} (${featureSet.names.join(', ')}): compute the rows with the feature pipeline for this feature set`,
      );
    }
  });
  const forestOptions = {
    trees: options.trees ?? FOREST_DEFAULTS.trees,
    subsample: options.subsample ?? FOREST_DEFAULTS.subsample,
    seed: options.seed ?? FOREST_DEFAULTS.seed,
  };
  const total = forestOptions.trees + rows.length;
  const forest = trainForest(rows, forestOptions);
  options.onProgress?.(forestOptions.trees, total);
  const scores = new Float64Array(rows.length);
  for (let start = 0; start < rows.length; start += SCORE_CHUNK) {
    scores.set(forest.score(rows.slice(start, start + SCORE_CHUNK)), start);
    options.onProgress?.(forestOptions.trees + Math.min(rows.length, start + SCORE_CHUNK), total);
  }
  const forestCalibration = calibrate(scores, contamination);
  const name = options.name ?? DEFAULT_MODEL_NAME;
  const baseline = baselineOf(rows, width);
  const reachOptions = options.extremeness === false ? undefined : { ...DEFAULT_REACH_OPTIONS, ...options.extremeness };
  const extremeness = reachOptions && extremenessBranchOf(rows, featureSet, baseline, forestCalibration.threshold, reachOptions, options.oneHost ?? false);
  const { threshold, severity } = extremeness
    ? calibrate(hybridScores(scores, rows, extremeness, calibrationMemory(rows, extremeness)), contamination, thresholdCeiling(extremeness))
    : forestCalibration;
  const onnx = exportForestToOnnx(forest, {
    metadata: { name, feature_set_version: String(featureSet.version), feature_names: featureSet.names.join(',') },
    ...(extremeness ? { extremeness } : {}),
  });
  const manifest = buildManifest({
    name,
    onnx,
    featureSet,
    threshold,
    severity,
    baseline: extremeness ? { ...baseline, ...branchBaseline(extremeness, width) } : baseline,
    training: {
      algorithm: extremeness ? HYBRID_ALGORITHM : ALGORITHM,
      rows: rows.length,
      seed: forestOptions.seed,
      params: {
        trees: forestOptions.trees,
        subsample: forestOptions.subsample,
        rowsPerTree: forest.sampleSize,
        contamination,
        ...(reachOptions
          ? {
              extremenessTail: reachOptions.tail,
              extremenessLevelTail: reachOptions.levelTail,
              extremenessMargin: reachOptions.margin,
              extremenessMinimumScales: reachOptions.minimumScales,
              extremenessAnchor: forestCalibration.threshold,
              forestWeight: FOREST_WEIGHT,
              corroboration: CORROBORATION,
              habituationWeight: HABITUATION_WEIGHT,
              ...(extremeness?.dwell ? { dwellSpan: DWELL_SPAN, dwellBandTail: DWELL_BAND_TAIL } : {}),
            }
          : {}),
      },
      ...(options.source ? { source: options.source } : {}),
    },
    ...(options.version ? { version: options.version } : {}),
    ...(options.createdAt ? { createdAt: options.createdAt } : {}),
  });
  return { onnx, manifest, forest, ...(extremeness ? { extremeness } : {}), score: (scored) => modelScores(forest, extremeness, scored) };
}

/** The extremeness branch calibrated on the training rows (models/extremeness.ts), with a dwell band when they are `oneHost`'s (TrainOptions). */
export function extremenessBranchOf(
  rows: readonly ArrayLike<number>[],
  featureSet: FeatureSet,
  baseline: Manifest['baseline'],
  threshold: number,
  options: Partial<ReachOptions> = {},
  oneHost = false,
): ExtremenessBranch {
  const features = extremenessFeatures(featureSet);
  const isLevel = features.map((f) => featureKindOf(featureSet.names[f]!) === 'level');
  const metrics = metricGroups(featureSet, features);
  const { margin } = { ...DEFAULT_REACH_OPTIONS, ...options };
  return {
    features,
    center: features.map((f) => baseline.center[f]!),
    reach: reachOf(rows, features, baseline, options, isLevel),
    metrics,
    // Every metric of the branch has its level among its features (EXTREMENESS_FEATURES).
    ...(oneHost
      ? {
          dwell: dwellBandOf(
            rows,
            metrics.map((group) => features[group.find((k) => isLevel[k])!]!),
            margin,
          ),
        }
      : {}),
    threshold,
  };
}

/** The branch's reach and dwell band aligned with the feature vector (null where the branch does not look), for the manifest's baseline. */
function branchBaseline(branch: ExtremenessBranch, width: number): Pick<Manifest['baseline'], 'reach' | 'dwell'> {
  const perFeature = (): (number | null)[] => new Array<number | null>(width).fill(null);
  const reach = perFeature();
  branch.features.forEach((f, k) => (reach[f] = branch.reach[k]!));
  if (!branch.dwell) return { reach };
  const dwell = { low: perFeature(), high: perFeature(), usual: perFeature(), reach: perFeature() };
  branch.dwell.feature.forEach((f, m) => {
    for (const key of ['low', 'high', 'usual', 'reach'] as const) dwell[key][f] = branch.dwell![key][m]!;
  });
  return { reach, dwell };
}

/**
 * The model's scores: the forest's, combined with the extremeness branch's when there is one (models/extremeness.ts);
 * `memory`, per row, its memory inputs (model-store/habituation.ts; none: as for samples no memory knows).
 */
export function modelScores(
  forest: Forest,
  extremeness: ExtremenessBranch | undefined,
  rows: readonly ArrayLike<number>[],
  memory?: readonly MemoryRow[],
): Float64Array {
  const scores = forest.score(rows);
  return extremeness ? hybridScores(scores, rows, extremeness, memory) : scores;
}

/**
 * The training rows' memory inputs for calibrating the threshold: no habituation and an unknown previous sample, as
 * for samples no memory knows (both only lower a score), and where the branch has a dwell band the dwell of the
 * host's history (it raises scores: a threshold calibrated without it would flag a host's ordinary dwell).
 * Undefined for a branch without a band.
 */
export function calibrationMemory(rows: readonly ArrayLike<number>[], branch: ExtremenessBranch): MemoryRow[] | undefined {
  if (!branch.dwell) return undefined;
  const past = new Float64Array(branch.metrics.length);
  const previous = new Float64Array(branch.metrics.length).fill(Number.POSITIVE_INFINITY);
  return dwellDistancesOf(rows, branch.dwell).map((dwell) => ({ past, previous, dwell }));
}

/** The hybrid scores of rows whose forest scores are known (models/extremeness.ts). */
export function hybridScores(
  forestScores: Float64Array,
  rows: readonly ArrayLike<number>[],
  extremeness: ExtremenessBranch,
  memory?: readonly MemoryRow[],
): Float64Array {
  const rate = extremenessRate(extremeness.threshold);
  return forestScores.map((s, r) => hybridScore(s, rows[r]!, extremeness, rate, memory?.[r]));
}

/**
 * Threshold and severity cut points from the training scores (see the top of this file): the
 * threshold the scores exceed at the contamination rate, never above `ceiling` (a float32 score;
 * models/extremeness.ts thresholdCeiling).
 */
export function calibrate(scores: ArrayLike<number>, contamination: number, ceiling = Infinity): Pick<Manifest, 'threshold' | 'severity'> {
  const sorted = Float64Array.from(scores).sort();
  if (sorted.length === 0) throw new Error('cannot calibrate a threshold without training scores');
  const flagged = Math.floor(contamination * sorted.length);
  const highestNormal = sorted[sorted.length - 1 - flagged]!;
  // Scores are compared in float32 by the ONNX model: keep the threshold a float32 value too.
  const threshold = Math.min(roundUpToFloat32(highestNormal + THRESHOLD_MARGIN), ceiling);
  const spread = Math.max(threshold - quantile(sorted, 0.5), 1e-6);
  const cut = (k: number): number => Math.max(threshold, Math.min(1, threshold + k * spread));
  return { threshold, severity: { low: threshold, medium: cut(0.25), high: cut(0.5), critical: cut(1) } };
}

/** Per-feature median and robust scale (always > 0). */
export function baselineOf(rows: readonly ArrayLike<number>[], width: number): Manifest['baseline'] {
  const center: number[] = [];
  const scale: number[] = [];
  const column = new Float64Array(rows.length);
  for (let f = 0; f < width; f++) {
    rows.forEach((row, r) => (column[r] = row[f]!));
    const sorted = Float64Array.from(column).sort();
    const median = quantile(sorted, 0.5);
    const deviations = sorted.map((v) => Math.abs(v - median)).sort();
    const mad = 1.4826 * quantile(deviations, 0.5);
    const meanDeviation = deviations.reduce((a, b) => a + b, 0) / Math.max(1, deviations.length);
    // A heavy-tailed feature (a sparse metric at 0 most of the time, in bursts otherwise) has a
    // small MAD but a wide normal range: its 95th-percentile distance (1.96 sigma for a normal
    // distribution) keeps its z units comparable with the other features' for attribution.
    const tail = quantile(deviations, 0.95) / 1.96;
    center.push(median);
    scale.push(Math.max(mad > 0 ? mad : meanDeviation > 0 ? 1.2533 * meanDeviation : 1, tail));
  }
  return { center, scale };
}
