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

/** The series one scored sample yields. `scoredAt` is when it was scored (epoch ms). */
export function toSeries(s: ScoredSample, threshold: number, scoredAt: number, modelCreatedMs: number): Series[] {
  const base = { ...s.tags, host: s.host };
  const at = (name: string, value: number, extra: Record<string, string> = {}): Series => ({
    labels: { __name__: name, ...base, ...extra },
    value,
    timestamp: s.time,
  });
  const out: Series[] = [
    at(SERIES.score, s.score),
    at(SERIES.threshold, threshold),
    at(SERIES.anomaly, s.anomaly ? 1 : 0),
    at(SERIES.severity, severityLevel(s.severity)),
    at(SERIES.confidence, s.confidence),
    at(SERIES.lag, Math.max(0, (scoredAt - s.time) / 1000)),
    at(SERIES.modelCreated, modelCreatedMs / 1000, { model_version: s.modelVersion }),
    ...Object.entries(s.metrics).map(([metric, value]) => at(SERIES.hostMetric, value, { metric })),
  ];
  if (s.anomaly) out.push(at(SERIES.topMetric, 1, { metric: s.topMetric }));
  return out;
}
