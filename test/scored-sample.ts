/** A scored sample for tests: a normal one of model `v1` unless `fields` say otherwise. */
import type { ScoredSample } from '../core/scored-sample.js';

export function scoredSample(fields: Partial<ScoredSample> & Pick<ScoredSample, 'host' | 'seq' | 'time'>): ScoredSample {
  return {
    tags: {},
    metrics: { cpu_pct: 1 },
    score: 0.1,
    anomaly: false,
    severity: 'normal',
    confidence: 0,
    topMetric: 'cpu_pct',
    rankedMetrics: ['cpu_pct'],
    modelVersion: 'v1',
    recordVersion: 1,
    ...fields,
  };
}
