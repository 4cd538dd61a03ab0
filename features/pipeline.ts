/**
 * The feature pipeline: raw samples of one host in, the ordered feature vector of core/features.ts
 * out. One piece of code for the agent, training, evaluation over a CSV and the tests.
 *
 * Strictly causal (a sample's features depend on it and earlier samples only), O(1) time and
 * memory per sample, state serialisable (snapshot / restore). Per metric, in feature order:
 *   level        the value itself
 *   dev_short    (value - recent normal) / long scale        recent normal: robust EWMA, shortSpan samples
 *   dev_long     (value - long normal) / long scale          long normal: robust EWMA, longSpan samples
 *   dev_seasonal (value - seasonal normal) / seasonal scale  hour-of-day, then hour-of-week normal
 *   rate         (value - previous value - the change the seasonal normal expects between the two
 *                samples' hours) / typical change
 *   vol_short    log(recent variability / long variability)
 * Scales are robust mean absolute deviations, floored so a flat series does not divide by zero, and
 * at least half the metric's typical non-zero move (STEP_FLOOR), so a quantised or mostly-constant
 * metric's ordinary step is not an extreme deviation.
 *
 * A metric with a log view (core/features.ts LogView) has a second block of the same features, after
 * every metric's own block, computed the same way from ln(1 + value / scale) with its own state.
 *
 * Explicit cases:
 *   - missing, non-finite, or negative value of a non-negative metric (a counter reset upstream):
 *     imputed with the recent normal (deviations 0, rate 0) and kept out of the state;
 *   - gap (time step > gapIntervals typical intervals: host offline): rate 0 and the recent normal
 *     restarts from the long normal; long and seasonal normals keep their history;
 *   - time going backwards (clock step, replay): the sample is scored as if no time had passed.
 */
import { type FeatureSet, featureBlocks, PER_METRIC_FEATURES } from '../core/features.js';
import { logViewValue } from './log-view.js';
import { resolveFeatureOptions, type FeatureOptions } from './options.js';
import { alphaOfSpan, updateEwma } from './robust-ewma.js';
import { bucketsOf, seasonalNormal, updateSeasonal, type SeasonalBuckets, type SeasonalNormal } from './seasonal.js';
import { emptyPipelineState, fromSnapshot, toSnapshot, type MetricState, type PipelineState } from './state.js';

export type { FeatureOptions } from './options.js';
export { DEFAULT_FEATURE_OPTIONS } from './options.js';

export interface RawSample {
  /** Epoch milliseconds. */
  readonly t: number;
  /** Metric -> value; a value may be missing or non-finite. */
  readonly values: Readonly<Record<string, number>>;
}

const PER_METRIC = PER_METRIC_FEATURES.length;
// Offsets of each feature inside a metric's block, in core/features.ts order.
const F = Object.fromEntries(PER_METRIC_FEATURES.map((name, i) => [name, i])) as Record<(typeof PER_METRIC_FEATURES)[number], number>;
/** How fast the typical sampling interval follows the observed time steps. */
const INTERVAL_ALPHA = 0.05;
/**
 * Share of a metric's typical non-zero move that every deviation scale is at least: a metric that
 * sits still most of the time (a quantised share, a count, 0 apart from blips) has a robust spread
 * near 0, and one ordinary step would otherwise be an extreme deviation. For a continuous metric the
 * typical move (about 1.13 sigma for noise) times this share stays below its spread (0.8 sigma).
 */
const STEP_FLOOR = 0.5;
/** Far inside float32's range, so the ONNX input never becomes Infinity. */
const MAX_LEVEL = 1e30;

export class FeaturePipeline {
  readonly featureSet: FeatureSet;
  readonly options: FeatureOptions;
  private readonly state: PipelineState;
  private readonly nonNegative: readonly boolean[];
  /** Per block of features (core/features.ts featureBlocks): the raw metric's name and index, and the log view's scale. */
  private readonly blocks: readonly { readonly name: string; readonly metric: number; readonly logScale?: number }[];
  private readonly shortAlpha: number;
  private readonly longAlpha: number;

