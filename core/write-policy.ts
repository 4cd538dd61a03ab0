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
 *
 * The sink (functions/sinks/prometheus.ts) applies it, `vigil cost` prices it (cost/measure.ts,
 * cost/rule-samples.ts), the stack sets it (`prometheusDetailSeconds`): all from this file.
 */
import { SERIES } from './alert-series.js';
import type { ScoredSample } from './scored-sample.js';

export interface WritePolicy {
  /** Seconds between two detail points of a host's normal samples; 0 writes every sample in full. */
  readonly detailSeconds: number;
}

/** The stack's default: a point a minute, as CloudWatch's detailed monitoring draws. */
export const DEFAULT_WRITE_POLICY: WritePolicy = { detailSeconds: 60 };

/** Every series of every sample, as before the policy existed. */
export const FULL_RESOLUTION: WritePolicy = { detailSeconds: 0 };

/**
 * The largest detailSeconds: the rules and dashboards read detail series over windows of 5 minutes
 * (a host's latest score, the model in use), which must hold a point of every live host.
 */
export const MAX_DETAIL_SECONDS = 120;

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
