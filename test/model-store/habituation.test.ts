import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HABITUATION,
  ExcursionMemory,
  HABITUATION_WEIGHT,
  habituatedDistances,
  hostHabituation,
  type HabituationOptions,
} from '../../model-store/habituation.js';

const MINUTE = 60_000;
const OPTIONS: HabituationOptions = { windowMs: 60 * MINUTE, gapMs: 10 * MINUTE, mergeMs: 3 * MINUTE };

/** One metric's past, a sample a minute from minute 0. */
function pastOf(distances: number[], options = OPTIONS): number[] {
  const memory = new ExcursionMemory(1, options);
  const past = new Float64Array(1);
  return distances.map((d, i) => memory.next(i * MINUTE, [d], past)[0]!);
}

/** The definition, sample by sample: the largest distance >= 1 from windowMs to gapMs back, before the current excursion. */
function bruteForce(times: number[], distances: number[], o: HabituationOptions): number[] {
  let runStart = Number.NaN;
  let lastBeyond = Number.NaN;
  const starts = times.map((t, i) => {
    const inRun = t - lastBeyond <= o.mergeMs;
    if (distances[i]! >= 1) {
      if (!inRun) runStart = t;
      lastBeyond = t;
    }
    return distances[i]! >= 1 || inRun ? runStart : t;
  });
  return times.map((t, i) => {
    let past = 0;
    for (let j = 0; j < i; j++) {
      const counts = distances[j]! >= 1 && times[j]! >= t - o.windowMs && times[j]! <= t - o.gapMs && times[j]! < starts[i]!;
      if (counts) past = Math.max(past, distances[j]!);
    }
    return past;
  });
}

