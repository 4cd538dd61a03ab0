/**
 * The extremeness branch of the hybrid model score, and its JS reference.
 *
 * An Isolation Forest with many features barely reacts when ONE feature is extreme, and it scores
 * anything beyond its training range like its most extreme training points. The extremeness branch
 * covers that. A feature's distance is |x - center| / reach, where its reach is how far from its
 * training median it may go before it alone makes a sample anomalous (calibrated per feature in
 * models/train.ts: a margin beyond the feature's own training range, so a feature that is
 * heavy-tailed in normal operation needs a bigger excursion than a calm one). A metric's distance
 * is the largest of its features', compressed beyond 1 to 1 + ln (compressedExtremeness), and counts
 * in E up to ALWAYS_ANOMALOUS_REACHES out (METRIC_EVIDENCE_CAP). E is the largest metric's capped
 * distance plus CORROBORATION of the second's, CORROBORATION² of the third's, and so on: one metric
 * out makes a sample anomalous on its own (E is never below the largest metric's capped distance),
 * every other metric out at the same time adds evidence, and beyond ten reaches one metric's further
 * distance adds none: an incident several metrics show outranks one metric however far out. A lone
 * metric so far out that it must alarm whatever the history (its compressed distance at least
 * alwaysAnomalousExtremeness, about fifty reaches) gives E that value, the threshold's ceiling, so it
 * always flags. How it was measured: docs/detection.md (experiment 30). A metric that spent more of
 * its recent samples outside its usual range than it ever did in training gives E at least its dwell
 * distance, at most 1 (model-store/dwell.ts, decision 0013). E is mapped monotonically onto the
 * forest's score scale:
 *
 *   extremeness score = 1 - (1 - threshold)^E = 1 - exp(E * ln(1 - threshold))
 *
 * 0 at E = 0, exactly the branch's threshold (the forest's calibrated threshold) at E = 1,
 * towards 1 as E grows. The model score is the extremeness score plus a share FOREST_WEIGHT of the
 * forest's score above it:
 *
 *   hybrid = extremeness score + FOREST_WEIGHT x max(0, forest score - extremeness score)
 *
 * so a single feature far out scores its full extremeness score whatever the forest says, and the
 * forest (which sees the combination of features, vol_short too) adds evidence but no longer
 * decides alone: an Isolation Forest scores the ordinary tail of its training data (a noisy hour,
 * the evening peak) nearly as high as real anomalies, which made the forest-driven rows most of
 * the false alarms. The hybrid never exceeds max(forest score, extremeness score). How the weight
 * was chosen: docs/detection.md.
 *
 * Only the features that measure the value itself take part (level, deviations from the normals,
 * rate of change): vol_short, a log ratio of variabilities, goes far out whenever a spiky metric
 * turns quiet for a while, which is no anomaly on its own; the forest still sees it.
 * models/onnx/export.ts computes the same arithmetic inside the ONNX graph (Gather into [metrics,
 * features of a metric], IsNaN, Where, Sub, Abs, Div, ReduceMax per metric, Max, Log, Add, Min, the
 * cap and the habituation (Min, Mul, Sub, Relu), TopK, Mul, ReduceSum, the lone metric (ReduceMax,
 * GreaterOrEqual, Where, Max), the dwell (ReduceMax, Max), then Mul, Exp, Sub, and Sub, Relu, Mul, Add
 * for the combination);
 * this module does it step by step in float32 as onnxruntime does, so the two agree (the parity test
 * bounds the difference by 1e-6). A NaN feature carries no evidence: it counts as
 * its center. ±Infinity and values beyond float32 count as a lone metric far out (E at least
 * alwaysAnomalousExtremeness: the score of the threshold's ceiling, so they flag).
 */
import type { FeatureSet, PerMetricFeature } from '../core/features.js';
import { habituatedDistances, type MemoryRow } from '../model-store/habituation.js';
import { compressedExtremeness, metricExtremeness, type BranchDistances } from '../model-store/metric-extremeness.js';

/** The per-metric features the branch looks at (see the top of this file). */
export const EXTREMENESS_FEATURES: readonly PerMetricFeature[] = ['level', 'dev_short', 'dev_long', 'dev_seasonal', 'rate'];

