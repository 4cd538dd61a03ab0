/**
 * The Prometheus write policy: which alert series (core/alert-series.ts) a scored sample writes.
 * Managed Prometheus bills every ingested point, and a host sample yields about 17: at 10,000 hosts
 * every 10 s that is most of the bill. The policy keeps what the alert rules count at full
 * resolution and writes the rest at a coarser one:
 *
 * - every sample: the anomaly flag (`vigil_anomaly`), and for an anomalous sample its top metric.
 *   The rules count anomalous samples and notice silent hosts with it, so none may be missing.
 * - one sample per host per `detailSeconds`, and every anomalous sample: the detail series (score,
 *   severity, confidence, threshold, model, raw metrics, lag). Graphs then draw a point a minute
 *   and every flagged point with its value; the severity of an anomaly is always there.
 * - the model's band (core/band.ts, two series per metric): it follows the host's long normal,
 *   which moves slowly, so a metric's band gets a point only when one of its bounds moved more
 *   than BAND_TOLERANCE of the band's width since the host's last band point for that metric,
 *   once per BAND_HEARTBEAT_SECONDS for every metric (so a graph finds one within its look-back),
 *   and at every anomalous sample for its top metric and every metric outside its band. Drawn as
 *   steps (the dashboards take the last point), the band is then within BAND_TOLERANCE of its
 *   width of the band the model used for every sample, and exact at every flagged point.
 *
 * The sink (functions/sinks/prometheus.ts) applies it, `vigil cost` prices it (cost/measure.ts,
 * cost/rule-samples.ts), the stack sets it (`prometheusDetailSeconds`): all from this file.
 */
import { SERIES, type BandPoints } from './alert-series.js';
import type { ScoredSample } from './scored-sample.js';

export interface WritePolicy {
  /** Seconds between two detail points of a host's normal samples; 0 writes every sample in full. */
  readonly detailSeconds: number;
}

/** The stack's default: a point a minute, as CloudWatch's detailed monitoring draws. */
export const DEFAULT_WRITE_POLICY: WritePolicy = { detailSeconds: 60 };

/** Every series of every sample, as before the policy existed (the model's band keeps its own rule: BandSelector). */
export const FULL_RESOLUTION: WritePolicy = { detailSeconds: 0 };

/**
 * The largest detailSeconds: the rules and dashboards read detail series over windows of 5 minutes
 * (a host's latest score, the model in use), which must hold a point of every live host.
 */
export const MAX_DETAIL_SECONDS = 120;

/** A band point is written when a bound moved more than this share of the band's width since the last one. */
export const BAND_TOLERANCE = 0.1;

/** Every metric's band gets a point at least this often per host (the dashboards look back this far, and 5 minutes more). */
export const BAND_HEARTBEAT_SECONDS = 3600;

/** The series written for every sample whatever the policy; every other series is a detail series. */
export const EVERY_SAMPLE_SERIES: readonly string[] = [SERIES.anomaly, SERIES.topMetric, SERIES.topDirection];

/** Why `policy` is not a write policy, or undefined when it is. */
export function writePolicyProblem(policy: WritePolicy): string | undefined {
  const s = policy.detailSeconds;
  if (!Number.isInteger(s) || s < 0 || s > MAX_DETAIL_SECONDS) {
    return `detailSeconds must be a whole number of seconds from 0 (every sample in full) to ${MAX_DETAIL_SECONDS}; got ${String(s)}`;
  }
  return undefined;
}

/**
 * Seconds between two points of `series` for a host sampled every `intervalSeconds`, under `policy`
 * (normal samples; anomalous ones add points to the detail series).
 */
export function secondsBetweenPoints(series: string, policy: WritePolicy, intervalSeconds: number): number {
  if (EVERY_SAMPLE_SERIES.includes(series)) return intervalSeconds;
  return Math.max(intervalSeconds, policy.detailSeconds);
}

/** The sample that carries a host's detail points in the current bucket of time. */
interface DetailMark {
  bucket: number;
  time: number;
}

/**
 * Hosts remembered; past it the memory starts again (a few hosts then write one more detail point).
 * About 100 bytes a host.
 */
const HOST_LIMIT = 100_000;

/**
 * Decides which samples carry detail points, remembering per host which sample carries the current
 * bucket's (a scoring function instance sees the same hosts batch after batch: those of its shard).
 *
 * The first sample of a host seen in a bucket of `detailSeconds` carries it, and so does the same
 * sample scored again (a redelivered batch writes the same points; a failed write is not a gap),
 * and every anomalous sample. A new instance, or samples out of time order, may write one more
 * point in a bucket, never fewer than one.
 */
export class DetailSelector {
  private readonly marks = new Map<string, DetailMark>();
  private readonly bucketMs: number;

  constructor(readonly policy: WritePolicy) {
    const problem = writePolicyProblem(policy);
    if (problem) throw new Error(`write policy: ${problem}`);
    this.bucketMs = policy.detailSeconds * 1000;
  }

