/**
 * The model's band: per sample and metric, the values the model would take as normal for that
 * metric on that host at that moment, drawn on the host dashboard around the value.
 *
 * The agent computes each metric's long normal and long scale (features/pipeline.ts) and sends
 * them with the sample (wire version 3, core/wire.ts); the sample's dev_long feature is
 * (value - normal) / scale. The model's extremeness branch (models/extremeness.ts) flags a sample
 * on its own as soon as one feature leaves center ± reach, where center and reach come from the
 * training data and are in the manifest (baseline.center, baseline.reach). So the value may go
 *
 *   from normal + (center - reach) x scale   to   normal + (center + reach) x scale
 *
 * before its deviation from the long normal alone makes the sample anomalous, and it must stay
 * within the level feature's own range (its center ± reach, in the metric's units), and at 0 or
 * above for vigil's host metrics, which are never negative. The band is the ranges' intersection. The model can still flag a value inside it, for how fast it moved
 * (rate), against its recent or time-of-day normal, or for the combination of metrics (the
 * forest); those samples are drawn as flagged points, and their alert says which way the metric
 * went (agreeing with the band when the value is outside it: bandDirection).
 *
 * A manifest without reach (a model published before reach existed, or a forest-only model)
 * takes FALLBACK_REACH_SCALES of the feature's training scale: the narrowest reach training
 * calibrates (models/extremeness.ts DEFAULT_REACH_OPTIONS: margin 3 x minimumScales 3), so such a
 * band is never wider than a retrained model's would be for the same training spread.
 */
import { DEFAULT_FEATURE_LIMIT } from './features.js';
import { HOST_METRICS } from './host-metrics.js';
import type { Manifest } from './manifest.js';

const NON_NEGATIVE = new Set<string>(HOST_METRICS);

/** Reach in training scales where the manifest has none (see the top of this file). */
export const FALLBACK_REACH_SCALES = 9;

/** One metric's band limits, as the model gives them. */
export interface MetricReach {
  /** Band = normal + [low, high] x scale (scale units; low < high). Infinite where dev_long is clamped before it gets there. */
  readonly low: number;
  readonly high: number;
  /** And within [levelLow, levelHigh] (the metric's units); infinite where the model has no level feature. */
  readonly levelLow: number;
  readonly levelHigh: number;
}

/** A scored sample's band: lower and upper bound per metric, in the agent's units (what the raw value is in). */
export interface SampleBand {
  /** The metrics, in the order of `bounds`. */
  readonly metrics: readonly string[];
  /**
   * From `at` on, two values a metric: lower, upper; NaN for both where the sample has no band for
   * it. Shared by the samples of a record (each its own `at`): one array a record, not a sample.
   */
  readonly bounds: Float64Array;
  readonly at: number;
}

const reachByManifest = new WeakMap<object, ReadonlyMap<string, MetricReach>>();

/** Per metric of the model's feature set, its band limits from the manifest (see the top of this file); computed once per manifest object. */
export function bandReach(manifest: Pick<Manifest, 'featureSet' | 'baseline'>): ReadonlyMap<string, MetricReach> {
  let known = reachByManifest.get(manifest);
  if (!known) reachByManifest.set(manifest, (known = computeBandReach(manifest)));
  return known;
}

function computeBandReach(manifest: Pick<Manifest, 'featureSet' | 'baseline'>): ReadonlyMap<string, MetricReach> {
  const { names, metrics } = manifest.featureSet;
  const { center, scale, reach } = manifest.baseline;
  const clamp = DEFAULT_FEATURE_LIMIT;
  const range = (name: string): [number, number] | undefined => {
    const f = names.indexOf(name);
    if (f < 0) return undefined;
    const r = reach?.[f] ?? FALLBACK_REACH_SCALES * scale[f]!;
    return [center[f]! - r, center[f]! + r];
  };
  const out = new Map<string, MetricReach>();
  for (const metric of metrics) {
    const dev = range(`${metric}.dev_long`);
    if (!dev) continue;
    const level = range(`${metric}.level`) ?? [-Infinity, Infinity];
    // vigil's host metrics are never negative (the pipeline takes a negative value for a missing one): nor is their band.
    if (NON_NEGATIVE.has(metric)) level[0] = Math.max(level[0], 0);
    // dev_long is clamped to ±maxFeature by the pipeline: a limit beyond it is never reached.
    out.set(metric, {
      low: dev[0] <= -clamp ? -Infinity : dev[0],
      high: dev[1] >= clamp ? Infinity : dev[1],
      levelLow: level[0],
      levelHigh: level[1],
    });
  }
  return out;
}

/**
 * Writes the band of one metric into bounds[at], bounds[at + 1]: the intersection of the
 * deviation range around the normal and the level range. NaN for a bound the model never
 * reaches, and for both where there is no band (no normal yet, or an empty intersection: the
 * host's normal is outside what the model takes as a normal level, and every value is anomalous).
 */
export function writeBand(normal: number, scale: number, reach: MetricReach | undefined, bounds: Float64Array, at: number): void {
  let lower = Number.NaN;
  let upper = Number.NaN;
  if (reach && Number.isFinite(normal) && scale > 0) {
    lower = Math.max(normal + reach.low * scale, reach.levelLow);
    upper = Math.min(normal + reach.high * scale, reach.levelHigh);
    if (lower > upper) lower = upper = Number.NaN;
    if (!Number.isFinite(lower)) lower = Number.NaN;
    if (!Number.isFinite(upper)) upper = Number.NaN;
  }
  bounds[at] = lower;
  bounds[at + 1] = upper;
}

/** 'above' or 'below' when `value` is outside metric `metric`'s band of `band`, else undefined. */
export function bandDirection(band: SampleBand | undefined, metric: string, value: number | undefined): 'above' | 'below' | undefined {
  if (!band || value === undefined) return undefined;
  const k = band.metrics.indexOf(metric);
  if (k < 0) return undefined;
  if (value > band.bounds[band.at + 2 * k + 1]!) return 'above';
  if (value < band.bounds[band.at + 2 * k]!) return 'below';
  return undefined;
}
