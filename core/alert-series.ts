/**
 * The alert-series contract: scored samples as Prometheus series (remote write), which the alert
 * rules in grafana/alerts and the dashboards query. Every series carries `host` and the host's tags.
 */
import { SEVERITIES } from './manifest.js';
import { sameTags, type ScoredSample } from './scored-sample.js';

export const SERIES = {
  /** The anomaly score of the latest sample. */
  score: 'vigil_anomaly_score',
  /** The model's threshold, so rules compare score with it. */
  threshold: 'vigil_anomaly_threshold',
  /** 1 when the sample is anomalous, else 0; written for every sample (core/write-policy.ts), the others may be coarser. */
  anomaly: 'vigil_anomaly',
  /** Severity as a number: 0 normal, 1 low, 2 medium, 3 high, 4 critical. */
  severity: 'vigil_anomaly_severity',
  confidence: 'vigil_anomaly_confidence',
  /** 1 for the top contributing metric of an anomalous sample (label `metric`). */
  topMetric: 'vigil_anomaly_top_metric',
  /** Raw metric values (label `metric`). */
  hostMetric: 'vigil_host_metric',
  /**
   * Seconds from a host's newest sample in a batch to the batch's scoring: the pipeline's lag.
   * Timestamped at the scoring, one point a host and batch (lagCarriers), never at the sample's
   * time: a sample scored again then rewrites identical series, and the lag is a new point.
   */
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
 * Receives one point of a sample's series: its name, its value, the one extra label some series
 * carry (`model_version` or `metric`), and its time when it is not the sample's (the lag's).
 * Host and tag labels are the sample's own.
 */
export type SeriesVisitor = (name: string, value: number, extraLabel?: string, extraValue?: string, timestamp?: number) => void;

/**
 * The one definition of the series a scored sample yields, in order. `scoredAt` is when it was
 * scored (epoch ms); `carriesLag`: whether this sample carries its host's lag point (lagCarriers);
 * `detail`: whether it writes its detail series (core/write-policy.ts) or only those written for
 * every sample (the anomaly flag, and the top metric of an anomaly). toSeries and the scoring
 * function's remote-write encoder both walk it.
 *
 * Idempotent: every point at the sample's time depends on the sample and the model alone, so a
 * sample scored again (a redelivered batch, a record the agent sent again) writes the same values.
 */
export function visitSeries(
  s: ScoredSample,
  threshold: number,
  scoredAt: number,
  modelCreatedMs: number,
  visit: SeriesVisitor,
  carriesLag = true,
  detail = true,
): void {
  if (!detail) {
    visit(SERIES.anomaly, s.anomaly ? 1 : 0);
    if (s.anomaly) visit(SERIES.topMetric, 1, 'metric', s.topMetric);
    if (carriesLag) visit(SERIES.lag, Math.max(0, (scoredAt - s.time) / 1000), undefined, undefined, scoredAt);
    return;
  }
  visit(SERIES.score, s.score);
  visit(SERIES.threshold, threshold);
  visit(SERIES.anomaly, s.anomaly ? 1 : 0);
  visit(SERIES.severity, severityLevel(s.severity));
  visit(SERIES.confidence, s.confidence);
  visit(SERIES.modelCreated, modelCreatedMs / 1000, 'model_version', s.modelVersion);
  // for-in: the metrics' own keys in Object.keys order, each value read without a lookup by name.
  for (const metric in s.metrics) visit(SERIES.hostMetric, s.metrics[metric]!, 'metric', metric);
  if (s.anomaly) visit(SERIES.topMetric, 1, 'metric', s.topMetric);
  if (carriesLag) visit(SERIES.lag, Math.max(0, (scoredAt - s.time) / 1000), undefined, undefined, scoredAt);
}

/**
 * Which samples carry their host's lag point: per host and tag set, the newest sample of the batch
 * (the last of equal times). One lag point a host and scoring, so no two differ at one timestamp.
 * With `detail` (the write policy's choice, core/write-policy.ts), only hosts with a detail sample
 * in the batch: the lag then has a point as often as the detail series, whatever the record size.
 */
export function lagCarriers(samples: readonly ScoredSample[], detail?: readonly boolean[]): boolean[] {
  // Per host, the newest sample of each tag set (a host has one tag set but in rare moments).
  const newest = new Map<string, number[]>();
  samples.forEach((s, i) => {
    const variants = newest.get(s.host);
    if (!variants) {
      newest.set(s.host, [i]);
      return;
    }
    const k = variants.findIndex((j) => sameTags(samples[j]!.tags, s.tags));
    if (k < 0) variants.push(i);
    else if (samples[variants[k]!]!.time <= s.time) variants[k] = i;
  });
  const carriers = samples.map(() => false);
  for (const variants of newest.values()) for (const i of variants) carriers[i] = true;
  if (!detail) return carriers;
  // A tag set's carrier keeps the point only if one of its samples writes its detail.
  const withDetail = new Set<number>();
  samples.forEach((s, i) => {
    if (!detail[i]) return;
    const variants = newest.get(s.host)!;
    withDetail.add(variants.find((j) => sameTags(samples[j]!.tags, s.tags))!);
  });
  return carriers.map((carries, i) => carries && withDetail.has(i));
}

/**
 * The series one scored sample yields, with all their labels. `scoredAt` is when it was scored
 * (epoch ms); `carriesLag`: whether it carries its host's lag point (lagCarriers); `detail`:
 * whether it writes its detail series (visitSeries).
 */
export function toSeries(s: ScoredSample, threshold: number, scoredAt: number, modelCreatedMs: number, carriesLag = true, detail = true): Series[] {
  const base = { ...s.tags, host: s.host };
  const out: Series[] = [];
  visitSeries(
    s,
    threshold,
    scoredAt,
    modelCreatedMs,
    (name, value, extraLabel, extraValue, timestamp) => {
      const labels = extraLabel === undefined ? { __name__: name, ...base } : { __name__: name, ...base, [extraLabel]: extraValue! };
      out.push({ labels, value, timestamp: timestamp ?? s.time });
    },
    carriesLag,
    detail,
  );
  return out;
}
