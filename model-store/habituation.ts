/**
 * Habituation to a host's ended excursions (docs/decisions/0010-habituation-to-ended-excursions.md):
 * a metric that went as far out in an excursion that ended in the past hours is less news now.
 *
 * Per metric, an excursion is a run of samples at or beyond the metric's reach (its compressed
 * distance, metricExtremeness, at least 1), samples at most `mergeMs` apart in one run.
 * For each sample, `ExcursionMemory` gives per metric the largest distance of the samples beyond reach
 * from `windowMs` to `gapMs` before it that lie before the metric's current excursion, or 0: the
 * excursion in progress never counts, so an alert keeps firing for as long as an incident lasts, and
 * only an excursion that has ended lowers what a later one scores. The habituated distance is
 * d - HABITUATION_WEIGHT x that (habituatedDistances), then corroborated across metrics as the model does.
 *
 * The memory also keeps each metric's habituated distance on the host's previous sample: a lone
 * metric far out alarms whatever the history (models/extremeness.ts) only once it is that far out on
 * two samples in a row, so one sample of a counter's burst does not (docs/detection.md, experiment 32).
 * And, for a branch with a dwell band, each metric's share of recent samples outside its usual range
 * (model-store/dwell.ts, decision 0013).
 *
 * One memory per host, fed its samples in time order: the scoring function keeps them
 * (functions/score/host-habituation.ts) and feeds the model's ONNX graph its `habituation` and
 * `previous_distance` inputs (models/onnx/export.ts); the NAB and SMD protocols run the same memory
 * over each file (models/score-csv.ts, models/evaluate/evaluate.ts). docs/detection.md, experiments
 * 26 and 27, has what it does.
 */

import { moveDwell } from './dwell.js';
import { metricExtremeness, type BranchDistances } from './metric-extremeness.js';

export interface HabituationOptions {
  /** How far back an ended excursion counts (ms). */
  readonly windowMs: number;
  /** How recent an ended excursion's samples may be and still count (ms): they count from this long after them on. */
  readonly gapMs: number;
  /** Samples beyond reach at most this far apart (ms) belong to one excursion. */
  readonly mergeMs: number;
}

/** The share of a metric's past ended excursion taken off its distance, in the model's ONNX graph too (models/onnx/export.ts). */
export const HABITUATION_WEIGHT = 0.5;

/** 4 hours, from 30 minutes before the sample, excursions 10 minutes apart merged (experiment 27). */
export const DEFAULT_HABITUATION: HabituationOptions = { windowMs: 4 * 3_600_000, gapMs: 30 * 60_000, mergeMs: 10 * 60_000 };

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
    // Samples of an excursion in progress that are already older than the window will never count: a metric out for days keeps a window's worth.
    while (this.pendingHead < this.pendingTime.length && this.pendingTime[this.pendingHead]! < earliest) this.pendingHead++;
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

/** What a host's memory gives the model for one sample, per metric of the branch. */
export interface MemoryRow {
  /** The largest distance of an excursion that ended in the window, 0 if none: the graph's `habituation` input. */
  readonly past: ArrayLike<number>;
  /**
   * The metric's habituated distance (habituatedDistances, uncapped) on the host's previous sample,
   * +Infinity when the memory has none: the graph's `previous_distance` input.
   */
  readonly previous: ArrayLike<number>;
  /** The metric's dwell distance (model-store/dwell.ts), 0 when the branch has no dwell band: the graph's `dwell_distance` input. */
  readonly dwell: ArrayLike<number>;
}

/** The memory inputs of rows of samples, rows x metrics each, in float32 as the ONNX graph takes them. */
export interface MemoryInput {
  readonly habituation: Float32Array;
  readonly previous: Float32Array;
  /** Left out for a branch without a dwell band: no dwell anywhere (zeros). */
  readonly dwell?: Float32Array;
}

/**
 * Room for the memory inputs of `rows` rows of `width` metrics, as for samples no memory knows: no habituation, any
 * previous, no dwell; the dwell only `withDwell` (a branch with a band). One allocation: the scoring function makes
 * one a batch.
 */
export function emptyMemoryInput(rows: number, width: number, withDwell = false): MemoryInput {
  const size = rows * width;
  const values = new Float32Array((withDwell ? 3 : 2) * size);
  const habituation = values.subarray(0, size);
  const previous = values.subarray(size, 2 * size).fill(Number.POSITIVE_INFINITY);
  return withDwell ? { habituation, previous, dwell: values.subarray(2 * size) } : { habituation, previous };
}

/** Rows `start` to `start + count` of a memory input of `width` metrics (views, no copy). */
export function memoryRows(input: MemoryInput, start: number, count: number, width: number): MemoryInput {
  const rows = (values: Float32Array) => values.subarray(start * width, (start + count) * width);
  const { habituation, previous, dwell } = input;
  return dwell
    ? { habituation: rows(habituation), previous: rows(previous), dwell: rows(dwell) }
    : { habituation: rows(habituation), previous: rows(previous) };
}

/** Writes one sample's memory reading into row `r` of a memory input of `width` metrics (its dwell where the input has room). */
export function setMemoryRow(input: MemoryInput, r: number, width: number, reading: MemoryRow): void {
  input.habituation.set(reading.past, r * width);
  input.previous.set(reading.previous, r * width);
  input.dwell?.set(reading.dwell, r * width);
}

/** Row `r` of a memory input of `width` metrics (views, no copy). */
export function memoryRow(input: MemoryInput, r: number, width: number): MemoryRow {
  const { habituation, previous, dwell } = memoryRows(input, r, 1, width);
  return { past: habituation, previous, dwell: dwell ?? noDwell(width) };
}

