/**
 * The alert-series contract: scored samples as Prometheus series (remote write), which the alert
 * rules in alerting/ and the dashboards query. Every series carries `host`, `instance` (the same
 * value: what node_exporter users join on) and the host's tags. Names follow the Prometheus naming
 * guide: base units in the name (`_seconds`, `_bytes_per_second`), shares as `_ratio` (0..1).
 */
import type { HostMetric } from './host-metrics.js';
import { SEVERITIES } from './manifest.js';
import type { SampleBand } from './band.js';
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
  /** 0..1: how sure the model is of its verdict (model-store/explain.ts confidenceOf). */
  confidence: 'vigil_anomaly_confidence_ratio',
  /** 1 for the top contributing metric of an anomalous sample (label `metric`). */
  topMetric: 'vigil_anomaly_top_metric',
  /** 1 when that metric went above the host's normal, -1 below (label `metric`). */
  topDirection: 'vigil_anomaly_top_metric_direction',
  /**
   * Seconds from a host's newest sample in a batch to the batch's scoring: the pipeline's lag.
   * Timestamped at the scoring, one point a host and batch (lagCarriers), never at the sample's
   * time: a sample scored again then rewrites identical series, and the lag is a new point.
   */
  lag: 'vigil_result_lag_seconds',
  /** Unix seconds when the scoring model was created (label `model_version`). */
  modelCreated: 'vigil_model_created_timestamp_seconds',
} as const;

/**
 * Each raw metric's series: its name with its base unit, and the factor from the agent's unit (a
 * percentage becomes a ratio). Every point also carries the agent's name in the label `metric`, so
 * it joins with vigil_anomaly_top_metric. A metric of another model is `vigil_host_<metric>`, as sent.
 */
export const HOST_METRIC_SERIES: Readonly<Record<HostMetric, { readonly name: string; readonly scale: number; readonly help: string }>> = {
  cpu_pct: { name: 'vigil_host_cpu_busy_ratio', scale: 0.01, help: 'Busy share of all CPUs (0..1).' },
  load1_per_cpu: { name: 'vigil_host_load1_per_cpu', scale: 1, help: '1-minute load average divided by the CPU count.' },
  mem_used_pct: { name: 'vigil_host_memory_used_ratio', scale: 0.01, help: 'Share of memory in use: (total - available) / total.' },
  swap_used_pct: { name: 'vigil_host_swap_used_ratio', scale: 0.01, help: 'Share of swap in use (0 without swap).' },
  disk_used_pct: { name: 'vigil_host_filesystem_used_ratio', scale: 0.01, help: 'Share of the fullest real filesystem in use.' },
  disk_read_bps: { name: 'vigil_host_disk_read_bytes_per_second', scale: 1, help: 'Bytes read per second, all block devices.' },
  disk_write_bps: { name: 'vigil_host_disk_written_bytes_per_second', scale: 1, help: 'Bytes written per second, all block devices.' },
  net_rx_bps: { name: 'vigil_host_network_receive_bytes_per_second', scale: 1, help: 'Bytes received per second, all non-loopback interfaces.' },
  net_tx_bps: { name: 'vigil_host_network_transmit_bytes_per_second', scale: 1, help: 'Bytes sent per second, all non-loopback interfaces.' },
  net_errors_ps: { name: 'vigil_host_network_errors_per_second', scale: 1, help: 'Receive and transmit errors and drops per second.' },
};

/** The prefix of every raw metric's series. */
export const HOST_METRIC_PREFIX = 'vigil_host_';

const otherMetrics = new Map<string, { readonly name: string; readonly scale: number }>();

/** The series of raw metric `metric`: HOST_METRIC_SERIES's, or `vigil_host_<metric>` unscaled for another model's. */
export function hostMetricSeries(metric: string): { readonly name: string; readonly scale: number } {
  const known = (HOST_METRIC_SERIES as Readonly<Record<string, { readonly name: string; readonly scale: number }>>)[metric];
  if (known) return known;
  let other = otherMetrics.get(metric);
  if (!other) otherMetrics.set(metric, (other = { name: `${HOST_METRIC_PREFIX}${metric}`, scale: 1 }));
  return other;
}

/** Unit suffixes of the raw metric series (the naming guide puts the unit last; the band's words go before it). */
const UNIT_SUFFIXES = ['_bytes_per_second', '_per_second', '_ratio'];

/** The series of a raw metric's band (core/band.ts): its name with `_band_lower` / `_band_upper` before the unit, in the same unit. */
export interface BandSeries {
  readonly lower: string;
  readonly upper: string;
  readonly scale: number;
}

const bandSeriesByMetric = new Map<string, BandSeries>();

/** The band series of raw metric `metric` (`vigil_host_cpu_busy_band_upper_ratio` for cpu_pct). */
export function bandSeries(metric: string): BandSeries {
  let band = bandSeriesByMetric.get(metric);
  if (!band) {
    const { name, scale } = hostMetricSeries(metric);
    const unit = UNIT_SUFFIXES.find((suffix) => name.endsWith(suffix)) ?? '';
    const base = name.slice(0, name.length - unit.length);
    bandSeriesByMetric.set(metric, (band = { lower: `${base}_band_lower${unit}`, upper: `${base}_band_upper${unit}`, scale }));
  }
  return band;
}

