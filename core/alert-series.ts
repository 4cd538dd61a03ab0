/**
 * The alert-series contract: scored samples as Prometheus series (remote write), which the alert
 * rules in grafana/alerts and the dashboards query. Every series carries `host` and the host's tags.
 */
import { SEVERITIES } from './manifest.js';
import type { ScoredSample } from './scored-sample.js';

export const SERIES = {
  /** The anomaly score of the latest sample. */
  score: 'vigil_anomaly_score',
  /** The model's threshold, so rules compare score with it. */
  threshold: 'vigil_anomaly_threshold',
  /** 1 when the sample is anomalous, else 0. */
  anomaly: 'vigil_anomaly',
  /** Severity as a number: 0 normal, 1 low, 2 medium, 3 high, 4 critical. */
  severity: 'vigil_anomaly_severity',
  confidence: 'vigil_anomaly_confidence',
  /** 1 for the top contributing metric of an anomalous sample (label `metric`). */
  topMetric: 'vigil_anomaly_top_metric',
  /** Raw metric values (label `metric`). */
  hostMetric: 'vigil_host_metric',
  /** Seconds from sample time to scoring: the pipeline's lag. */
  lag: 'vigil_result_lag_seconds',
  /** Unix seconds when the scoring model was created (label `model_version`). */
  modelCreated: 'vigil_model_created_timestamp_seconds',
} as const;

export interface Series {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** epoch milliseconds */
  readonly timestamp: number;
}

export function severityLevel(severity: ScoredSample['severity']): number {
  return SEVERITIES.indexOf(severity);
}

/**
 * Receives one point of a sample's series: its name, its value, and the one extra label some
 * series carry (`model_version` or `metric`). Host and tag labels are the sample's own.
 */
export type SeriesVisitor = (name: string, value: number, extraLabel?: string, extraValue?: string) => void;

/**
 * The one definition of the series a scored sample yields, in order. `scoredAt` is when it was
 * scored (epoch ms). toSeries and the scoring function's remote-write encoder both walk it.
 */
export function visitSeries(s: ScoredSample, threshold: number, scoredAt: number, modelCreatedMs: number, visit: SeriesVisitor): void {
  visit(SERIES.score, s.score);
  visit(SERIES.threshold, threshold);
  visit(SERIES.anomaly, s.anomaly ? 1 : 0);
  visit(SERIES.severity, severityLevel(s.severity));
  visit(SERIES.confidence, s.confidence);
  visit(SERIES.lag, Math.max(0, (scoredAt - s.time) / 1000));
  visit(SERIES.modelCreated, modelCreatedMs / 1000, 'model_version', s.modelVersion);
  // for-in: the metrics' own keys in Object.keys order, each value read without a lookup by name.
  for (const metric in s.metrics) visit(SERIES.hostMetric, s.metrics[metric]!, 'metric', metric);
  if (s.anomaly) visit(SERIES.topMetric, 1, 'metric', s.topMetric);
}

/** The series one scored sample yields, with all their labels. `scoredAt` is when it was scored (epoch ms). */
export function toSeries(s: ScoredSample, threshold: number, scoredAt: number, modelCreatedMs: number): Series[] {
  const base = { ...s.tags, host: s.host };
  const out: Series[] = [];
  visitSeries(s, threshold, scoredAt, modelCreatedMs, (name, value, extraLabel, extraValue) => {
    const labels = extraLabel === undefined ? { __name__: name, ...base } : { __name__: name, ...base, [extraLabel]: extraValue! };
    out.push({ labels, value, timestamp: s.time });
  });
  return out;
}
