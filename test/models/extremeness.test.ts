/** The hybrid model score: the extremeness branch in JS, its ONNX twin, and what it adds to the forest. */
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { featureSetFor } from '../../core/features.js';
import { ONNX_OUTPUT, parseManifest } from '../../core/manifest.js';
import {
  ALWAYS_ANOMALOUS_REACHES,
  METRIC_EVIDENCE_CAP,
  alwaysAnomalousExtremeness,
  CORROBORATION,
  FOREST_WEIGHT,
  combinedScore,
  extremenessFeatures,
  extremenessOf,
  extremenessRate,
  extremenessScore,
  reachOf,
  thresholdCeiling,
} from '../../models/extremeness.js';
import { metricGroups } from '../../model-store/metric-extremeness.js';
import { seededRandom } from '../../models/forest/random.js';
import { exportForestToOnnx } from '../../models/onnx/export.js';
import { memoryInputsOf, onnxFeeds } from '../../model-store/onnx-scorer.js';
import { DEFAULT_CONTAMINATION, calibrate, modelScores, trainModel, type TrainedModel } from '../../models/train.js';

const featureSet = featureSetFor(['cpu_pct', 'net_rx_bps']);
const F = featureSet.names.length;
const random = seededRandom(808);
const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const ordinary = (): number[] => Array.from({ length: F }, (_, f) => gaussian() * (f + 1) + f * 10);

