/**
 * Explaining a score: which raw metrics made the sample anomalous, in order, and how sure the model is.
 * The scoring function attaches both to every scored sample (functions/score/score-batch.ts); the
 * ranking reads the per-feature baseline that training writes into the manifest (models/train.ts).
 */
import { PER_METRIC_FEATURES, type FeatureSet } from '../core/features.js';
import type { Manifest } from '../core/manifest.js';

/**
 * How far metric `m` went from its training normal. With the model's reach (manifest baseline.reach,
 * written by models/train.ts): |x - center| / reach summed over the metric's features that have a
 * reach, the quantities the model's extremeness score is made of, so a metric whose level, deviations
 * and rate all left their normal range outranks one whose single feature jumped (a noisy metric's
 * one-sample spike). Without it (a model trained elsewhere): |x - center| / scale summed over the
 * metric's features, in robust z units. Only the metric's own block counts, not its log view's
 * (core/features.ts LogView): the ranking compares metrics with each other, and a view's distances are
 * ratios, large for a metric's small moves near 0 (docs/detection.md, experiment 37). `offset`: where the
 * row starts in `features` (a batch's feature matrix, read in place).
 */
function metricDistance(features: ArrayLike<number>, perMetric: number, baseline: Manifest['baseline'], offset: number, m: number): number {
  let distance = 0;
  const reach = baseline.reach;
  for (let k = m * perMetric; k < (m + 1) * perMetric; k++) {
    const away = Math.abs(features[offset + k]! - baseline.center[k]!);
    const r = reach?.[k];
    if (!reach) distance += away / baseline.scale[k]!;
    else if (typeof r === 'number') distance += away / r;
  }
  return distance;
}

/**
 * How many of the most anomalous metrics a scored sample keeps, in order: all of vigil's ten host
 * metrics, and up to 31 of a wider host's, as many names of the longest allowed length
 * (METRIC_NAME_PATTERN, 63 characters) as fit, comma-separated, in Timestream's 2 KB VARCHAR measure.
 */
export const RANKED_METRICS = 31;

/** Scratch for rankedMetrics, grown to the widest feature set seen: it runs for every scored sample. */
let scratchDistances = new Float64Array(16);
let scratchOrder = new Int32Array(16);

/** The metrics ranked by metricDistance, most anomalous first, at most RANKED_METRICS: where to look first, then next. */
export function rankedMetrics(features: ArrayLike<number>, featureSet: FeatureSet, baseline: Manifest['baseline'], offset = 0): string[] {
  const metrics = featureSet.metrics.length;
  const perMetric = PER_METRIC_FEATURES.length;
  if (scratchDistances.length < metrics) {
    scratchDistances = new Float64Array(metrics);
    scratchOrder = new Int32Array(metrics);
  }
  // Insertion sort of the metric indices by distance, descending (a handful of metrics: no allocation, no comparator calls).
  for (let m = 0; m < metrics; m++) {
    const d = metricDistance(features, perMetric, baseline, offset, m);
    let k = m;
    while (k > 0 && scratchDistances[k - 1]! < d) {
      scratchDistances[k] = scratchDistances[k - 1]!;
      scratchOrder[k] = scratchOrder[k - 1]!;
      k--;
    }
    scratchDistances[k] = d;
    scratchOrder[k] = m;
  }
  const ranked = new Array<string>(Math.min(metrics, RANKED_METRICS));
  for (let k = 0; k < ranked.length; k++) ranked[k] = featureSet.metrics[scratchOrder[k]!]!;
  return ranked;
}

/** Every metric's distance from the training baseline, in feature-set order: the ranking behind the top contributing metric. */
export function metricDistances(features: ArrayLike<number>, featureSet: FeatureSet, baseline: Manifest['baseline'], offset = 0): Float64Array {
  const perMetric = PER_METRIC_FEATURES.length;
  return Float64Array.from(featureSet.metrics, (_, m) => metricDistance(features, perMetric, baseline, offset, m));
}

/** The features that say where a value sits against the host's normals (the others are changes and spreads). */
const POSITION_FEATURES: readonly number[] = (['level', 'dev_short', 'dev_long', 'dev_seasonal'] as const).map((f) => PER_METRIC_FEATURES.indexOf(f));

/**
 * Which way metric `metric` went: 'above' or 'below' its normal, by the sign of its position
 * feature furthest from the training center (in reach units, else scale units). For the top metric
 * of an anomalous sample: what the alert says.
 */
export function metricDirection(
  features: ArrayLike<number>,
  featureSet: FeatureSet,
  baseline: Manifest['baseline'],
  offset: number,
  metric: string,
): 'above' | 'below' {
  const perMetric = PER_METRIC_FEATURES.length;
  const m = featureSet.metrics.indexOf(metric);
  let furthest = 0;
  let sign = 1;
  for (const f of POSITION_FEATURES) {
    const k = m * perMetric + f;
    const away = features[offset + k]! - baseline.center[k]!;
    const unit = baseline.reach?.[k] ?? baseline.scale[k]!;
    if (Math.abs(away) / unit > furthest) {
      furthest = Math.abs(away) / unit;
      sign = Math.sign(away);
    }
  }
  return sign < 0 ? 'below' : 'above';
}

/**
 * 0..1: where the score sits between the threshold and the critical cut point, for anomalies;
 * between the threshold and the lowest score for normal samples (how sure it is normal).
 */
export function confidenceOf(score: number, m: Pick<Manifest, 'threshold' | 'severity'>): number {
  const span = m.severity.critical - m.threshold;
  if (score >= m.threshold) return span > 0 ? Math.min(1, 0.5 + (0.5 * (score - m.threshold)) / span) : 1;
  return m.threshold > 0 ? Math.min(1, 0.5 + (0.5 * (m.threshold - score)) / m.threshold) : 0.5;
}