  constructor(featureSet: FeatureSet, options?: Partial<FeatureOptions>, state?: PipelineState) {
    this.blocks = featureBlocks(featureSet).map((block) => ({ ...block, name: featureSet.metrics[block.metric]! }));
    if (featureSet.names.length !== this.blocks.length * PER_METRIC) {
      throw new Error(
        `feature set has ${featureSet.names.length} names for ${featureSet.metrics.length} metrics and ${featureSet.logViews?.length ?? 0} log views; this pipeline computes ${PER_METRIC} per metric and view (${PER_METRIC_FEATURES.join(', ')}): build the feature set with featureSetFor()`,
      );
    }
    this.featureSet = featureSet;
    this.options = resolveFeatureOptions(options);
    this.state = state ?? emptyPipelineState(this.blocks.length);
    const nonNegative = new Set(this.options.nonNegativeMetrics);
    this.nonNegative = featureSet.metrics.map((m) => nonNegative.has(m));
    this.shortAlpha = alphaOfSpan(this.options.shortSpan);
    this.longAlpha = alphaOfSpan(this.options.longSpan);
  }

  /**
   * Features of this sample from it and earlier samples only; updates the state. Every value finite.
   * `band`, when given (two values per metric of the feature set, in its order), receives each
   * metric's long normal and long scale as this sample's dev_long was computed from them (before
   * the sample moved them): dev_long = (value - normal) / scale. The model's band for the metric is
   * normal + [low, high] x scale (core/band.ts). NaN for both before the metric's first value.
   */
  push(sample: RawSample, band?: Float64Array): Float64Array {
    if (!Number.isFinite(sample.t)) throw new Error(`sample time must be finite epoch milliseconds; got ${String(sample.t)}`);
    const { state, options } = this;
    const dt = state.lastT === null ? 0 : Math.max(0, sample.t - state.lastT);
    const gap = state.interval !== null && dt > options.gapIntervals * state.interval;
    if (state.lastT !== null && dt > 0 && !gap) {
      state.interval = state.interval === null ? dt : state.interval + INTERVAL_ALPHA * (dt - state.interval);
    }
    const previousBuckets = state.lastT === null ? undefined : bucketsOf(state.lastT + options.utcOffsetMinutes * 60_000);
    state.lastT = Math.max(sample.t, state.lastT ?? sample.t);
    const buckets = bucketsOf(sample.t + options.utcOffsetMinutes * 60_000);
    const weightMs = state.interval ?? 0;

    const out = new Float64Array(this.featureSet.names.length);
    this.blocks.forEach(({ name, metric, logScale }, b) => {
      const s = state.metrics[b]!;
      if (gap) restartRecentNormal(s);
      const raw = sample.values[name];
      // A log view is defined from 0 up: below it the value is missing on that scale.
      const valid = typeof raw === 'number' && Number.isFinite(raw) && !((logScale !== undefined || this.nonNegative[metric]) && raw < 0);
      const x = !valid ? imputed(s) : logScale === undefined ? raw : logViewValue(raw, logScale);
      this.features(s, x, valid && !gap, buckets, previousBuckets, out, b * PER_METRIC);
      if (band && logScale === undefined) {
        band[2 * metric] = s.long.n === 0 ? Number.NaN : s.long.mean;
        band[2 * metric + 1] = s.long.n === 0 ? Number.NaN : this.longScale(s);
      }
      if (!valid) return;
      if (s.last !== null && !gap) {
        const move = Math.abs(x - s.last);
        updateEwma(s.change, move, this.longAlpha, options.clipMads);
        if (move > 0) updateEwma(s.step, move, this.longAlpha, options.clipMads);
      }
      updateEwma(s.short, x, this.shortAlpha, Infinity);
      updateEwma(s.long, x, this.longAlpha, options.clipMads);
      updateSeasonal(s.seasonal, buckets, x, weightMs, options.seasonalDays, options.seasonalWeeks, options.clipMads);
      s.last = x;
    });
    return out;
  }