let model: TrainedModel;
let training: number[][];
let session: ort.InferenceSession;
beforeAll(async () => {
  training = Array.from({ length: 3000 }, () => ordinary());
  model = trainModel(training, featureSet, { seed: 9, trees: 50, oneHost: true });
  session = await ort.InferenceSession.create(model.onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
});

async function onnxScores(rows: readonly number[][]): Promise<Float32Array> {
  const data = new Float32Array(rows.length * F);
  rows.forEach((row, r) => data.set(row, r * F));
  const out = await session.run(onnxFeeds(ort, memoryInputsOf(session, 'test'), data, rows.length, F));
  return out[ONNX_OUTPUT]!.data as Float32Array;
}

describe('extremeness branch', () => {
  it('is 0 at the center, exactly the threshold at a reach, and rises towards 1 beyond', () => {
    const rate = extremenessRate(0.62);
    expect(extremenessScore(0, rate)).toBe(0);
    expect(extremenessScore(1, rate)).toBeCloseTo(0.62, 6);
    expect(extremenessScore(3, rate)).toBeGreaterThan(extremenessScore(2, rate));
    expect(extremenessScore(Number.POSITIVE_INFINITY, rate)).toBe(1);
    expect(() => extremenessRate(1)).toThrow(/threshold between 0 and 1; got 1/);
  });

  it('takes the largest distance in reaches over its features only; NaN counts as the center, ±Infinity as a lone metric far out', () => {
    const branch = { features: [0, 2, 3], center: [0, 10, -5], reach: [1, 2, 4], metrics: [[0, 1, 2]] };
    expect(extremenessOf([0.5, 1e9, 12, -5], branch)).toBe(1); // 12 is one reach (2) from 10: the largest
    expect(extremenessOf([Number.NaN, 0, 10, -7], branch)).toBe(0.5);
    expect(extremenessOf([0, 0, Number.NEGATIVE_INFINITY, -5], branch)).toBe(alwaysAnomalousExtremeness(branch));
  });

  it('adds each further metric out at the same time at CORROBORATION times the weight of the one ranked above it', () => {
    // Three metrics: features 0-1, 2, and 3; every reach 1, every center 0.
    const branch = { features: [0, 1, 2, 3], center: [0, 0, 0, 0], reach: [1, 1, 1, 1], metrics: [[0, 1], [2], [3]] };
    expect(extremenessOf([0, 0.9, 0, 0], branch)).toBeCloseTo(0.9, 6); // one metric alone: its own distance
    expect(extremenessOf([0.4, 0.9, 0, 0], branch)).toBeCloseTo(0.9, 6); // a metric counts once, by its largest feature
    expect(extremenessOf([0, 0.8, 0.8, 0], branch)).toBeCloseTo(0.8 + CORROBORATION * 0.8, 6); // two metrics at 0.8 outrank one at 1.1
    expect(extremenessOf([0, 0.8, 0.8, 0], branch)).toBeGreaterThan(extremenessOf([0, 1.1, 0, 0], branch));
    expect(extremenessOf([0, 0.2, 0.9, 0.5], branch)).toBeCloseTo(0.9 + CORROBORATION * 0.5 + CORROBORATION ** 2 * 0.2, 6); // ranked, whatever the order
    // Beyond one reach a metric's distance counts as 1 + ln d, up to ten reaches (METRIC_EVIDENCE_CAP): further out adds nothing ...
    expect(METRIC_EVIDENCE_CAP).toBeCloseTo(1 + Math.log(ALWAYS_ANOMALOUS_REACHES), 6);
    expect(extremenessOf([0, 5, 0, 0], branch)).toBeCloseTo(1 + Math.log(5), 5);
    expect(extremenessOf([0, 20, 0, 0], branch)).toBe(METRIC_EVIDENCE_CAP);
    expect(extremenessOf([0, 20, 0.8, 0], branch)).toBeCloseTo(METRIC_EVIDENCE_CAP + CORROBORATION * 0.8, 5);
    // ... but a lone metric about fifty reaches out or more reaches the always-anomalous E, the threshold's ceiling, and flags
    const lone = alwaysAnomalousExtremeness(branch);
    expect(lone).toBeCloseTo(METRIC_EVIDENCE_CAP * (1 + CORROBORATION), 5);
    expect(extremenessOf([0, 50, 0, 0], branch)).toBe(METRIC_EVIDENCE_CAP);
    expect(extremenessOf([0, Math.exp(lone - 1) * 1.01, 0, 0], branch)).toBe(lone);
    expect(extremenessOf([0, 1000, 0, 0], branch)).toBe(lone);
    expect(extremenessOf([0, 10, 10, 0], branch)).toBeCloseTo(lone, 5); // as two metrics ten reaches out
    // Several metrics out together outrank one metric however far: three fifty out (E 5.8) above one a thousand out (4.95).
    expect(extremenessOf([0, 50, 50, 50], branch)).toBeGreaterThan(extremenessOf([0, 1000, 0, 0], branch));
    // The habituation counts in the same capped units: a metric as far out as an excursion it ended counts half of the cap.
    const after = (past: number[], previous = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY], dwell = [0, 0, 0]) => ({
      past,
      previous,
      dwell,
    });
    expect(extremenessOf([0, 20, 0, 0], branch, after([1 + Math.log(20), 0, 0]))).toBeCloseTo(METRIC_EVIDENCE_CAP / 2, 5);
    expect(extremenessOf([0, 1000, 0, 0], branch, after([1 + Math.log(1000), 0, 0]))).toBeCloseTo(METRIC_EVIDENCE_CAP / 2, 5); // no longer a lone metric beyond the ceiling's E
    expect(extremenessOf([0, 1e6, 0, 0], branch, after([1 + Math.log(1000), 0, 0]))).toBe(lone); // much further than before: it is
    // A lone metric reaches the ceiling's E only when it was that far out on the host's sample before too: one sample of a burst does not.
    expect(extremenessOf([0, 1000, 0, 0], branch, after([0, 0, 0], [0, 0, 0]))).toBe(METRIC_EVIDENCE_CAP);
    expect(extremenessOf([0, 1000, 0, 0], branch, after([0, 0, 0], [lone - 0.01, 0, 0]))).toBe(METRIC_EVIDENCE_CAP);
    expect(extremenessOf([0, 1000, 0, 0], branch, after([0, 0, 0], [lone, 0, 0]))).toBe(lone);
    expect(extremenessOf([0, 1000, 0, 0], branch, after([0, 0, 0], [0, lone, 0]))).toBe(METRIC_EVIDENCE_CAP); // another metric's past does not count
    expect(extremenessOf([0, 10, 10, 0], branch, after([0, 0, 0], [0, 0, 0]))).toBeCloseTo(lone, 5); // several metrics out need no past
    // A metric dwelling outside its usual range gives E at least its dwell distance, whichever metric, and adds nothing above it.
    expect(extremenessOf([0, 0.3, 0, 0], branch, after([0, 0, 0], undefined, [0, 0, 0.8]))).toBeCloseTo(0.8, 6);
    expect(extremenessOf([0, 0.3, 0.2, 0], branch, after([0, 0, 0], undefined, [0.25, 0.1, 0]))).toBeCloseTo(0.3 + CORROBORATION * 0.2, 6);
    expect(extremenessOf([0, 5, 0, 0], branch, after([0, 0, 0], undefined, [1, 1, 1]))).toBeCloseTo(1 + Math.log(5), 5);
    expect(metricGroups(featureSet, extremenessFeatures(featureSet))).toEqual([
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9],
    ]);
  });

  it('combines: the extremeness score, plus FOREST_WEIGHT of the forest score above it, never above the larger of the two', () => {
    expect(combinedScore(0.4, 0.7)).toBeCloseTo(0.7, 6); // the forest below: the extremeness score alone
    expect(combinedScore(0.6, 0.2)).toBeCloseTo(0.2 + FOREST_WEIGHT * 0.4, 6);
    expect(combinedScore(0.5, 0)).toBeCloseTo(FOREST_WEIGHT * 0.5, 6);
    expect(combinedScore(1, 1)).toBe(1);
    for (const [f, e] of [
      [0.9, 0.1],
      [0.3, 0.31],
      [0.55, 0.55],
    ] as const)
      expect(combinedScore(f, e)).toBeLessThanOrEqual(Math.fround(Math.max(f, e)));
  });

  it('looks at the value features of every metric, not at the variability ratio', () => {
    const features = extremenessFeatures(featureSet);
    expect(features.map((f) => featureSet.names[f])).toEqual(featureSet.names.filter((name) => !name.endsWith('.vol_short')));
  });

  it('reach: margin times the tail distance, at least minimumScales robust scales', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => [i % 100, 7]); // |x - 50| up to 50 (x = 0, ten rows); a constant
    const reach = reachOf(rows, [0, 1], { center: [50, 7], scale: [25, 1] }, { tail: 0.01, margin: 2, minimumScales: 3 });
    expect(reach[0]).toBe(2 * 75); // 3 scales (75) beat the tail distance (49)
    expect(reach[1]).toBe(2 * 3); // constant in training: 3 scales of 1
    expect(reachOf(rows, [0], { center: [50, 7], scale: [1, 1] }, { tail: 0.01, margin: 2, minimumScales: 3 })[0]).toBe(2 * 50);
  });
});