  /** Per sample, whether it writes its detail series. */
  select(samples: readonly ScoredSample[]): boolean[] {
    if (this.bucketMs === 0) return samples.map(() => true);
    if (this.marks.size >= HOST_LIMIT) this.marks.clear();
    return samples.map((s) => this.carries(s));
  }

  private carries(s: ScoredSample): boolean {
    const bucket = Math.floor(s.time / this.bucketMs);
    const mark = this.marks.get(s.host);
    if (mark === undefined) {
      this.marks.set(s.host, { bucket, time: s.time });
      return true;
    }
    if (mark.bucket === bucket) return s.anomaly || mark.time === s.time;
    mark.bucket = bucket;
    mark.time = s.time;
    return true;
  }
}

/** What BandSelector remembers of a host: the heartbeat's bucket and sample, and the bounds last written per metric. */
interface BandMark {
  bucket: number;
  time: number;
  /** The metrics of `written`, in order: the host's records' metric names (one array while the header repeats). */
  metrics: readonly string[];
  /** Per metric: lower and upper last written (NaN: none), and the time of the sample that wrote them. */
  written: Float64Array;
}

/**
 * Decides which band points (core/band.ts, core/alert-series.ts visitSeries) each sample writes,
 * remembering per host the bounds it last wrote (see the top of this file), whatever the detail
 * series' resolution: under FULL_RESOLUTION too, since the band drawn from its points is as
 * exact as its tolerance, and a band point of every metric and sample would more than double the
 * points written. A sample scored again writes the same values at the same time, so a redelivered
 * batch never conflicts; a new instance starts with a point for every metric.
 */
export class BandSelector {
  private readonly marks = new Map<string, BandMark>();
  private readonly heartbeatMs = BAND_HEARTBEAT_SECONDS * 1000;

  /** Per sample: which of its band's points it writes. */
  select(samples: readonly ScoredSample[]): BandPoints[] {
    if (this.marks.size >= HOST_LIMIT) this.marks.clear();
    return samples.map((s) => this.points(s));
  }

  private points(s: ScoredSample): BandPoints {
    const band = s.band;
    if (!band) return false;
    const bucket = Math.floor(s.time / this.heartbeatMs);
    let mark = this.marks.get(s.host);
    let all: boolean;
    if (mark === undefined) {
      this.marks.set(s.host, (mark = { bucket, time: s.time, metrics: band.metrics, written: new Float64Array(3 * band.metrics.length).fill(Number.NaN) }));
      all = true;
    } else {
      if (mark.metrics !== band.metrics) rekey(mark, band.metrics);
      if (mark.bucket !== bucket) {
        mark.bucket = bucket;
        mark.time = s.time;
        all = true;
      } else all = mark.time === s.time;
    }
    const { metrics, bounds, at } = band;
    const written = mark.written;
    let chosen: Uint8Array | undefined;
    for (let k = 0; k < metrics.length; k++) {
      const lower = bounds[at + 2 * k]!;
      const upper = bounds[at + 2 * k + 1]!;
      if (lower !== lower && upper !== upper) continue;
      // The sample that wrote the last point, scored again (a batch handed back), writes it again.
      if (!(all || written[3 * k + 2] === s.time || moved(written, 3 * k, lower, upper) || (s.anomaly && mustShow(s, metrics[k]!, lower, upper)))) continue;
      written[3 * k] = lower;
      written[3 * k + 1] = upper;
      written[3 * k + 2] = s.time;
      (chosen ??= new Uint8Array(metrics.length))[k] = 1;
    }
    return chosen ?? false;
  }
}

/** Re-orders what a host's mark remembers for another list of metric names (a record header of other metrics). */
function rekey(mark: BandMark, metrics: readonly string[]): void {
  const written = new Float64Array(3 * metrics.length).fill(Number.NaN);
  metrics.forEach((name, k) => {
    const was = mark.metrics.indexOf(name);
    if (was >= 0) written.set(mark.written.subarray(3 * was, 3 * was + 3), 3 * k);
  });
  mark.metrics = metrics;
  mark.written = written;
}

/** Whether a bound moved more than BAND_TOLERANCE of the band's last written width (or appeared, or went). */
function moved(written: Float64Array, at: number, lower: number, upper: number): boolean {
  const width = written[at + 1]! - written[at]!;
  return changed(written[at]!, lower, width) || changed(written[at + 1]!, upper, width);
}

/** A bound that appeared, went, or moved more than BAND_TOLERANCE of `width` (any move, for a one-sided band: width NaN). */
function changed(last: number, now: number, width: number): boolean {
  if (last !== last || now !== now) return (last !== last) !== (now !== now);
  return width === width ? Math.abs(now - last) > BAND_TOLERANCE * width : now !== last;
}

/** An anomalous sample shows the band of its top metric and of every metric whose value is outside it. */
function mustShow(s: ScoredSample, metric: string, lower: number, upper: number): boolean {
  if (metric === s.topMetric) return true;
  const value = s.metrics[metric];
  return value !== undefined && (value < lower || value > upper);
}
