/**
 * Which metrics of one host's history are also seen on a log scale (core/features.ts LogView), chosen
 * from the rows a model trains on, without labels.
 *
 * A metric qualifies when it never went below 0 and is right-skewed: its 99th percentile is more than
 * SKEW times its median. Byte and request rates, latencies and error counts are; shares that sit in a
 * band (CPU, memory, disk used) are not, and their linear scale already says what is unusual. The
 * view's scale is the median (a typical value maps to ln 2), or the 99th percentile for a metric that
 * is 0 at least half of the time; a metric whose 99th percentile is 0 has no view.
 * How it was measured: docs/detection.md (experiments 36 and 37).
 */
import type { LogView } from '../core/features.js';
import { quantile } from '../core/quantile.js';

/** 99th percentile over the median above which a non-negative metric is right-skewed. */
export const SKEW = 3;

/** The log views for `metrics` given their training values (`valuesOf(metric)`; non-finite values are ignored). */
export function logViewsOf(metrics: readonly string[], valuesOf: (metric: string) => ArrayLike<number>): LogView[] {
  return metrics.flatMap((metric): LogView[] => {
    const scale = logScaleOf(valuesOf(metric));
    return scale === undefined ? [] : [{ metric, scale }];
  });
}

/** The log view's scale for these values, or undefined when they are not non-negative and right-skewed. */
export function logScaleOf(values: ArrayLike<number>): number | undefined {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < 0) return undefined;
    finite.push(v);
  }
  if (finite.length === 0) return undefined;
  const sorted = Float64Array.from(finite).sort();
  const median = quantile(sorted, 0.5);
  const q99 = quantile(sorted, 0.99);
  if (!(q99 > SKEW * median)) return undefined;
  return median > 0 ? median : q99;
}

/** The value on the view's log scale: ln(1 + x / scale). */
export function logViewValue(x: number, scale: number): number {
  return Math.log1p(x / scale);
}