/** HELP text of each series (remote-write metadata): all of them gauges. */
const SERIES_HELP: Readonly<Record<string, string>> = {
  [SERIES.score]: "The model's anomaly score of the sample: higher is more anomalous.",
  [SERIES.threshold]: "The scoring model's threshold: a score at or above it is an anomaly.",
  [SERIES.anomaly]: '1 when the sample scored at or above the threshold, else 0; written for every sample.',
  [SERIES.severity]: 'Severity of the sample: 0 normal, 1 low, 2 medium, 3 high, 4 critical.',
  [SERIES.confidence]: 'How sure the model is of its verdict, 0..1.',
  [SERIES.topMetric]: '1 for the raw metric (label metric) that contributed most to an anomalous sample.',
  [SERIES.topDirection]: "1 when an anomalous sample's top metric (label metric) went above the host's normal, -1 below.",
  [SERIES.lag]: "Seconds from a host's newest sample in a batch to the batch's scoring.",
  [SERIES.modelCreated]: 'Unix time the scoring model (label model_version) was created.',
  ...Object.fromEntries(Object.values(HOST_METRIC_SERIES).map((s) => [s.name, s.help])),
  ...Object.fromEntries(
    Object.entries(HOST_METRIC_SERIES).flatMap(([metric, s]) => [
      [
        bandSeries(metric).lower,
        `Lower bound of the model's band for ${s.name}: the host's long normal less what the model lets the metric deviate before it alone is anomalous.`,
      ],
      [
        bandSeries(metric).upper,
        `Upper bound of the model's band for ${s.name}: the host's long normal plus what the model lets the metric deviate before it alone is anomalous.`,
      ],
    ]),
  ),
};

/** The HELP text of series `name`; a raw metric of another model's is described by its name. */
export function seriesHelp(name: string): string {
  const help = SERIES_HELP[name];
  if (help !== undefined) return help;
  if (!name.startsWith(HOST_METRIC_PREFIX)) return `The series ${name}.`;
  const bound = /_band_(lower|upper)$/.exec(name);
  if (bound)
    return `${bound[1] === 'lower' ? 'Lower' : 'Upper'} bound of the model's band for the raw metric ${name.slice(HOST_METRIC_PREFIX.length, bound.index)}.`;
  return `Raw metric ${name.slice(HOST_METRIC_PREFIX.length)} of the host, as its agent sent it.`;
}

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
 * Which band points a sample writes (core/write-policy.ts BandSelector): every metric's (true),
 * none (false), or those whose entry is 1, by index in the sample's band (core/band.ts SampleBand).
 */
export type BandPoints = boolean | Uint8Array;

/**
 * The one definition of the series a scored sample yields, in order. `scoredAt` is when it was
 * scored (epoch ms); `carriesLag`: whether this sample carries its host's lag point (lagCarriers);
 * `detail`: whether it writes its detail series (core/write-policy.ts) or only those written for
 * every sample (the anomaly flag, and the top metric of an anomaly); `band`: which of its band's
 * bounds it writes (core/write-policy.ts), each metric's as the metric's own series in its unit.
 * toSeries and the scoring function's remote-write encoder both walk it.
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
  band: BandPoints = detail,
): void {
  if (!detail) {
    visit(SERIES.anomaly, s.anomaly ? 1 : 0);
    if (band !== false && s.band) visitBand(s.band, band, visit);
    if (s.anomaly) visitTopMetric(s, visit);
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
  for (const metric in s.metrics) {
    const series = hostMetricSeries(metric);
    visit(series.name, series.scale === 1 ? s.metrics[metric]! : s.metrics[metric]! * series.scale, 'metric', metric);
  }
  if (band !== false && s.band) visitBand(s.band, band, visit);
  if (s.anomaly) visitTopMetric(s, visit);
  if (carriesLag) visit(SERIES.lag, Math.max(0, (scoredAt - s.time) / 1000), undefined, undefined, scoredAt);
}

/** The band's bounds the sample writes (every metric's, or those `points` marks), each skipped where NaN. */
function visitBand(band: SampleBand, points: true | Uint8Array, visit: SeriesVisitor): void {
  const { metrics, bounds, at } = band;
  for (let k = 0; k < metrics.length; k++) {
    if (points !== true && points[k] !== 1) continue;
    const lower = bounds[at + 2 * k]!;
    const upper = bounds[at + 2 * k + 1]!;
    if (lower !== lower && upper !== upper) continue;
    const series = bandSeries(metrics[k]!);
    if (lower === lower) visit(series.lower, lower * series.scale, 'metric', metrics[k]);
    if (upper === upper) visit(series.upper, upper * series.scale, 'metric', metrics[k]);
  }
}

/** An anomaly's top metric, and which way it went when the scoring said. */
function visitTopMetric(s: ScoredSample, visit: SeriesVisitor): void {
  visit(SERIES.topMetric, 1, 'metric', s.topMetric);
  if (s.topDirection) visit(SERIES.topDirection, s.topDirection === 'above' ? 1 : -1, 'metric', s.topMetric);
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
export function toSeries(
  s: ScoredSample,
  threshold: number,
  scoredAt: number,
  modelCreatedMs: number,
  carriesLag = true,
  detail = true,
  band: BandPoints = detail,
): Series[] {
  const base = { ...s.tags, host: s.host, instance: s.host };
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
    band,
  );
  return out;
}
