/**
 * The seasonal normal of one metric: a robust EWMA per hour of day (24 buckets) and per hour of
 * week (168 buckets). The hour-of-week normal takes over from the hour-of-day normal as weeks of
 * history accumulate. O(1) per sample: one bucket of each kind is read and updated.
 */
import { emptyEwma, updateEwma, type EwmaState } from './robust-ewma.js';

export const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const DAY_BUCKETS = 24;
export const WEEK_BUCKETS = 7 * 24;

export interface SeasonalBucket extends EwmaState {
  /** Sampling time folded into this bucket (ms), to judge how many periods it has seen. */
  covered: number;
}

export interface SeasonalState {
  day: SeasonalBucket[];
  week: SeasonalBucket[];
}

export const emptySeasonal = (): SeasonalState => ({
  day: Array.from({ length: DAY_BUCKETS }, () => ({ ...emptyEwma(), covered: 0 })),
  week: Array.from({ length: WEEK_BUCKETS }, () => ({ ...emptyEwma(), covered: 0 })),
});

export interface SeasonalBuckets {
  readonly day: number;
  readonly week: number;
}

/** Buckets of a local time (epoch ms already shifted to local time). */
export function bucketsOf(localMs: number): SeasonalBuckets {
  const dayIndex = Math.floor(localMs / DAY_MS);
  const hour = Math.floor((localMs - dayIndex * DAY_MS) / HOUR_MS);
  // 1970-01-01 was a Thursday; +3 makes Monday 0. Any fixed origin would do.
  const weekday = (((dayIndex + 3) % 7) + 7) % 7;
  return { day: hour, week: weekday * 24 + hour };
}

export interface SeasonalNormal {
  readonly mean: number;
  readonly mad: number;
}

/** The seasonal normal for these buckets, or undefined before the hour-of-day bucket has any history. */
export function seasonalNormal(state: SeasonalState, at: SeasonalBuckets): SeasonalNormal | undefined {
  const day = state.day[at.day]!;
  if (day.n === 0) return undefined;
  const week = state.week[at.week]!;
  // An hour-of-week bucket sees one hour a week: trust it from its second week, fully from its third.
  const w = week.n === 0 ? 0 : Math.min(1, Math.max(0, (week.covered - HOUR_MS) / (2 * HOUR_MS)));
  return { mean: w * week.mean + (1 - w) * day.mean, mad: w * week.mad + (1 - w) * day.mad };
}

/**
 * Folds x into its buckets. `weightMs` is the sampling time this sample stands for (the typical
 * interval, not the time since the last sample: a gap must not count as history).
 */
export function updateSeasonal(state: SeasonalState, at: SeasonalBuckets, x: number, weightMs: number, days: number, weeks: number, clip: number): void {
  const day = state.day[at.day]!;
  const week = state.week[at.week]!;
  // A bucket is visited one hour per period, so its memory in bucket time is periods x 1 hour.
  updateEwma(day, x, Math.min(1, weightMs / (days * HOUR_MS)), clip);
  updateEwma(week, x, Math.min(1, weightMs / (weeks * HOUR_MS)), clip);
  day.covered += weightMs;
  week.covered += weightMs;
}