describe('hybrid model (trainModel)', () => {
  it('records the branch in the manifest, anchors it at the forest threshold, calibrates the threshold on the hybrid scores', () => {
    const m = parseManifest(JSON.parse(JSON.stringify(model.manifest)));
    expect(m.training.algorithm).toMatch(/per-metric extremeness corroborated across metrics \(0.5 a rank\) \+ 0.3 x the excess of isolation-forest/);
    expect(m.training.params).toMatchObject({
      extremenessTail: 0.001,
      extremenessMargin: 3,
      extremenessMinimumScales: 3,
      extremenessAnchor: model.extremeness!.threshold,
      forestWeight: FOREST_WEIGHT,
      corroboration: CORROBORATION,
    });
    expect(model.extremeness!.threshold).toBe(calibrate(model.forest.score(training), DEFAULT_CONTAMINATION).threshold);
    expect(m.threshold).toBe(calibrate(model.score(training), DEFAULT_CONTAMINATION, thresholdCeiling(model.extremeness!)).threshold);
    expect(m.threshold).toBeLessThan(thresholdCeiling(model.extremeness!)); // a clean history: the ceiling does not bind
    expect(m.threshold).toBeLessThanOrEqual(model.extremeness!.threshold);
    expect(model.extremeness?.features).toEqual(extremenessFeatures(featureSet));
    expect(model.extremeness?.reach).toHaveLength(model.extremeness!.features.length);
  });

  it("keeps the threshold at or below the score of two metrics ALWAYS_ANOMALOUS_REACHES out when the history's own incidents sit higher", () => {
    // A history that holds incidents of its own: 0.5 % of the rows (more than the 0.2 % contamination) with cpu_pct far out.
    const history = Array.from({ length: 3000 }, (_, r) => (r % 200 === 0 ? ordinary().map((v, f) => (f === 0 ? v + 5000 : v)) : ordinary()));
    const withIncident = trainModel(history, featureSet, { seed: 9, trees: 50 });
    const ceiling = thresholdCeiling(withIncident.extremeness!);
    expect(calibrate(withIncident.score(history), DEFAULT_CONTAMINATION).threshold).toBeGreaterThan(ceiling); // the contamination rate alone: above the incidents' level
    expect(withIncident.manifest.threshold).toBe(ceiling);
    expect(withIncident.manifest.severity.low).toBe(ceiling);
    // A new incident with both metrics (cpu_pct's and net_rx_bps's levels) ALWAYS_ANOMALOUS_REACHES out is flagged.
    const { center, reach, features } = withIncident.extremeness!;
    const row = ordinary();
    for (const level of [0, featureSet.names.indexOf('net_rx_bps.level')]) {
      const k = features.indexOf(level);
      row[level] = center[k]! + ALWAYS_ANOMALOUS_REACHES * reach[k]! * 1.01;
    }
    expect(withIncident.score([row])[0]).toBeGreaterThanOrEqual(withIncident.manifest.threshold);
    expect(alwaysAnomalousExtremeness(withIncident.extremeness!)).toBeCloseTo((1 + Math.log(ALWAYS_ANOMALOUS_REACHES)) * (1 + CORROBORATION), 5);
    expect(extremenessOf(history[0]!, withIncident.extremeness!)).toBe(alwaysAnomalousExtremeness(withIncident.extremeness!)); // the history's incident: one metric further out still
  });

  it('flags one feature far beyond its training range even where the forest alone stays below the threshold', () => {
    const row = featureSet.names.map((_, f) => model.manifest.baseline.center[f]!);
    const branch = model.extremeness!;
    row[branch.features[3]!] = branch.center[3]! + 3 * branch.reach[3]!;
    const forestOnly = model.forest.score([row])[0]!;
    const hybrid = model.score([row])[0]!;
    expect(hybrid).toBeGreaterThanOrEqual(model.manifest.threshold);
    expect(hybrid).toBeGreaterThan(forestOnly);
  });

  it('flags about the contamination share of normal rows', () => {
    const fresh = Array.from({ length: 3000 }, () => ordinary());
    const flagged = [...model.score(fresh)].filter((s) => s >= model.manifest.threshold).length / fresh.length;
    expect(flagged).toBeLessThan(0.03);
  });

  it('ONNX and the JS reference agree within 1e-6 on 10,000 rows with NaN, ±Infinity and huge values', async () => {
    const cases: { kind: string; row: number[] }[] = [];
    const add = (kind: string, count: number, make: (row: number[]) => void): void => {
      for (let i = 0; i < count; i++) {
        const row = ordinary();
        make(row);
        cases.push({ kind, row });
      }
    };
    add('ordinary', 3000, () => undefined);
    add('one feature far out', 2000, (row) => (row[Math.floor(random() * F)] = pick([-1, 1]) * 10 ** (random() * 4)));
    add('two features far out', 1000, (row) => {
      row[Math.floor(random() * F)] = pick([-1, 1]) * 10 ** (random() * 3);
      row[Math.floor(random() * F)] = pick([-1, 1]) * 10 ** (random() * 3);
    });
    add('NaN', 1000, (row) => (row[Math.floor(random() * F)] = Number.NaN));
    add('all NaN', 500, (row) => row.fill(Number.NaN));
    add('Infinity', 1000, (row) => (row[Math.floor(random() * F)] = pick([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])));
    add('huge', 1500, (row) => (row[Math.floor(random() * F)] = pick([1e30, -1e30, 3.4028234663852886e38, -3.4028234663852886e38, 1e300, -1e300, 1e-45, 0])));
    expect(cases).toHaveLength(10_000);
    const js = model.score(cases.map((c) => c.row));
    const onnx = await onnxScores(cases.map((c) => c.row));
    const worst = new Map<string, number>();
    cases.forEach((c, i) => worst.set(c.kind, Math.max(worst.get(c.kind) ?? 0, Math.abs(js[i]! - onnx[i]!))));
    for (const [kind, diff] of worst) expect(diff, kind).toBeLessThan(1e-6);
    // The branch decides some rows: without it the far-out rows would score as the forest does.
    const forest = model.forest.score(cases.map((c) => c.row));
    expect(cases.filter((c, i) => c.kind === 'one feature far out' && js[i]! > forest[i]! + 1e-3).length).toBeGreaterThan(100);
  });

  it('ONNX and the JS reference agree with the memory inputs; a metric whose past excursion went as far scores lower', async () => {
    const metrics = model.extremeness!.metrics.length;
    const rows = Array.from({ length: 2000 }, (_, i) => {
      const row = ordinary();
      if (i % 2 === 0) row[Math.floor(random() * F)] = pick([-1, 1]) * 10 ** (random() * 3);
      return row;
    });
    const past = rows.map(() => Array.from({ length: metrics }, () => (random() < 0.5 ? 0 : random() * 6)));
    // The previous sample's distances: unknown, ordinary, or far out (around the lone metric's bound).
    const previous = rows.map(() => Array.from({ length: metrics }, () => pick([Number.POSITIVE_INFINITY, random() * 2, 3 + random() * 4])));
    // The dwell distances: none, or anywhere up to the cap.
    const dwell = rows.map(() => Array.from({ length: metrics }, () => (random() < 0.5 ? 0 : random())));
    const data = new Float32Array(rows.length * F);
    rows.forEach((row, r) => data.set(row, r * F));
    const session = await ort.InferenceSession.create(model.onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const inputs = memoryInputsOf(session, 'test');
    expect(inputs).toEqual({ width: metrics, previous: true, dwell: true });
    const memory = { habituation: Float32Array.from(past.flat()), previous: Float32Array.from(previous.flat()), dwell: Float32Array.from(dwell.flat()) };
    const out = await session.run(onnxFeeds(ort, inputs, data, rows.length, F, memory));
    const onnx = out[ONNX_OUTPUT]!.data as Float32Array;
    const memoryOf = (r: number) => ({ past: past[r]!, previous: previous[r]!.map(Math.fround), dwell: dwell[r]! });
    const js = modelScores(
      model.forest,
      model.extremeness,
      rows,
      rows.map((_, r) => memoryOf(r)),
    );
    rows.forEach((_, i) => expect(Math.abs(js[i]! - onnx[i]!)).toBeLessThan(1e-6));
    // Some rows are decided by the previous sample: a lone metric far out now but not before.
    const unknown = modelScores(
      model.forest,
      model.extremeness,
      rows,
      rows.map((_, r) => ({ ...memoryOf(r), previous: previous[r]!.map(() => Number.POSITIVE_INFINITY) })),
    );
    expect(rows.filter((_, i) => unknown[i]! > js[i]! + 1e-3).length).toBeGreaterThan(2);
    // And some by the dwell: an ordinary row of a host whose metric dwells outside its usual range scores higher.
    const noDwell = modelScores(
      model.forest,
      model.extremeness,
      rows,
      rows.map((_, r) => ({ ...memoryOf(r), dwell: dwell[r]!.map(() => 0) })),
    );
    expect(rows.filter((_, i) => js[i]! > noDwell[i]! + 1e-3).length).toBeGreaterThan(100);
    // A row far out in one metric: the same row after that metric went as far out in an ended excursion scores lower.
    const far = ordinary();
    far[0] = model.extremeness!.center[0]! + 8 * model.extremeness!.reach[0]!;
    const before = modelScores(model.forest, model.extremeness, [far])[0]!;
    const habituatedPast = Array.from({ length: metrics }, (_, m) => (m === 0 ? 1 + Math.log(8) : 0));
    const after = modelScores(
      model.forest,
      model.extremeness,
      [far],
      [{ past: habituatedPast, previous: habituatedPast.map(() => Number.POSITIVE_INFINITY), dwell: habituatedPast.map(() => 0) }],
    )[0]!;
    expect(before).toBeGreaterThanOrEqual(model.manifest.threshold);
    expect(after).toBeLessThan(before);
  });

  it('ONNX and the JS reference agree on a one-metric model too (E is that metric’s largest distance)', async () => {
    const one = featureSetFor(['cpu_pct']);
    const width = one.names.length;
    const rows = Array.from({ length: 600 }, () => Array.from({ length: width }, (_, f) => gaussian() * (f + 1)));
    const single = trainModel(rows, one, { seed: 3, trees: 10 });
    expect(single.extremeness!.metrics).toEqual([single.extremeness!.features.map((_, k) => k)]);
    const probes = Array.from({ length: 200 }, (_, i) => rows[i]!.map((v, f) => (i % 4 === 0 && f === i % width ? v * 50 : v)));
    const oneSession = await ort.InferenceSession.create(single.onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const data = new Float32Array(probes.length * width);
    probes.forEach((row, r) => data.set(row, r * width));
    const out = (await oneSession.run(onnxFeeds(ort, memoryInputsOf(oneSession, 'test'), data, probes.length, width)))[ONNX_OUTPUT]!.data as Float32Array;
    const js = single.score(probes);
    probes.forEach((_, i) => expect(Math.abs(js[i]! - out[i]!)).toBeLessThan(1e-6));
  });

  it('refuses to export a branch whose metrics do not split its features, naming what it got', () => {
    const { dwell, ...branch } = model.extremeness!;
    const export_ = (metrics: number[][]) => () => exportForestToOnnx(model.forest, { extremeness: { ...branch, metrics } });
    const all = branch.features.map((_, k) => k);
    expect(export_([all.slice(1)])).toThrow(/must split its 10 feature positions \(0..9\) into non-empty groups, each position once; got \[\[1,/);
    expect(export_([all, [0]])).toThrow(/each position once/);
    expect(export_([all, []])).toThrow(/non-empty groups/);
    expect(export_([all])).not.toThrow(); // one metric of every feature: a valid (if coarse) split
    // A dwell band needs a value of each kind per metric.
    expect(() => exportForestToOnnx(model.forest, { extremeness: { ...branch, metrics: [all], dwell } })).toThrow(
      /dwell band needs one level feature, low, high, usual and reach per metric \(1\); got 2, 2, 2, 2, 2/,
    );
  });

  it('can be left out: the forest alone, as before', () => {
    const plain = trainModel(
      Array.from({ length: 500 }, () => ordinary()),
      featureSet,
      { seed: 9, trees: 10, extremeness: false },
    );
    expect(plain.extremeness).toBeUndefined();
    expect(plain.manifest.training.params).not.toHaveProperty('extremenessMargin');
    const rows = [ordinary()];
    expect(plain.score(rows)).toEqual(plain.forest.score(rows));
  });
});