/** The per-metric feature a feature name stands for (`cpu_pct.level` -> `level`). */
export function featureKindOf(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** Indices in the feature vector of the features the branch looks at. */
export function extremenessFeatures(featureSet: FeatureSet): number[] {
  const wanted = new Set<string>(EXTREMENESS_FEATURES);
  return featureSet.names.flatMap((name, f) => (wanted.has(featureKindOf(name)) ? [f] : []));
}

/**
 * How much each further metric out at the same time adds to E, as a share of the one ranked above
 * it. An incident on a server shows in several of its metrics at once (a runaway process in CPU,
 * load and context switches; a failing disk in latency, queue and throughput), while a lone metric's
 * blip is most of what a host's ordinary noise is made of: halving each rank's weight lets two
 * metrics at 0.8 of their reach outrank one at 1.1 without letting thirty quiet metrics add up to
 * an alarm (their sum is at most twice the largest). A single metric is unaffected. How it was
 * measured: docs/detection.md (experiment 24).
 */
export const CORROBORATION = 0.5;

export interface ExtremenessBranch extends BranchDistances {
  /** Where E = 1 lands (0 < threshold < 1): the forest's calibrated threshold, on the forest's score scale. */
  readonly threshold: number;
}

/** Float32 multiplier of E inside the exponent: ln(1 - threshold) (negative). */
export function extremenessRate(threshold: number): number {
  if (!(threshold > 0 && threshold < 1)) throw new Error(`the extremeness branch needs a threshold between 0 and 1; got ${threshold}`);
  return Math.fround(Math.log(1 - threshold));
}

/**
 * E of a row, in float32 like the ONNX graph: per metric the largest |x - center| / reach of its
 * features (NaN counts as the center), compressed (compressedExtremeness), capped at
 * METRIC_EVIDENCE_CAP and habituated in those units (the past capped alike), then the metrics'
 * distances from the largest down, each weighted CORROBORATION times the one before, summed; at
 * least alwaysAnomalousExtremeness when one metric's habituated distance, uncapped, reaches it on this
 * sample and on the host's sample before; at least the largest metric's dwell distance (model-store/dwell.ts).
 * `memory` is the row's memory inputs (model-store/habituation.ts; none: no habituation, the sample before
 * as far out, no dwell).
 */
export function extremenessOf(row: ArrayLike<number>, branch: BranchDistances, memory?: MemoryRow): number {
  const distances = metricExtremeness(row, branch);
  const corroborated = corroboratedExtremeness(habituatedDistances(distances, memory?.past, undefined, METRIC_EVIDENCE_CAP));
  const habituated = habituatedDistances(distances, memory?.past, distances);
  let largest = 0;
  for (let m = 0; m < habituated.length; m++) largest = Math.max(largest, memory ? Math.min(habituated[m]!, memory.previous[m]!) : habituated[m]!);
  const lone = alwaysAnomalousExtremeness(branch);
  const extremeness = largest >= lone ? Math.max(corroborated, lone) : corroborated;
  let dwell = 0;
  if (memory) for (let m = 0; m < distances.length; m++) dwell = Math.max(dwell, Math.fround(memory.dwell[m]!));
  return Math.max(extremeness, dwell);
}

/** E of per-metric distances: from the largest down, each weighted CORROBORATION times the one before, summed (float32). */
function corroboratedExtremeness(metricDistances: ArrayLike<number>): number {
  const ranked = Float64Array.from(metricDistances).sort().reverse();
  let sum = 0;
  let weight = 1;
  for (const d of ranked) {
    sum = Math.fround(sum + Math.fround(d * Math.fround(weight)));
    weight *= CORROBORATION;
  }
  return sum;
}

/** The extremeness score of E (extremenessOf), in float32 (see the top of this file). */
export function extremenessScore(extremeness: number, rate: number): number {
  return Math.fround(1 - Math.fround(Math.exp(Math.fround(extremeness * rate))));
}

/**
 * How far out, in reaches, metrics must be for a sample to be anomalous whatever the training
 * history: two metrics this far from their centers (with the default margin, 30 times the distance
 * 99.9 % of their training rows stay within), or one metric alone on a one-metric host; a lone
 * metric on a wider host needs about fifty reaches (the same E). The model's threshold is calibrated
 * as the score its training rows exceed only at the contamination rate (models/train.ts), and when
 * the history holds incidents of its own (a process stuck for hours, a disk full) those are its
 * highest scores: the threshold then sits at an incident's level and the next incident like it is
 * not flagged. The threshold never goes above the extremeness score of this E (thresholdCeiling), so
 * an excursion that far out always flags. On a clean history the calibrated threshold is far below
 * it and nothing changes. How it was measured: docs/detection.md (experiments 21 and 24).
 */
export const ALWAYS_ANOMALOUS_REACHES = 10;

/**
 * The most one metric's compressed distance counts in the corroborated E: ALWAYS_ANOMALOUS_REACHES
 * out (1 + ln 10, float32). Beyond it a metric is certainly out of its normal, and how much further
 * it goes says more about its units (a counter at 0 but for blips has a reach of one blip) than about
 * an incident; the rows that went on to alarm there were lone metrics far out, an incident shows
 * in several (docs/detection.md, experiment 30).
 */
export const METRIC_EVIDENCE_CAP = compressedExtremeness(ALWAYS_ANOMALOUS_REACHES);

/** E of ALWAYS_ANOMALOUS_REACHES in the two largest metrics (the one metric of a one-metric branch). */
export function alwaysAnomalousExtremeness(branch: Pick<ExtremenessBranch, 'metrics'>): number {
  const each = METRIC_EVIDENCE_CAP;
  return branch.metrics.length > 1 ? Math.fround(each + Math.fround(each * CORROBORATION)) : each;
}

/** The highest threshold a model with this branch may have: the extremeness score of alwaysAnomalousExtremeness (float32). */
export function thresholdCeiling(branch: Pick<ExtremenessBranch, 'threshold' | 'metrics'>): number {
  return extremenessScore(alwaysAnomalousExtremeness(branch), extremenessRate(branch.threshold));
}

/** Share of the forest's score above the extremeness score that the hybrid score adds (see the top of this file). */
export const FOREST_WEIGHT = 0.3;

/** The hybrid score of a forest score and an extremeness score, in float32 like the ONNX graph (see the top of this file). */
export function combinedScore(forestScore: number, extremenessScore: number): number {
  const excess = Math.max(Math.fround(Math.fround(forestScore) - extremenessScore), 0);
  return Math.fround(extremenessScore + Math.fround(excess * Math.fround(FOREST_WEIGHT)));
}

/**
 * The hybrid score of a row, as the ONNX graph outputs it; `memory`, the row's memory inputs
 * (model-store/habituation.ts; none: as for a sample no memory knows).
 */
export function hybridScore(
  forestScore: number,
  row: ArrayLike<number>,
  branch: ExtremenessBranch,
  rate = extremenessRate(branch.threshold),
  memory?: MemoryRow,
): number {
  return combinedScore(forestScore, extremenessScore(extremenessOf(row, branch, memory), rate));
}

export interface ReachOptions {
  /** Share of training rows a deviation or rate feature's normal range leaves out (its tail quantile is 1 - this). */
  readonly tail: number;
  /**
   * The same for a metric's level. A level is where the training history's own incidents sit for
   * as long as they last (a disk full for hours, a stuck process at 100% CPU), so its last 0.1% is
   * often one of them; the deviations and the rate measure change against a normal that follows
   * the metric, and an incident shows in them only for the rows around its edges. Leaving out the
   * level's last 1% keeps a few hours of incidents in two weeks of history from widening the
   * level's normal range.
   */
  readonly levelTail: number;
  /** How many times the normal range a feature must go out before it alone is an anomaly. */
  readonly margin: number;
  /** The normal range is at least this many robust scales (a feature calm in training still has noise). */
  readonly minimumScales: number;
}

export const DEFAULT_REACH_OPTIONS: ReachOptions = { tail: 0.001, levelTail: 0.01, margin: 3, minimumScales: 3 };

/**
 * Per feature (by index): margin x the largest of its training |x - center| at the 1 - tail quantile
 * (1 - levelTail for the features `isLevel` marks), its typical excursion (below) and minimumScales
 * robust scales. Always finite and > 0.
 */
export function reachOf(
  rows: readonly ArrayLike<number>[],
  features: readonly number[],
  baseline: { readonly center: readonly number[]; readonly scale: readonly number[] },
  options: Partial<ReachOptions> = {},
  isLevel: readonly boolean[] = [],
): number[] {
  const { tail, levelTail, margin, minimumScales } = { ...DEFAULT_REACH_OPTIONS, ...options };
  for (const [name, share] of [
    ['tail', tail],
    ['levelTail', levelTail],
  ] as const) {
    if (!(share >= 0 && share < 1)) throw new Error(`reach ${name} must be a share in [0, 1); got ${share}`);
  }
  if (!(margin > 0 && minimumScales > 0)) throw new Error(`reach margin and minimumScales must be > 0; got ${margin} and ${minimumScales}`);
  const deviations = new Float64Array(rows.length);
  return features.map((f, k) => {
    const share = isLevel[k] ? levelTail : tail;
    const center = baseline.center[f]!;
    rows.forEach((row, r) => (deviations[r] = Math.abs(row[f]! - center)));
    deviations.sort();
    const tailRange = deviations.length === 0 ? 0 : deviations[Math.min(deviations.length - 1, Math.floor((1 - share) * deviations.length))]!;
    const normalRange = Math.max(Number.isFinite(tailRange) ? tailRange : 0, typicalExcursion(deviations));
    const reach = margin * Math.max(normalRange, minimumScales * baseline.scale[f]!);
    // Kept a float32 > 0, as the ONNX graph divides by it.
    return Math.max(Math.fround(reach), 1e-30);
  });
}

/**
 * The median of the deviations that are not 0 (ascending input): how far a feature typically goes
 * when it leaves its center. For a continuous feature it is below its tail quantile and changes
 * nothing; for one that sits at one value in nearly every training row (0 apart from rare blips, a
 * share that moves in steps) the tail quantile and the MAD are 0 and it is the size of an ordinary
 * blip or step, so such a blip is not an extreme on its own.
 */
function typicalExcursion(sortedDeviations: Float64Array): number {
  let k = 0;
  while (k < sortedDeviations.length && !(sortedDeviations[k]! > 0)) k++;
  if (k === sortedDeviations.length) return 0;
  const v = sortedDeviations[k + Math.floor((sortedDeviations.length - 1 - k) / 2)]!;
  return Number.isFinite(v) ? v : 0;
}