  /** Plain-JSON state, so the agent saves it and restores it after a restart. */
  snapshot(): unknown {
    return structuredClone(toSnapshot(this.featureSet, this.options, this.state));
  }

  /** Throws an Error naming the mismatch when the state is for another feature set or version. */
  static restore(featureSet: FeatureSet, state: unknown, options?: Partial<FeatureOptions>): FeaturePipeline {
    const restored = fromSnapshot(featureSet, state);
    return new FeaturePipeline(featureSet, { ...(restored.options as Partial<FeatureOptions>), ...options }, restored.state);
  }

  private features(
    s: MetricState,
    x: number,
    withRate: boolean,
    buckets: SeasonalBuckets,
    previousBuckets: SeasonalBuckets | undefined,
    out: Float64Array,
    at: number,
  ): void {
    const o = this.options;
    const floor = this.scaleFloor(s);
    const longScale = Math.max(s.long.mad, floor);
    const clamp = (v: number) => (Number.isFinite(v) ? Math.max(-o.maxFeature, Math.min(o.maxFeature, v)) : 0);
    const devLong = s.long.n === 0 ? 0 : (x - s.long.mean) / longScale;
    const season = seasonalNormal(s.seasonal, buckets);
    // The level keeps its own units (bytes/s can be huge); bounded only to stay a finite float32.
    out[at + F.level] = Math.max(-MAX_LEVEL, Math.min(MAX_LEVEL, x));
    out[at + F.dev_short] = clamp(s.short.n === 0 ? 0 : (x - s.short.mean) / longScale);
    out[at + F.dev_long] = clamp(devLong);
    // A bucket's own spread can be tiny (a quiet hour): a quarter of the long scale bounds it below.
    out[at + F.dev_seasonal] = clamp(season ? (x - season.mean) / Math.max(season.mad, 0.25 * longScale) : devLong);
    out[at + F.rate] = clamp(withRate && s.last !== null ? this.rate(s, x - s.last, season, buckets, previousBuckets) / Math.max(s.change.mean, floor) : 0);
    out[at + F.vol_short] = clamp(s.long.n < 2 ? 0 : Math.log((s.short.mad + floor) / (s.long.mad + floor)));
  }

  /** Smallest scale a deviation of this metric is divided by (see STEP_FLOOR and the options). */
  private scaleFloor(s: MetricState): number {
    const o = this.options;
    return Math.max(o.absoluteScaleFloor, o.relativeScaleFloor * Math.abs(s.long.mean), STEP_FLOOR * s.step.mean);
  }

  /** The scale of dev_short and dev_long: the long normal's robust spread, floored. */
  private longScale(s: MetricState): number {
    return Math.max(s.long.mad, this.scaleFloor(s));
  }

  /**
   * The change since the previous sample that the host's normal does not explain. A step that
   * recurs at the same time every day (a nightly job, office hours starting at 09:00) moves the
   * seasonal normal from one hour to the next: the rate is the change less that expected step.
   * Inside an hour, and where the season has no history yet, the change is kept whole; a step the
   * season expects that does not come is a rate too (of the opposite sign).
   */
  private rate(
    s: MetricState,
    change: number,
    season: SeasonalNormal | undefined,
    buckets: SeasonalBuckets,
    previousBuckets: SeasonalBuckets | undefined,
  ): number {
    if (!season || !previousBuckets || (previousBuckets.day === buckets.day && previousBuckets.week === buckets.week)) return change;
    const previous = seasonalNormal(s.seasonal, previousBuckets);
    if (!previous) return change;
    return change - (season.mean - previous.mean);
  }
}

/** The value assumed for a missing sample: the recent normal, else the last value, else 0. */
function imputed(s: MetricState): number {
  if (s.short.n > 0) return s.short.mean;
  return s.last ?? 0;
}

/** After a gap the recent past is unknown: start the recent normal again from the long normal. */
function restartRecentNormal(s: MetricState): void {
  if (s.long.n === 0) return;
  s.short = { mean: s.long.mean, mad: s.long.mad, n: 1 };
  s.last = null;
}
