/**
 * Per metric, how far a sample is from the model's training baseline in units of the model's reach:
 * the quantities the extremeness branch of a model's score is made of (models/extremeness.ts, and
 * the ONNX graph of models/onnx/export.ts), here because the scoring function needs them too, to keep
 * each host's memory of its metrics' excursions (model-store/habituation.ts).
 */
import { featureBlocks, PER_METRIC_FEATURES, type FeatureSet } from '../core/features.js';
import type { Manifest } from '../core/manifest.js';
import type { DwellBand } from './dwell.js';

/** What per-metric distances need of an extremeness branch. */
export interface BranchDistances {
  /** Indices of the features the branch looks at; center and reach are aligned with these. */
  readonly features: readonly number[];
  /** Per feature: the training median. */
  readonly center: readonly number[];
  /** Per feature: the distance from the center at which the feature alone reaches the threshold (> 0). */
  readonly reach: readonly number[];
  /** Per metric: the positions in `features` of its features (metricGroups); every position in exactly one metric. */
  readonly metrics: readonly (readonly number[])[];
  /** Per metric: its level's usual range and how long it may stay out of it (model-store/dwell.ts); fleet models and older ones have none. */
  readonly dwell?: DwellBand;
}

/**
 * The branch's features grouped by metric: per metric of the feature set that has any, in its order,
 * the positions in `features` of its features, its log view's included (core/features.ts featureBlocks):
 * a metric is as far out as the further of its two scales.
 */
export function metricGroups(featureSet: FeatureSet, features: readonly number[]): number[][] {
  const blocks = featureBlocks(featureSet);
  const groups = featureSet.metrics.map((): number[] => []);
  features.forEach((f, k) => groups[blocks[Math.floor(f / PER_METRIC_FEATURES.length)]!.metric]!.push(k));
  return groups.filter((group) => group.length > 0);
}

/**
 * The branch of a published model, from its manifest: the features with a reach (training writes one
 * for exactly the branch's features, models/train.ts). Undefined for a model without a reach (one
 * trained before the branch, or brought from elsewhere).
 */
export function branchDistancesOf(manifest: Pick<Manifest, 'featureSet' | 'baseline'>): BranchDistances | undefined {
  const { reach, center, dwell } = manifest.baseline;
  if (!reach) return undefined;
  const features = reach.flatMap((r, f) => (typeof r === 'number' ? [f] : []));
  if (features.length === 0) return undefined;
  const metrics = metricGroups(manifest.featureSet, features);
  return {
    features,
    center: features.map((f) => center[f]!),
    reach: features.map((f) => reach[f]!),
    metrics,
    ...(dwell
      ? {
          dwell: dwellBandPerMetric(
            dwell,
            metrics.map((group) => group.map((k) => features[k]!)),
          ),
        }
      : {}),
  };
}

/**
 * The manifest's dwell band (per feature, set at each metric's level) per metric of the branch, `metricFeatures`
 * its features' indices; a metric without one never dwells (reach +Infinity).
 */
function dwellBandPerMetric(dwell: NonNullable<Manifest['baseline']['dwell']>, metricFeatures: readonly (readonly number[])[]): DwellBand {
  const level = metricFeatures.map((fs) => fs.find((f) => typeof dwell.reach[f] === 'number') ?? fs[0]!);
  return {
    feature: level,
    low: level.map((f) => dwell.low[f] ?? Number.NEGATIVE_INFINITY),
    high: level.map((f) => dwell.high[f] ?? Number.POSITIVE_INFINITY),
    usual: level.map((f) => dwell.usual[f] ?? 1),
    reach: level.map((f) => dwell.reach[f] ?? Number.POSITIVE_INFINITY),
  };
}

/**
 * A metric's distance d up to 1, 1 + ln d beyond: min(d, 1 + ln(max(d, 1))), in float32 like the ONNX
 * graph (Max, Log, Add, Min). Continuous and increasing, unchanged up to 1 (a metric at its reach),
 * but far-out rows no longer all round to a score of exactly 1: in float32, 1 - (1 - threshold)^E is
 * 1 from E ~ 30 on, so a drifted metric at 40 reaches and an outage at 4,000 tied and no threshold
 * could tell them apart (seen on SMD: best thresholds at 0.9999999 and 1.0). Applied per metric
 * before the metrics corroborate (extremenessOf), it also bounds what one metric adds to E.
 */
export function compressedExtremeness(extremeness: number): number {
  const log = Math.fround(Math.log(Math.max(extremeness, 1)));
  return Math.min(extremeness, Math.fround(1 + log));
}

/** A branch laid out for metricExtremeness's loop: per metric's features, their index, center and reach, flat. */
interface FlatBranch {
  readonly feature: Int32Array;
  readonly center: Float32Array;
  readonly reach: Float32Array;
  /** Metric m's features are positions metricStart[m] to metricStart[m + 1] - 1. */
  readonly metricStart: Int32Array;
}

const flatBranches = new WeakMap<BranchDistances, FlatBranch>();

function flatBranchOf(branch: BranchDistances): FlatBranch {
  let flat = flatBranches.get(branch);
  if (!flat) {
    const positions = branch.metrics.flat();
    flat = {
      feature: Int32Array.from(positions, (k) => branch.features[k]!),
      center: Float32Array.from(positions, (k) => branch.center[k]!),
      reach: Float32Array.from(positions, (k) => branch.reach[k]!),
      metricStart: Int32Array.from({ length: branch.metrics.length + 1 }, (_, m) => branch.metrics.slice(0, m).reduce((n, g) => n + g.length, 0)),
    };
    flatBranches.set(branch, flat);
  }
  return flat;
}

/**
 * Per metric of the branch (in its order): the largest |x - center| / reach of its features (NaN
 * counts as the center), compressed, in float32 like the ONNX graph. `offset`: where the row starts
 * in `row` (a batch's feature matrix, read in place). It runs for every scored sample.
 */
export function metricExtremeness(
  row: ArrayLike<number>,
  branch: BranchDistances,
  out: Float64Array = new Float64Array(branch.metrics.length),
  offset = 0,
): Float64Array {
  const { feature, center, reach, metricStart } = flatBranchOf(branch);
  for (let m = 0; m < metricStart.length - 1; m++) {
    let max = 0;
    for (let k = metricStart[m]!; k < metricStart[m + 1]!; k++) {
      const c = center[k]!;
      const x = Math.fround(row[offset + feature[k]!]!);
      const z = Math.fround(Math.abs(Math.fround((Number.isNaN(x) ? c : x) - c)) / reach[k]!);
      if (z > max) max = z;
    }
    out[m] = compressedExtremeness(max);
  }
  return out;
}
