import { describe, expect, it } from 'vitest';
import { WIRE_VERSION } from '../../core/wire.js';
import type { BranchDistances } from '../../model-store/metric-extremeness.js';
import { HostHabituation } from '../../functions/score/host-habituation.js';
import type { AcceptedRecord } from '../../functions/score/records.js';
import type { MemoryInput } from '../../model-store/habituation.js';

const MINUTE = 60_000;
const START = Date.UTC(2026, 0, 1);
/** Two metrics of two features each (level, deviation), centered at 0, reach 1: a metric's distance is its largest |feature|. */
const BRANCH: BranchDistances = {
  features: [0, 1, 2, 3],
  center: [0, 0, 0, 0],
  reach: [1, 1, 1, 1],
  metrics: [
    [0, 1],
    [2, 3],
  ],
};
const WIDTH = 4;

/** One record of `host` with a sample per minute from `fromMinute`, each row's first metric at `levels[k]`. */
function batch(host: string, fromMinute: number, levels: number[]): { records: AcceptedRecord[]; features: Float32Array } {
  const features = new Float32Array(levels.length * WIDTH);
  levels.forEach((level, k) => (features[k * WIDTH] = level));
  const samples = levels.map((_, k) => ({ seq: fromMinute + k, t: START + (fromMinute + k) * MINUTE, m: {} }));
  return { records: [{ index: 0, record: { v: WIRE_VERSION, host, fs: 4, samples, width: WIDTH } }], features };
}

/** The first metric's habituation input of each sample. */
function firstMetric(input: MemoryInput): number[] {
  return Array.from({ length: input.habituation.length / 2 }, (_, k) => input.habituation[2 * k]!);
}

/** The first metric's previous distance of each sample. */
function firstPrevious(input: MemoryInput): number[] {
  return Array.from({ length: input.previous.length / 2 }, (_, k) => input.previous[2 * k]!);
}

/** The first metric's dwell distance of each sample. */
function firstDwell(input: MemoryInput): number[] {
  return Array.from({ length: input.dwell!.length / 2 }, (_, k) => input.dwell![2 * k]!);
}