const noDwells = new Map<number, Float64Array>();

/** Zeros for `width` metrics, shared by every memory without a dwell band (read only). */
function noDwell(width: number): Float64Array {
  let zeros = noDwells.get(width);
  if (!zeros) noDwells.set(width, (zeros = new Float64Array(width)));
  return zeros;
}

/** One host's memory of its metrics' ended excursions, of its previous sample and of its dwell outside their usual ranges. */
export class ExcursionMemory {
  private readonly metrics: MetricExcursions[];
  private lastTime = Number.NEGATIVE_INFINITY;
  private readonly distances: Float64Array;
  private readonly past: Float64Array;
  /** Per metric, the habituated distance of the last sample taken (+Infinity before the first). */
  private readonly lastHabituated: Float64Array;
  private readonly previous: Float64Array;
  /**
   * Per metric, its share of recent samples outside its usual range (model-store/dwell.ts) and that share as a
   * distance: allocated with the first sample under a branch with a dwell band (fleet models have none).
   */
  private dwell: { readonly share: Float64Array; readonly distance: Float64Array } | undefined;
  private reading: MemoryRow;

  constructor(
    metricCount: number,
    readonly options: HabituationOptions = DEFAULT_HABITUATION,
  ) {
    const { windowMs, gapMs, mergeMs } = options;
    if (!(gapMs > 0 && windowMs >= gapMs && mergeMs >= 0)) {
      throw new Error(`habituation needs windowMs >= gapMs > 0 and mergeMs >= 0; got ${JSON.stringify(options)}`);
    }
    this.metrics = Array.from({ length: metricCount }, () => new MetricExcursions());
    this.distances = new Float64Array(metricCount);
    this.past = new Float64Array(metricCount);
    this.lastHabituated = new Float64Array(metricCount).fill(Number.POSITIVE_INFINITY);
    this.previous = new Float64Array(metricCount);
    this.reading = { past: this.past, previous: this.previous, dwell: noDwell(metricCount) };
  }

  /**
   * One sample of the host, its features from `offset` in `row`: per metric its past ended excursion, its
   * habituated distance on the sample before and its dwell distance (buffers reused by the next call), the
   * memory moved on by the sample's distances and levels under `branch`. Undefined, and the memory left as
   * it was, for a sample no later than the last (a record delivered again, a repeated timestamp): it is
   * scored as without a memory.
   */
  sample(timeMs: number, row: ArrayLike<number>, branch: BranchDistances, offset = 0): MemoryRow | undefined {
    if (!(timeMs > this.lastTime)) return undefined;
    const distances = metricExtremeness(row, branch, this.distances, offset);
    this.previous.set(this.lastHabituated);
    this.next(timeMs, distances, this.past);
    habituatedDistances(distances, this.past, this.lastHabituated);
    this.takeDwell(row, branch, offset);
    return this.reading;
  }

  /** Each metric's share of samples outside its usual range moved on by this sample, and its dwell distance (0 without a band). */
  private takeDwell(row: ArrayLike<number>, branch: BranchDistances, offset: number): void {
    const band = branch.dwell;
    const width = this.metrics.length;
    if (!band) {
      // A model without a band (a fleet model): no dwell, and none carried to a later model with one.
      if (this.dwell) {
        this.dwell = undefined;
        this.reading = { ...this.reading, dwell: noDwell(width) };
      }
      return;
    }
    if (!this.dwell) {
      this.dwell = { share: new Float64Array(width), distance: new Float64Array(width) };
      this.reading = { ...this.reading, dwell: this.dwell.distance };
    }
    moveDwell(this.dwell.share, this.dwell.distance, row, band, offset);
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
    for (let m = 0; m < this.metrics.length; m++) past[m] = this.metrics[m]!.next(timeMs, distances[m]!, this.options);
    return past;
  }
}

/**
 * Each metric's distance less HABITUATION_WEIGHT x its past ended excursion (none: zeros), never below 0,
 * in float32 like the ONNX graph (Mul, Sub, Relu); with `cap`, both counted up to it first (Min).
 */
export function habituatedDistances(
  distances: ArrayLike<number>,
  past: ArrayLike<number> | undefined,
  out: Float64Array = new Float64Array(distances.length),
  cap = Number.POSITIVE_INFINITY,
): Float64Array {
  const w = Math.fround(HABITUATION_WEIGHT);
  for (let m = 0; m < out.length; m++) {
    const habituation = past ? Math.fround(Math.min(Math.fround(past[m]!), cap) * w) : 0;
    out[m] = Math.max(Math.fround(Math.min(distances[m]!, cap) - habituation), 0);
  }
  return out;
}

/**
 * The memory inputs of one host's rows, in time order: per row, per metric of the branch, its past
 * ended excursion, its habituated distance on the row before and its dwell distance, rows x metrics
 * (float32, as the ONNX graph takes them; the dwell only for a branch with a band); a row no later than
 * the one before it gets what no memory knows (emptyMemoryInput).
 */
export function hostHabituation(
  rows: readonly ArrayLike<number>[],
  times: readonly number[],
  branch: BranchDistances,
  options: HabituationOptions = DEFAULT_HABITUATION,
): MemoryInput {
  if (times.length !== rows.length) throw new Error(`habituation needs a time for each row; got ${times.length} times for ${rows.length} rows`);
  const width = branch.metrics.length;
  const memory = new ExcursionMemory(width, options);
  const out = emptyMemoryInput(rows.length, width, branch.dwell !== undefined);
  rows.forEach((row, r) => {
    const reading = memory.sample(times[r]!, row, branch);
    if (reading) setMemoryRow(out, r, width, reading);
  });
  return out;
}
