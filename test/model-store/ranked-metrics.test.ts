/** The order in which a scored sample names its metrics (model-store/explain.ts rankedMetrics). */
import { describe, expect, it } from 'vitest';
import { featureSetFor, PER_METRIC_FEATURES } from '../../core/features.js';
import { RANKED_METRICS, metricDistances, rankedMetrics } from '../../model-store/explain.js';

const metrics = ['cpu_pct', 'mem_used_pct', 'disk_used_pct'];
const featureSet = featureSetFor(metrics);
const width = featureSet.names.length;
const at = (metric: string, feature: (typeof PER_METRIC_FEATURES)[number]): number =>
  featureSet.metrics.indexOf(metric) * PER_METRIC_FEATURES.length + PER_METRIC_FEATURES.indexOf(feature);
// vol_short has no reach: the extremeness branch leaves it out, and so does the ranking.
const reach = featureSet.names.map((name) => (name.endsWith('.vol_short') ? null : 2));
const baseline = { center: new Array<number>(width).fill(0), scale: new Array<number>(width).fill(1), reach };

describe('rankedMetrics', () => {
  it('puts a metric whose level and deviations all left their normal range before one whose single feature jumped', () => {
    const row = new Array<number>(width).fill(0);
    row[at('cpu_pct', 'rate')] = 8; // one feature at 4 reaches: a one-sample spike
    for (const feature of ['level', 'dev_short', 'dev_long', 'dev_seasonal'] as const) row[at('mem_used_pct', feature)] = 5; // four at 2.5 reaches
    row[at('disk_used_pct', 'vol_short')] = 1_000; // no reach: not counted
    expect(metricDistances(row, featureSet, baseline)).toEqual(Float64Array.from([4, 10, 0]));
    expect(rankedMetrics(row, featureSet, baseline)).toEqual(['mem_used_pct', 'cpu_pct', 'disk_used_pct']);
  });

  it('keeps every metric of a host up to RANKED_METRICS, reading the row at its offset in a batch', () => {
    const wide = featureSetFor(Array.from({ length: RANKED_METRICS + 5 }, (_, m) => `m${m}`));
    const perMetric = PER_METRIC_FEATURES.length;
    const rows = new Array<number>(2 * wide.names.length).fill(0);
    // Second row: metric m's level at m reach units, so the ranking is the metrics in reverse order.
    wide.metrics.forEach((_, m) => (rows[wide.names.length + m * perMetric + PER_METRIC_FEATURES.indexOf('level')] = m));
    const wideBaseline = {
      center: new Array<number>(wide.names.length).fill(0),
      scale: new Array<number>(wide.names.length).fill(1),
      reach: new Array<number | null>(wide.names.length).fill(1),
    };
    const ranked = rankedMetrics(rows, wide, wideBaseline, wide.names.length);
    expect(ranked).toHaveLength(RANKED_METRICS);
    expect(ranked[0]).toBe(`m${RANKED_METRICS + 4}`);
    expect(ranked.at(-1)).toBe('m5');
  });
});