describe("the scoring function's memory of each host's excursions", () => {
  it("gives each sample its metrics' dwell under a model with a band, per host, and none under one without", () => {
    // The first metric's usual range is [-1, 1]; a share beyond 0.1 starts to count, 0.3 is at the reach.
    const banded = { ...BRANCH, dwell: { feature: [0, 2], low: [-1, -1], high: [1, 1], usual: [0.1, 0.1], reach: [0.3, 0.3] } };
    const habituation = new HostHabituation(banded);
    const out = batch('db-1', 0, new Array<number>(30).fill(2));
    const dwell = firstDwell(habituation.input(out.records, out.features, WIDTH));
    expect(dwell[0]).toBe(0); // one sample out: a share of 2 / 37, under the usual
    expect(dwell[29]).toBe(1); // held out: at the cap
    expect(dwell.every((d, k) => k === 0 || d >= dwell[k - 1]!)).toBe(true);
    // Another host's memory is its own; the second metric never left its range.
    const other = batch('db-2', 0, [2]);
    const input = habituation.input(other.records, other.features, WIDTH);
    expect(firstDwell(input)).toEqual([0]);
    expect(input.dwell![1]).toBe(0);
    // Under a model without a band the batch carries no dwell at all (the graph has no such input).
    const plain = new HostHabituation(BRANCH);
    expect(plain.input(out.records, out.features, WIDTH).dwell).toBeUndefined();
  });

  it('gives a host its ended excursion from 30 minutes on, and never the one in progress', () => {
    const habituation = new HostHabituation(BRANCH);
    const first = batch('web-1', 0, [4, 4, 4, 0, 0]);
    expect(firstMetric(habituation.input(first.records, first.features, WIDTH))).toEqual([0, 0, 0, 0, 0]);
    // 60 minutes later the host goes out again: the excursion that ended counts (compressed: 1 + ln 4).
    const again = batch('web-1', 60, [4, 4]);
    const input = habituation.input(again.records, again.features, WIDTH);
    expect(firstMetric(input)[0]).toBeCloseTo(1 + Math.log(4), 6);
    expect(input.habituation[1]).toBe(0); // the other metric never went out
  });

  it("gives each sample its metrics' distances on the host's sample before, and +Infinity where it knows none", () => {
    const habituation = new HostHabituation(BRANCH);
    const first = batch('web-1', 0, [4, 0.5, 0]);
    // Compressed distances: 4 reaches count 1 + ln 4; the sample before is unknown for the host's first.
    expect(firstPrevious(habituation.input(first.records, first.features, WIDTH))).toEqual([Number.POSITIVE_INFINITY, Math.fround(1 + Math.log(4)), 0.5]);
    const next = batch('web-1', 3, [7]);
    expect(firstPrevious(habituation.input(next.records, next.features, WIDTH))).toEqual([0]); // across batches
    expect(firstPrevious(habituation.input(next.records, next.features, WIDTH))).toEqual([Number.POSITIVE_INFINITY]); // delivered again: as without a memory
    const other = batch('web-2', 4, [4]);
    expect(firstPrevious(habituation.input(other.records, other.features, WIDTH))).toEqual([Number.POSITIVE_INFINITY]); // another host
  });

  it('keeps each host apart', () => {
    const habituation = new HostHabituation(BRANCH);
    const out = batch('web-1', 0, [4, 0]);
    habituation.input(out.records, out.features, WIDTH);
    const other = batch('web-2', 60, [4]);
    expect(firstMetric(habituation.input(other.records, other.features, WIDTH))).toEqual([0]);
    expect(habituation.size).toBe(2);
  });

  it('scores a sample delivered again without habituation and leaves the memory as it was', () => {
    const habituation = new HostHabituation(BRANCH);
    const out = batch('web-1', 0, [4, 0]);
    habituation.input(out.records, out.features, WIDTH);
    const later = batch('web-1', 60, [4]);
    expect(firstMetric(habituation.input(later.records, later.features, WIDTH))[0]).toBeGreaterThan(0);
    expect(firstMetric(habituation.input(later.records, later.features, WIDTH))).toEqual([0]); // the same sample again
    const next = batch('web-1', 61, [4]);
    expect(firstMetric(habituation.input(next.records, next.features, WIDTH))[0]).toBeGreaterThan(0);
  });

  it('forgets the host it has remembered longest beyond its limit', () => {
    const habituation = new HostHabituation(BRANCH, 2);
    for (const host of ['a', 'b', 'c']) {
      const b = batch(host, 0, [4, 0]);
      habituation.input(b.records, b.features, WIDTH);
    }
    expect(habituation.size).toBe(2);
    const c = batch('c', 60, [4]);
    expect(firstMetric(habituation.input(c.records, c.features, WIDTH))[0]).toBeGreaterThan(0);
    const a = batch('a', 60, [4]);
    expect(firstMetric(habituation.input(a.records, a.features, WIDTH))).toEqual([0]); // forgotten: starts afresh
  });

  it('hands its memories to a new model of the same metrics, not to one of others', () => {
    const habituation = new HostHabituation(BRANCH);
    const out = batch('web-1', 0, [4, 0]);
    habituation.input(out.records, out.features, WIDTH);
    const later = batch('web-1', 60, [4]);
    expect(firstMetric(habituation.carriedTo(BRANCH).input(later.records, later.features, WIDTH))[0]).toBeGreaterThan(0);
    const oneMetric: BranchDistances = { features: [0, 1], center: [0, 0], reach: [1, 1], metrics: [[0, 1]] };
    const next = batch('web-1', 61, [4]);
    expect(Array.from(habituation.carriedTo(oneMetric).input(next.records, next.features, WIDTH).habituation)).toEqual([0]);
  });
});