/** A deterministic pseudo-random sequence in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('habituation to ended excursions', () => {
  it('does not habituate the excursion in progress, however long it lasts', () => {
    const past = pastOf([0.2, ...new Array<number>(90).fill(3), 0.2]);
    expect(past.slice(0, 91).every((p) => p === 0)).toBe(true);
  });

  it('lowers a later excursion by the largest distance of one that ended in the window', () => {
    // Minutes 0-4 out at 2 then 4, back in from minute 5; out again at minute 30.
    const distances = [2, 4, 2, 2, 2, ...new Array<number>(25).fill(0.3), 5];
    expect(pastOf(distances)[30]).toBe(4);
    const memory = new ExcursionMemory(1, OPTIONS);
    const past = new Float64Array(1);
    distances.forEach((d, i) => memory.next(i * MINUTE, [d], past));
    expect(habituatedDistances([5], past)[0]).toBe(3);
  });

  it('counts an ended excursion only from gapMs after its samples, and no longer than windowMs', () => {
    const distances = [4, ...new Array<number>(80).fill(0.3)];
    const past = pastOf(distances);
    expect(past[9]).toBe(0); // 9 minutes after: too recent
    expect(past[10]).toBe(4);
    expect(past[60]).toBe(4);
    expect(past[61]).toBe(0); // more than an hour after
  });

  it('merges excursions less than mergeMs apart, so a flickering incident does not habituate itself', () => {
    // Out every third minute for an hour: one excursion (gaps of 2 minutes < 3), nothing ended.
    const distances = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? 3 : 0.5));
    expect(pastOf(distances).every((p) => p === 0)).toBe(true);
    // Out every fifth minute: separate excursions (4 minutes apart > 3), each habituated by those that ended.
    const apart = Array.from({ length: 60 }, (_, i) => (i % 5 === 0 ? 3 : 0.5));
    expect(pastOf(apart)[55]).toBe(3);
  });

  it('agrees with the definition on random hosts, irregular intervals and long gaps included', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(seed);
      const times: number[] = [];
      const distances: number[] = [];
      let t = 0;
      let out = false;
      for (let i = 0; i < 600; i++) {
        t += next() < 0.02 ? (1 + Math.floor(next() * 120)) * MINUTE : MINUTE * (1 + Math.floor(next() * 2));
        if (next() < (out ? 0.1 : 0.03)) out = !out;
        times.push(t);
        distances.push(out ? 0.8 + next() * 4 : next() * 1.1);
      }
      const memory = new ExcursionMemory(1, OPTIONS);
      const past = new Float64Array(1);
      const streamed = times.map((time, i) => memory.next(time, [distances[i]!], past)[0]!);
      expect(streamed).toEqual(bruteForce(times, distances, OPTIONS));
    }
  });

  it('agrees with the definition after an excursion longer than the window', () => {
    const distances = [
      ...Array.from({ length: 200 }, (_, i) => 2 + (i % 7) / 3),
      ...new Array<number>(20).fill(0.2),
      3,
      3,
      0.2,
      ...new Array<number>(60).fill(0.2),
      4,
    ];
    const times = distances.map((_, i) => i * MINUTE);
    expect(pastOf(distances)).toEqual(bruteForce(times, distances, OPTIONS));
    expect(pastOf(distances)[220]).toBeGreaterThan(0);
  });

  it('keeps each metric apart', () => {
    const memory = new ExcursionMemory(2, OPTIONS);
    const past = new Float64Array(2);
    memory.next(0, [4, 0], past);
    memory.next(MINUTE, [0, 0], past);
    memory.next(20 * MINUTE, [0, 0], past);
    expect([...past]).toEqual([4, 0]);
  });

  it('defaults to 4 hours from 30 minutes back, 10 minutes merged, half the past distance', () => {
    expect(DEFAULT_HABITUATION).toEqual({ windowMs: 4 * 60 * MINUTE, gapMs: 30 * MINUTE, mergeMs: 10 * MINUTE });
    expect(HABITUATION_WEIGHT).toBe(0.5);
  });

  it('refuses samples out of time order, the wrong number of metrics and impossible options', () => {
    const memory = new ExcursionMemory(1, OPTIONS);
    const past = new Float64Array(1);
    memory.next(MINUTE, [0], past);
    expect(() => memory.next(MINUTE, [0], past)).toThrow(/in time order; got 60000 after 60000/);
    expect(() => memory.next(2 * MINUTE, [0, 0], past)).toThrow(/keeps 1 metrics; got 2 distances/);
    expect(() => new ExcursionMemory(1, { ...OPTIONS, gapMs: 0 })).toThrow(/windowMs >= gapMs > 0/);
    expect(() => new ExcursionMemory(1, { ...OPTIONS, windowMs: MINUTE })).toThrow(/windowMs >= gapMs > 0/);
  });

  it('never takes a metric below 0', () => {
    expect([...habituatedDistances([1, 3], [4, 2])]).toEqual([0, 2]);
  });
});

describe("one host's habituation input", () => {
  const branch = { features: [0], center: [0], reach: [1], metrics: [[0]] };

  it('is the memory run over the rows in order, one row of metrics each', () => {
    const levels = [4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3];
    const times = levels.map((_, i) => i * 5 * MINUTE);
    const input = hostHabituation(
      levels.map((l) => [l]),
      times,
      branch,
      OPTIONS,
    );
    const memory = new ExcursionMemory(1, OPTIONS);
    const past = new Float64Array(1);
    const expected = levels.map((l, i) => Math.fround(memory.next(times[i]!, [Math.min(l, 1 + Math.log(Math.max(l, 1)))], past)[0]!));
    expect(Array.from(input.habituation)).toEqual(expected);
    expect(input.habituation[12]).toBeCloseTo(1 + Math.log(4), 6);
    // The previous row's distance less half its past: none before the first row, then the row before's.
    const compressed = levels.map((l) => Math.fround(Math.min(l, Math.fround(1 + Math.fround(Math.log(Math.max(l, 1)))))));
    expect(Array.from(input.previous)).toEqual([
      Number.POSITIVE_INFINITY,
      ...compressed.slice(0, -1).map((d, i) => Math.max(Math.fround(d - Math.fround(expected[i]! * HABITUATION_WEIGHT)), 0)),
    ]);
  });

  it('gives a row with a repeated timestamp none, and goes on after it', () => {
    const input = hostHabituation([[4], [0], [0], [0], [3]], [0, MINUTE, MINUTE, 40 * MINUTE, 40 * MINUTE], branch, OPTIONS);
    expect(Array.from(input.habituation)).toEqual([0, 0, 0, Math.fround(1 + Math.log(4)), 0]);
    expect(Array.from(input.previous)).toEqual([Number.POSITIVE_INFINITY, Math.fround(1 + Math.log(4)), Number.POSITIVE_INFINITY, 0, Number.POSITIVE_INFINITY]);
  });

  it('needs a time for each row', () => {
    expect(() => hostHabituation([[1], [2]], [0], branch)).toThrow(/a time for each row; got 1 times for 2 rows/);
  });
});
