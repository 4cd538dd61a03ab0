/** Which way an anomalous sample's top metric went (model-store/explain.ts metricDirection). */
import { describe, expect, it } from 'vitest';
import { featureSetFor, PER_METRIC_FEATURES } from '../../core/features.js';
import { metricDirection } from '../../model-store/explain.js';

const featureSet = featureSetFor(['cpu_pct', 'mem_used_pct']);
const width = featureSet.names.length;
const at = (metric: string, feature: (typeof PER_METRIC_FEATURES)[number]): number =>
  featureSet.metrics.indexOf(metric) * PER_METRIC_FEATURES.length + PER_METRIC_FEATURES.indexOf(feature);
const baseline = { center: new Array<number>(width).fill(0), scale: new Array<number>(width).fill(1), reach: new Array<number | null>(width).fill(2) };

describe('metricDirection', () => {
  it('follows the position feature furthest from the center in reach units: above, below', () => {
    const row = new Array<number>(width).fill(0);
    row[at('cpu_pct', 'dev_long')] = 6;
    row[at('cpu_pct', 'dev_short')] = -3;
    expect(metricDirection(row, featureSet, baseline, 0, 'cpu_pct')).toBe('above');
    row[at('cpu_pct', 'dev_seasonal')] = -9;
    expect(metricDirection(row, featureSet, baseline, 0, 'cpu_pct')).toBe('below');
  });

  it('ignores changes and spreads (rate, vol_short), and reads the row at its offset in a batch', () => {
    const rows = new Array<number>(2 * width).fill(0);
    rows[width + at('mem_used_pct', 'rate')] = 50;
    rows[width + at('mem_used_pct', 'vol_short')] = 50;
    rows[width + at('mem_used_pct', 'level')] = -1;
    expect(metricDirection(rows, featureSet, baseline, width, 'mem_used_pct')).toBe('below');
    expect(metricDirection(rows, featureSet, baseline, 0, 'mem_used_pct')).toBe('above');
  });

  it('uses the scale where the model has no reach (a model trained elsewhere)', () => {
    const row = new Array<number>(width).fill(0);
    row[at('cpu_pct', 'level')] = 4; // 4 scale units
    row[at('cpu_pct', 'dev_long')] = -3; // 30 scale units
    const scale = new Array<number>(width).fill(1);
    scale[at('cpu_pct', 'dev_long')] = 0.1;
    expect(metricDirection(row, featureSet, { center: baseline.center, scale }, 0, 'cpu_pct')).toBe('below');
  });
});
