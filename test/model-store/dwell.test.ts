import { describe, expect, it } from 'vitest';
import { featureSetFor } from '../../core/features.js';
import { DWELL_BAND_TAIL, DWELL_CAP, DWELL_SPAN, dwellBandOf, dwellDistance, nextShare } from '../../model-store/dwell.js';
import { ExcursionMemory, hostHabituation, memoryRow } from '../../model-store/habituation.js';
import { branchDistancesOf, type BranchDistances } from '../../model-store/metric-extremeness.js';
import { extremenessOf } from '../../models/extremeness.js';
import { DEFAULT_CONTAMINATION, calibrationMemory, modelScores, trainModel } from '../../models/train.js';

const MINUTE = 60_000;

/** A deterministic pseudo-random sequence in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('dwell outside the usual range', () => {
  it('keeps an exponentially weighted share of samples outside the range, over DWELL_SPAN samples', () => {
    let share = 0;
    for (let i = 0; i < 1000; i++) share = nextShare(share, 5, 0, 1);
    expect(share).toBeCloseTo(1, 9); // always outside: the share tends to 1
    const alpha = 2 / (DWELL_SPAN + 1);
    expect(nextShare(0, 1.5, 0, 1)).toBeCloseTo(alpha, 12); // one sample out
    expect(nextShare(0.5, 0.5, 0, 1)).toBeCloseTo(0.5 * (1 - alpha), 12); // one sample in
    expect(nextShare(0, -0.1, 0, 1)).toBeCloseTo(alpha, 12); // below counts as outside too
    expect(nextShare(0.2, Number.NaN, 0, 1)).toBeCloseTo(0.2 * (1 - alpha), 12); // a missing level carries no evidence
    expect(nextShare(0, Number.POSITIVE_INFINITY, 0, 1)).toBeCloseTo(alpha, 12);
    // The edges are inside, compared in float32 as features arrive: a quantised metric sitting at an edge never dwells.
    expect(nextShare(0, 0.1, Math.fround(0), Math.fround(0.1))).toBe(0);
  });

  it('counts only the share beyond the usual one, 1 at its reach, never above the cap', () => {
    expect(dwellDistance(0.1, 0.2, 0.6)).toBe(0); // within what training usually saw
    expect(dwellDistance(0.2, 0.2, 0.6)).toBe(0);
    expect(dwellDistance(0.3, 0.2, 0.6)).toBeCloseTo(0.25, 12);
    expect(dwellDistance(0.6, 0.2, 0.6)).toBe(1);
    expect(dwellDistance(0.9, 0.2, 0.6)).toBe(DWELL_CAP);
    expect(DWELL_CAP).toBe(1);
  });

  it('calibrates the usual range at the 5th and 95th training percentiles, the reach at the margin times the share training reached', () => {
    const next = random(7);
    // One metric at 0..100 uniformly, the other constant.
    const rows = Array.from({ length: 5000 }, () => [next() * 100, 3]);
    const band = dwellBandOf(rows, [0, 1], 3);
    expect(DWELL_BAND_TAIL).toBe(0.05);
    expect(band.feature).toEqual([0, 1]);
    expect(band.low[0]).toBeCloseTo(5, 0);
    expect(band.high[0]).toBeCloseTo(95, 0);
    // Independent samples 10 % outside: the share's 99th percentile is well above 0.1 and below 0.4; the reach 3 times it.
    expect(band.usual[0]).toBeGreaterThan(0.1);
    expect(band.usual[0]).toBeLessThan(0.4);
    expect(band.reach[0]).toBeCloseTo(3 * band.usual[0]!, 12);
    // A constant metric never left its value: its usual share is one sample's weight.
    expect([band.low[1], band.high[1]]).toEqual([3, 3]);
    expect(band.usual[1]).toBeCloseTo(2 / (DWELL_SPAN + 1), 12);
    expect(() => dwellBandOf(rows, [0], 1)).toThrow(/needs a reach margin above 1 .*; got 1/);
  });
});

describe('a model with a dwell band', () => {
  const featureSet = featureSetFor(['cpu_pct', 'mem_pct']);
  const width = featureSet.names.length;
  const next = random(11);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  // Training: each metric's level noisy around 50 (sd 5), the other features noise.
  const rows = Array.from({ length: 4000 }, () =>
    Array.from({ length: width }, (_, f) => (featureSet.names[f]!.endsWith('.level') ? 50 + 5 * gaussian() : gaussian())),
  );
  const model = trainModel(rows, featureSet, { seed: 1, trees: 20, oneHost: true });
  const branch = model.extremeness!;

  it('is calibrated only on one host’s history: a fleet’s rows train a model without a band, scored as before', () => {
    const fleet = trainModel(rows, featureSet, { seed: 1, trees: 20 });
    expect(fleet.extremeness!.dwell).toBeUndefined();
    expect(fleet.manifest.baseline.dwell).toBeUndefined();
    expect(fleet.manifest.training.params).not.toHaveProperty('dwellSpan');
  });

  it('writes the band into the manifest at each metric’s level, and a published model reads the same band back', () => {
    const dwell = model.manifest.baseline.dwell!;
    const levels = featureSet.names.flatMap((name, f) => (name.endsWith('.level') ? [f] : []));
    expect(dwell.reach.flatMap((r, f) => (r === null ? [] : [f]))).toEqual(levels);
    expect(dwell.low[levels[0]!]).toBeCloseTo(50 - 1.645 * 5, 0);
    expect(dwell.high[levels[0]!]).toBeCloseTo(50 + 1.645 * 5, 0);
    expect(model.manifest.training.params).toMatchObject({ dwellSpan: DWELL_SPAN, dwellBandTail: DWELL_BAND_TAIL });
    const published = branchDistancesOf(model.manifest)!;
    expect(published.dwell).toEqual(branch.dwell);
    // A model published before dwell reads without a band, and its memory gives no dwell.
    const { dwell: _, ...older } = model.manifest.baseline;
    expect(branchDistancesOf({ ...model.manifest, baseline: older })!.dwell).toBeUndefined();
  });

  it('raises E to the dwell distance of a metric that settles just above its usual range, which E alone never reaches', () => {
    const memory = new ExcursionMemory(branch.metrics.length);
    const level = featureSet.names.indexOf('cpu_pct.level');
    // Inside the usual range for a while, then cpu_pct held at 62: beyond its 95th percentile (58) but well within its reach.
    const sample = (cpu: number) => featureSet.names.map((name, f) => (f === level ? cpu : name.endsWith('.level') ? 50 : 0));
    const scored: { plain: number; withMemory: number }[] = [];
    for (let i = 0; i < 200; i++) {
      const row = sample(i < 100 ? 50 : 62);
      const reading = memory.sample(i * MINUTE, row, branch)!;
      scored.push({ plain: extremenessOf(row, branch), withMemory: extremenessOf(row, branch, reading) });
    }
    expect(scored.every((s) => s.plain < 0.5)).toBe(true);
    expect(scored.slice(0, 100).every((s) => s.withMemory === s.plain)).toBe(true); // inside: no dwell
    expect(scored[101]!.withMemory).toBeLessThan(0.5); // one sample out is not yet news
    expect(scored[199]!.withMemory).toBe(DWELL_CAP); // held there as training never was: as a feature at its reach
    const firstAtCap = scored.findIndex((s) => s.withMemory === DWELL_CAP);
    expect(firstAtCap).toBeGreaterThan(100);
    expect(firstAtCap).toBeLessThan(100 + 2 * DWELL_SPAN);
  });

  it('calibrates the threshold on the training rows with their dwell: at most the contamination share of them reach it', () => {
    // One metric's level noisy around 50, stepped up by 0.5 for 30 of 6,000 rows: a dwell training saw once.
    const one = featureSetFor(['cpu_pct']);
    const noise = random(3);
    const stepped = Array.from({ length: 6000 }, (_, i) =>
      one.names.map((name) => (name.endsWith('.level') ? 50 + (i >= 3000 && i < 3030 ? 0.5 : 0) + 0.2 * (noise() - 0.5) : 0)),
    );
    const host = trainModel(stepped, one, { seed: 2, trees: 20, oneHost: true });
    const withDwell = modelScores(host.forest, host.extremeness, stepped, calibrationMemory(stepped, host.extremeness!));
    const share = (threshold: number) => withDwell.filter((score) => score >= threshold).length / withDwell.length;
    expect(share(host.manifest.threshold)).toBeLessThanOrEqual(DEFAULT_CONTAMINATION);
    // The threshold calibrated without the dwell would flag more of those rows than the contamination share.
    expect(share(trainModel(stepped, one, { seed: 2, trees: 20 }).manifest.threshold)).toBeGreaterThan(DEFAULT_CONTAMINATION);
  });

  it('adds nothing for a host that lingers outside its range as much as usual', () => {
    // One metric whose level wanders slowly (AR(1): long runs outside its 5-95 % range), its other features still.
    const one = featureSetFor(['cpu_pct']);
    const wander = random(5);
    let level = 0;
    const lingering = Array.from({ length: 6000 }, () => {
      level = 0.995 * level + 0.1 * (wander() - 0.5);
      return one.names.map((name) => (name.endsWith('.level') ? 50 + 10 * level : 0));
    });
    const host = trainModel(lingering, one, { seed: 2, trees: 20, oneHost: true });
    const times = lingering.map((_, i) => i * MINUTE);
    const memory = hostHabituation(lingering, times, host.extremeness!);
    const dwell = memory.dwell!;
    expect(dwell.filter((d) => d > 0).length / dwell.length).toBeLessThanOrEqual(0.01); // at most the 1 % above the usual share
    expect(Math.max(...dwell)).toBeGreaterThan(0);
    const width = host.extremeness!.metrics.length;
    const scores = modelScores(
      host.forest,
      host.extremeness,
      lingering,
      lingering.map((_, r) => memoryRow(memory, r, width)),
    );
    expect(scores.filter((score) => score >= host.manifest.threshold).length / scores.length).toBeLessThan(0.005);
  });

  it('gives no dwell for a branch without a band, and leaves the memory as it was for a repeated sample', () => {
    const { dwell: _, ...withoutBand } = branch;
    const plain: BranchDistances = withoutBand;
    const memory = new ExcursionMemory(branch.metrics.length);
    const far = featureSet.names.map((name) => (name.endsWith('.level') ? 80 : 0));
    for (let i = 0; i < 50; i++) expect(Array.from(memory.sample(i * MINUTE, far, plain)!.dwell)).toEqual([0, 0]);
    const banded = new ExcursionMemory(branch.metrics.length);
    let last = 0;
    for (let i = 0; i < 50; i++) last = banded.sample(i * MINUTE, far, branch)!.dwell[0]!;
    expect(last).toBeGreaterThan(0);
    expect(banded.sample(49 * MINUTE, far, branch)).toBeUndefined();
    expect(banded.sample(50 * MINUTE, far, branch)!.dwell[0]).toBeGreaterThanOrEqual(last);
    // A model without a band takes over: no dwell; a later one with a band starts the share again.
    expect(Array.from(banded.sample(51 * MINUTE, far, plain)!.dwell)).toEqual([0, 0]);
    expect(banded.sample(52 * MINUTE, far, branch)!.dwell[0]).toBeLessThan(last);
  });
});
