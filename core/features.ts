/**
 * The feature-set contract: an ordered, versioned list of named features.
 * The feature pipeline (features/) computes exactly these, in this order; the agent sends them,
 * training fits on them, the scoring function checks a model's manifest against them.
 * Bump FEATURE_SET_VERSION whenever a name, the order or the meaning of a feature changes.
 */
import { HOST_METRICS, type HostMetric } from './host-metrics.js';

export const FEATURE_SET_VERSION = 5;

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

/**
 * A raw metric also seen on a log scale: the value ln(1 + x / scale), with the same six features as
 * every metric, named `<metric>_log.<feature>`. For a right-skewed metric (a byte rate, a count of
 * requests, a latency) a change is relative to its level: on the log scale a rise from a quiet level
 * is as far out as the same ratio from a busy one (features/log-view.ts chooses the metrics).
 */
export interface LogView {
  readonly metric: string;
  /** > 0, in the metric's units: the value that maps to ln 2. */
  readonly scale: number;
}

export const LOG_VIEW_SUFFIX = '_log';

export interface FeatureSet {
  readonly version: number;
  /** The raw metrics the features are computed from, in order. */
  readonly metrics: readonly string[];
  /** Metrics also seen on a log scale, in metric order; absent when none is. */
  readonly logViews?: readonly LogView[];
  /** `metric.feature`, metric-major, in the order of the vector: every metric's block, then each log view's. */
  readonly names: readonly string[];
}

export function featureSetFor(metrics: readonly string[], logViews: readonly LogView[] = []): FeatureSet {
  if (metrics.length === 0) throw new Error('a feature set needs at least one metric; got none');
  if (new Set(metrics).size !== metrics.length) {
    throw new Error(`metric names in a feature set must be unique; got ${metrics.join(', ')}`);
  }
  const viewed = new Set<string>();
  for (const view of logViews) {
    if (!metrics.includes(view.metric)) {
      throw new Error(`a log view needs one of the feature set's metrics (${metrics.join(', ')}); got ${view.metric}`);
    }
    if (viewed.has(view.metric)) throw new Error(`metric ${view.metric} has more than one log view: give it one`);
    if (!(view.scale > 0 && Number.isFinite(view.scale))) {
      throw new Error(`the log view of ${view.metric} needs a finite scale > 0; got ${view.scale}`);
    }
    if (metrics.includes(view.metric + LOG_VIEW_SUFFIX)) {
      throw new Error(`metric ${view.metric} cannot have a log view: its name ${view.metric}${LOG_VIEW_SUFFIX} is already a metric's; rename that column`);
    }
    viewed.add(view.metric);
  }
  const ordered = metrics.flatMap((metric) => logViews.filter((view) => view.metric === metric).map((view) => ({ metric, scale: view.scale })));
  const blocks = [...metrics, ...ordered.map((view) => view.metric + LOG_VIEW_SUFFIX)];
  return {
    version: FEATURE_SET_VERSION,
    metrics: [...metrics],
    ...(ordered.length > 0 ? { logViews: ordered } : {}),
    names: blocks.flatMap((block) => PER_METRIC_FEATURES.map((feature) => `${block}.${feature}`)),
  };
}

/**
 * Per block of PER_METRIC_FEATURES.length features in the vector, in its order: the index in `metrics` of
 * the raw metric it is computed from (each metric's own block, then each log view's), and the log view's
 * scale (undefined for a metric's own block).
 */
export function featureBlocks(featureSet: Pick<FeatureSet, 'metrics' | 'logViews'>): readonly { readonly metric: number; readonly logScale?: number }[] {
  return [
    ...featureSet.metrics.map((_, metric) => ({ metric })),
    ...(featureSet.logViews ?? []).map((view) => ({ metric: featureSet.metrics.indexOf(view.metric), logScale: view.scale })),
  ];
}

/** Log views as `metric:scale, ...`, for comparing two feature sets' and for messages. */
export function logViewsText(logViews: readonly LogView[] | undefined): string {
  return (logViews ?? []).map((view) => `${view.metric}:${view.scale}`).join(', ');
}

/**
 * The agent's byte rates are right-skewed on every host (idle most of the time, bursts of many times
 * their usual level), so the agent also computes them on a log scale. The scale is the same on every
 * host: where a rate is well above it, ln(1 + x / scale) differs from ln x by a constant, so the
 * deviations (differences of logs: ratios) and the level's distance from its normal do not depend on
 * it; 1 KiB/s keeps a change of a few bytes a second on a quiet interface from counting as a large
 * ratio. The error rate is 0 on a healthy host, where its linear scale already says what is unusual.
 */
export const HOST_LOG_VIEW_SCALE = 1024;
const HOST_LOG_VIEW_METRICS: readonly HostMetric[] = ['disk_read_bps', 'disk_write_bps', 'net_rx_bps', 'net_tx_bps'];

/** The feature set of the host agent and the default fleet model. */
export const HOST_FEATURE_SET: FeatureSet = featureSetFor(
  HOST_METRICS,
  HOST_LOG_VIEW_METRICS.map((metric) => ({ metric, scale: HOST_LOG_VIEW_SCALE })),
);

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
  if (logViewsText(expected.logViews) !== logViewsText(model.logViews)) {
    return `log-view scales differ: the code computes [${logViewsText(expected.logViews)}], the model was trained on [${logViewsText(model.logViews)}]: retrain the model on this history`;
  }
  return undefined;
}
