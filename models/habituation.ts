/**
 * Habituation to a host's ended excursions (docs/decisions/0010-habituation-on-the-host.md, proposed):
 * a metric that went as far out in an excursion that ended in the past hours is less news now.
 *
 * Per metric, an excursion is a run of samples at or beyond the metric's reach (its compressed
 * distance, extremenessOf's per-metric d, at least 1), samples less than `mergeMs` apart in one run.
 * For each sample, `ExcursionMemory` gives per metric the largest distance of the samples beyond reach
 * from `windowMs` to `gapMs` before it that lie before the metric's current excursion, or 0: the
 * excursion in progress never counts, so an alert keeps firing for as long as an incident lasts, and
 * only an excursion that has ended lowers what a later one scores. The habituated distance is
 * d - weight x that (habituatedDistances), then corroborated across metrics as the model does.
 *
 * The state is where the host's state is: one memory per host, fed its samples in time order. Used
 * today by the SMD experiment loop (scripts/smd-experiment.ts --habituation) to measure the form the
 * decision proposes through the TypeScript reference of the model; docs/detection.md, experiments
 * 26 and 27, has what it does.
 */

export interface HabituationOptions {
  /** How far back an ended excursion counts (ms). */
  readonly windowMs: number;
  /** How recent an ended excursion's samples may be and still count (ms): they count from this long after them on. */
  readonly gapMs: number;
  /** Samples beyond reach at most this far apart (ms) belong to one excursion. */
  readonly mergeMs: number;
  /** The share of the past distance taken off the metric's distance. */
  readonly weight: number;
}

/** 4 hours, from 30 minutes before the sample, excursions 10 minutes apart merged, half the past distance (experiment 27). */
export const DEFAULT_HABITUATION: HabituationOptions = { windowMs: 4 * 3_600_000, gapMs: 30 * 60_000, mergeMs: 10 * 60_000, weight: 0.5 };

/** One metric's excursions: the current run, its samples beyond reach not yet counted, and a sliding maximum of those that count. */
class MetricExcursions {
  private runStart = Number.NaN;
  private lastBeyond = Number.NaN;
  /** Samples beyond reach not yet counted (in time order): too recent, or in the current excursion. */
  private readonly pendingTime: number[] = [];
  private readonly pendingDistance: number[] = [];
  private pendingHead = 0;
  /** Counted samples, times ascending and distances strictly descending: the front is the window's maximum. */
  private readonly windowTime: number[] = [];
  private readonly windowDistance: number[] = [];
  private windowHead = 0;

  next(timeMs: number, distance: number, o: HabituationOptions): number {
    const inRun = this.lastBeyond >= timeMs - o.mergeMs;
    if (distance >= 1) {
      if (!inRun) this.runStart = timeMs;
      this.lastBeyond = timeMs;
      this.pendingTime.push(timeMs);
      this.pendingDistance.push(distance);
    }
    // Where the current excursion began (this sample itself when there is none): nothing from then on counts.
    const start = distance >= 1 || inRun ? this.runStart : timeMs;
    const latest = timeMs - o.gapMs;
    while (this.pendingHead < this.pendingTime.length) {
      const t = this.pendingTime[this.pendingHead]!;
      if (t > latest || t >= start) break;
      const d = this.pendingDistance[this.pendingHead++]!;
      while (this.windowTime.length > this.windowHead && this.windowDistance[this.windowDistance.length - 1]! <= d) {
        this.windowTime.pop();
        this.windowDistance.pop();
      }
      this.windowTime.push(t);
      this.windowDistance.push(d);
    }
    const earliest = timeMs - o.windowMs;
    while (this.windowHead < this.windowTime.length && this.windowTime[this.windowHead]! < earliest) this.windowHead++;
    this.compact();
    return this.windowHead < this.windowTime.length ? this.windowDistance[this.windowHead]! : 0;
  }

  /** Drops the consumed front of both queues now and then, so memory stays proportional to the window. */
  private compact(): void {
    if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pendingTime.length) {
      this.pendingTime.splice(0, this.pendingHead);
      this.pendingDistance.splice(0, this.pendingHead);
      this.pendingHead = 0;
    }
    if (this.windowHead > 1024 && this.windowHead * 2 > this.windowTime.length) {
      this.windowTime.splice(0, this.windowHead);
      this.windowDistance.splice(0, this.windowHead);
      this.windowHead = 0;
    }
  }
}

/** One host's memory of its metrics' ended excursions. */
export class ExcursionMemory {
  private readonly metrics: MetricExcursions[];
  private lastTime = Number.NEGATIVE_INFINITY;

  constructor(
    metricCount: number,
    readonly options: HabituationOptions = DEFAULT_HABITUATION,
  ) {
    const { windowMs, gapMs, mergeMs, weight } = options;
    if (!(gapMs > 0 && windowMs >= gapMs && mergeMs >= 0 && weight >= 0)) {
      throw new Error(`habituation needs windowMs >= gapMs > 0, mergeMs >= 0 and weight >= 0; got ${JSON.stringify(options)}`);
    }
    this.metrics = Array.from({ length: metricCount }, () => new MetricExcursions());
  }

  /**
   * Takes one sample's per-metric distances (in the branch's metric order) and writes into `past` each
   * metric's largest distance of an ended excursion in the window, 0 where there is none. Samples must
   * come in time order.
   */
  next(timeMs: number, distances: ArrayLike<number>, past: Float64Array): Float64Array {
    if (!(timeMs > this.lastTime)) throw new Error(`habituation takes a host's samples in time order; got ${timeMs} after ${this.lastTime}`);
    if (distances.length !== this.metrics.length || past.length !== this.metrics.length) {
      throw new Error(`habituation keeps ${this.metrics.length} metrics; got ${distances.length} distances and room for ${past.length}`);
    }
    this.lastTime = timeMs;
    this.metrics.forEach((metric, m) => (past[m] = metric.next(timeMs, distances[m]!, this.options)));
    return past;
  }
}

/** Each metric's distance less `weight` x its past ended excursion, never below 0. */
export function habituatedDistances(distances: ArrayLike<number>, past: ArrayLike<number>, weight: number, out: Float64Array): Float64Array {
  for (let m = 0; m < out.length; m++) out[m] = Math.max(distances[m]! - weight * past[m]!, 0);
  return out;
}
