/**
 * The feature-set contract: an ordered, versioned list of named features.
 * The feature pipeline (features/) computes exactly these, in this order; the agent sends them,
 * training fits on them, the scoring function checks a model's manifest against them.
 * Bump FEATURE_SET_VERSION whenever a name, the order or the meaning of a feature changes.
 */
import { HOST_METRICS } from './host-metrics.js';

export const FEATURE_SET_VERSION = 4;

/** Per metric, in this order: how the value compares with the host's own normal. */
export const PER_METRIC_FEATURES = [
  'level', // the value itself
  'dev_short', // deviation from the recent normal (minutes)
  'dev_long', // deviation from the longer normal (hours)
  'dev_seasonal', // deviation from the same time of day / day of week
  'rate', // change since the previous sample less the step the time-of-day normal expects, scaled
  'vol_short', // recent variability against the longer one (log ratio): a calm or a storm
] as const;

export type PerMetricFeature = (typeof PER_METRIC_FEATURES)[number];

/**
 * The pipeline clamps every feature to ±this by default (features/options.ts maxFeature), so one
 * absurd input cannot produce absurd features; the model's band (core/band.ts) knows a deviation
 * cannot go further.
 */
export const DEFAULT_FEATURE_LIMIT = 100;

export interface FeatureSet {
  readonly version: number;
  /** The raw metrics the features are computed from, in order. */
  readonly metrics: readonly string[];
  /** `metric.feature`, metric-major, in the order of the vector. */
  readonly names: readonly string[];
}

export function featureSetFor(metrics: readonly string[]): FeatureSet {
  if (metrics.length === 0) throw new Error('a feature set needs at least one metric; got none');
  if (new Set(metrics).size !== metrics.length) {
    throw new Error(`metric names in a feature set must be unique; got ${metrics.join(', ')}`);
  }
  return {
    version: FEATURE_SET_VERSION,
    metrics: [...metrics],
    names: metrics.flatMap((metric) => PER_METRIC_FEATURES.map((feature) => `${metric}.${feature}`)),
  };
}

/** The feature set of the host agent and the default fleet model. */
export const HOST_FEATURE_SET: FeatureSet = featureSetFor(HOST_METRICS);

/** Why a model's feature set cannot score vectors of `expected`, or undefined when it can. */
export function featureSetMismatch(expected: FeatureSet, model: FeatureSet): string | undefined {
  if (model.version !== expected.version) {
    return `feature-set version ${model.version} in the model, ${expected.version} in the code: retrain the model with this version of vigil`;
  }
  const a = expected.names.join(',');
  const b = model.names.join(',');
  if (a !== b) {
    return `feature names differ: the code computes [${a}], the model was trained on [${b}]: retrain the model on these metrics`;
  }
  return undefined;
}
