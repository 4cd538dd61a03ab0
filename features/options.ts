/**
 * Tuning of the feature pipeline. Horizons are counted in samples (the agent samples at a fixed
 * interval; CSV files have their own), seasonal memory in days and weeks of wall-clock time.
 */
import { DEFAULT_FEATURE_LIMIT } from '../core/features.js';
import { HOST_METRICS } from '../core/host-metrics.js';

export interface FeatureOptions {
  /** Span (samples) of the recent normal: pandas-style EWMA span, alpha = 2 / (span + 1). */
  readonly shortSpan: number;
  /** Span (samples) of the longer normal. */
  readonly longSpan: number;
  /** Days of memory of the time-of-day normal (24 hourly buckets). */
  readonly seasonalDays: number;
  /** Weeks of memory of the day-of-week normal (168 hour-of-week buckets). */
  readonly seasonalWeeks: number;
  /** A time step longer than this many typical sampling intervals is a gap (host offline). */
  readonly gapIntervals: number;
  /** Robust updates clip an innovation to this many mean absolute deviations. */
  readonly clipMads: number;
  /** Every feature is clamped to +-this, so one absurd input cannot produce absurd features. */
  readonly maxFeature: number;
  /** Smallest scale a deviation is divided by, relative to |long mean| (flat series). */
  readonly relativeScaleFloor: number;
  /** Smallest scale a deviation is divided by, absolute (series that sit at 0). */
  readonly absoluteScaleFloor: number;
  /** Metrics that cannot be negative (gauges, per-second rates): a negative value is a counter reset, treated as missing. */
  readonly nonNegativeMetrics: readonly string[];
  /** Offset of local time from UTC in minutes, for the time-of-day and day-of-week buckets. */
  readonly utcOffsetMinutes: number;
}

export const DEFAULT_FEATURE_OPTIONS: FeatureOptions = {
  shortSpan: 12,
  longSpan: 500,
  seasonalDays: 7,
  seasonalWeeks: 4,
  gapIntervals: 5,
  clipMads: 4,
  maxFeature: DEFAULT_FEATURE_LIMIT,
  relativeScaleFloor: 1e-3,
  absoluteScaleFloor: 1e-6,
  nonNegativeMetrics: HOST_METRICS,
  utcOffsetMinutes: 0,
};

const POSITIVE_NUMBERS = ['shortSpan', 'longSpan', 'seasonalDays', 'seasonalWeeks', 'gapIntervals', 'clipMads', 'maxFeature', 'absoluteScaleFloor'] as const;

/** Defaults merged with overrides; throws naming the option, the value given and the accepted range. */
export function resolveFeatureOptions(overrides: Partial<FeatureOptions> = {}): FeatureOptions {
  const options: FeatureOptions = { ...DEFAULT_FEATURE_OPTIONS, ...withoutUndefined(overrides) };
  for (const key of POSITIVE_NUMBERS) {
    const value = options[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new Error(
        `feature option ${key} must be a finite number > 0; got ${String(value)}: pass a positive number or leave it out for the default (${DEFAULT_FEATURE_OPTIONS[key]})`,
      );
    }
  }
  if (options.shortSpan < 1 || options.longSpan < options.shortSpan) {
    throw new Error(
      `feature options need 1 <= shortSpan <= longSpan; got shortSpan ${options.shortSpan}, longSpan ${options.longSpan}: make the long horizon at least as long as the short one`,
    );
  }
  if (!(options.relativeScaleFloor >= 0 && Number.isFinite(options.relativeScaleFloor))) {
    throw new Error(`feature option relativeScaleFloor must be a finite number >= 0; got ${String(options.relativeScaleFloor)}`);
  }
  if (!Number.isInteger(options.utcOffsetMinutes) || Math.abs(options.utcOffsetMinutes) > 14 * 60) {
    throw new Error(`feature option utcOffsetMinutes must be an integer between -840 and 840; got ${String(options.utcOffsetMinutes)}`);
  }
  return options;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
