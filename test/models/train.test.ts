/** trainModel: a calibrated, self-describing model whose ONNX bytes score like its JS reference. */
import * as ort from 'onnxruntime-node';
import { memoryInputsOf, onnxFeeds } from '../../model-store/onnx-scorer.js';
import { describe, expect, it } from 'vitest';
import { featureSetFor } from '../../core/features.js';
import { ONNX_OUTPUT, parseManifest, severityOf } from '../../core/manifest.js';
import { sha256Hex } from '../../model-store/artifact.js';
import { metricDistances, rankedMetrics } from '../../model-store/explain.js';
import { seededRandom } from '../../models/forest/random.js';
import { baselineOf, calibrate, DEFAULT_CONTAMINATION, trainModel } from '../../models/train.js';

const featureSet = featureSetFor(['cpu_pct', 'mem_pct', 'net_rx_bps']);
const width = featureSet.names.length;
const perMetric = width / featureSet.metrics.length;

function normalRows(n: number, seed: number): number[][] {
  const random = seededRandom(seed);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: n }, () => Array.from({ length: width }, (_, k) => gaussian() * (1 + (k % 3)) + k));
}

describe('trainModel', () => {
  const rows = normalRows(5000, 11);
  const model = trainModel(rows, featureSet, { seed: 3, source: 'synthetic', createdAt: new Date('2026-11-21T12:00:00Z') });

  it('writes a valid manifest describing the ONNX bytes, the features and the training', () => {
    const m = parseManifest(JSON.parse(JSON.stringify(model.manifest)));
    expect(m.onnx.sha256).toBe(sha256Hex(model.onnx));
    expect(m.onnx.bytes).toBe(model.onnx.byteLength);
    expect(m.featureSet).toEqual({ version: featureSet.version, metrics: featureSet.metrics, names: featureSet.names });
    expect(m.training).toMatchObject({
      rows: 5000,
      seed: 3,
      source: 'synthetic',
      params: { trees: 100, subsample: 256, rowsPerTree: 256, contamination: DEFAULT_CONTAMINATION },
    });
    expect(m.baseline.center).toHaveLength(width);
    expect(m.version).toBe(`20261121T120000Z-${m.onnx.sha256.slice(0, 8)}`);
    const { threshold, severity } = m;
    expect([threshold, severity.low, severity.medium, severity.high, severity.critical]).toEqual(
      [threshold, severity.low, severity.medium, severity.high, severity.critical].sort((a, b) => a - b),
    );
    expect(severity.medium).toBeGreaterThan(threshold);
  });

  it('calibrates the threshold so about `contamination` of the training rows are flagged', () => {
    const flagged = [...model.score(rows)].filter((s) => s >= model.manifest.threshold).length / rows.length;
    expect(flagged).toBeGreaterThan(0.8 * DEFAULT_CONTAMINATION);
    expect(flagged).toBeLessThanOrEqual(DEFAULT_CONTAMINATION);
    const loose = trainModel(rows, featureSet, { seed: 3, contamination: 0.1 });
    expect(loose.manifest.threshold).toBeLessThan(model.manifest.threshold);
  });

  it('gives identical bytes for the same data and seed, other bytes for another seed', () => {
    const again = trainModel(rows, featureSet, { seed: 3, createdAt: new Date('2026-11-21T12:00:00Z') });
    expect(sha256Hex(again.onnx)).toBe(sha256Hex(model.onnx));
    expect(again.manifest.threshold).toBe(model.manifest.threshold);
    expect(sha256Hex(trainModel(rows, featureSet, { seed: 4 }).onnx)).not.toBe(sha256Hex(model.onnx));
  });

  it('scores through onnxruntime like the JS model (forest and extremeness); an anomaly gets a severity and its metric is named', async () => {
    const session = await ort.InferenceSession.create(model.onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const normal = rows[0]!;
    const anomaly = [...normal];
    for (let k = 2 * perMetric; k < 3 * perMetric; k++) anomaly[k] = model.manifest.baseline.center[k]! + 25 * model.manifest.baseline.scale[k]!; // net_rx_bps far off
    const data = Float32Array.from([...normal, ...anomaly]);
    const out = await session.run(onnxFeeds(ort, memoryInputsOf(session, 'test'), data, 2, width));
    const onnx = out[ONNX_OUTPUT]!.data as Float32Array;
    const js = model.score([normal, anomaly]);
    expect(Math.abs(onnx[0]! - js[0]!)).toBeLessThan(1e-6);
    expect(Math.abs(onnx[1]! - js[1]!)).toBeLessThan(1e-6);
    expect(severityOf(onnx[1]!, model.manifest)).not.toBe('normal');
    expect(rankedMetrics(anomaly, featureSet, model.manifest.baseline)[0]).toBe('net_rx_bps');
    // The ranking behind it: net_rx_bps's features' distances, in units of the model's own reach for each, summed, far ahead of the rest.
    const distances = metricDistances(anomaly, featureSet, model.manifest.baseline);
    const { center, scale, reach } = model.manifest.baseline;
    const netRx = featureSet.names.flatMap((_, k) => (k >= 2 * perMetric && k < 3 * perMetric && reach![k] !== null ? [(25 * scale[k]!) / reach![k]!] : []));
    expect(distances).toHaveLength(featureSet.metrics.length);
    expect(distances[2]).toBeCloseTo(
      netRx.reduce((a, b) => a + b, 0),
      9,
    );
    expect(Math.max(...distances.filter((_, m) => m !== 2))).toBeLessThan(distances[2]!);
    expect(center).toHaveLength(featureSet.names.length);
    // Without the reach (a model trained elsewhere) the ranking falls back to robust z units summed over the metric's features.
    expect(metricDistances(anomaly, featureSet, { center, scale })[2]).toBeCloseTo(6 * 25, 3);
    // The stored ranking is that order, most anomalous first.
    const ranked = rankedMetrics(anomaly, featureSet, model.manifest.baseline).map((metric) => distances[featureSet.metrics.indexOf(metric)]!);
    expect(ranked).toHaveLength(featureSet.metrics.length);
    expect(ranked).toEqual([...distances].sort((a, b) => b - a));
  });

  it('flags no training row of a flat series (all scores tie), in JS or in ONNX', async () => {
    const flat = Array.from({ length: 500 }, () => Array.from({ length: width }, (_, k) => k));
    const model = trainModel(flat, featureSet, { trees: 20 });
    expect(Math.max(...model.score(flat))).toBeLessThan(model.manifest.threshold);
    const session = await ort.InferenceSession.create(model.onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const out = await session.run(onnxFeeds(ort, memoryInputsOf(session, 'test'), Float32Array.from(flat[0]!), 1, width));
    expect(severityOf((out[ONNX_OUTPUT]!.data as Float32Array)[0]!, model.manifest)).toBe('normal');
  });

  it('reports progress up to the total', () => {
    const calls: [number, number][] = [];
    trainModel(rows.slice(0, 1200), featureSet, { trees: 10, onProgress: (done, total) => calls.push([done, total]) });
    expect(calls.at(-1)).toEqual([1210, 1210]);
    expect(calls.map(([done]) => done)).toEqual([...calls.map(([done]) => done)].sort((a, b) => a - b));
  });

  it('refuses rows that do not match the feature set, and a bad contamination', () => {
    expect(() =>
      trainModel(
        [
          [1, 2],
          [3, 4],
        ],
        featureSet,
      ),
    ).toThrow(new RegExp(`training row 0 has 2 values, the feature set has ${width} \\(cpu_pct\\.level`));
    expect(() => trainModel(rows, featureSet, { contamination: 0.7 })).toThrow(/contamination must be a share between 0 and 0.5, e.g. 0.01; got 0.7/);
  });
});

describe('calibration helpers', () => {
  it('baseline: median and robust scale; a constant feature gets scale 1, a mostly-constant one a positive scale', () => {
    // 100 rows: 1..4 repeated, one far outlier (within the top 5%, so it does not widen the scale).
    const rows = Array.from({ length: 100 }, (_, i) => (i === 99 ? [100, 5, 8] : [1 + (i % 4), 5, 0]));
    const { center, scale } = baselineOf(rows, 3);
    expect(center).toEqual([2.5, 5, 0]);
    expect(scale[0]).toBeCloseTo(1.4826 * 1, 6); // MAD 1 beats the 95th-percentile distance (1.5) / 1.96
    expect(scale[1]).toBe(1);
    expect(scale[2]).toBeCloseTo((1.2533 * 8) / 100, 10);
  });

  it('baseline: a heavy-tailed feature (mostly 0, bursts in 20% of rows) gets a scale from its 95th-percentile distance', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => [i % 5 === 0 ? 100 : 0]);
    const { center, scale } = baselineOf(rows, 1);
    expect(center).toEqual([0]);
    expect(scale[0]).toBeCloseTo(100 / 1.96, 6);
  });

  it('severity cut points stay at or below 1 and ascend', () => {
    const scores = Array.from({ length: 1000 }, (_, i) => 0.3 + (0.69 * i) / 999);
    const { threshold, severity } = calibrate(scores, 0.01);
    expect(threshold).toBeCloseTo(0.983, 3);
    expect(severity.critical).toBe(1);
    expect(severity.low).toBe(threshold);
    expect(severity.medium).toBeLessThanOrEqual(severity.high);
  });
});
