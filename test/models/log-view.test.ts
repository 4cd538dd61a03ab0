/**
 * Log views of right-skewed metrics (core/features.ts LogView, features/log-view.ts): the feature set's
 * contract, how the pipeline computes them, which metrics get one, and a model trained with them
 * (its manifest, its ONNX graph against its JS score, its attribution, `vigil train` and `evaluate`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { featureSetFor, featureSetMismatch, HOST_FEATURE_SET, PER_METRIC_FEATURES } from '../../core/features.js';
import { ONNX_OUTPUT, parseManifest } from '../../core/manifest.js';
import { logScaleOf, logViewsOf, logViewValue } from '../../features/log-view.js';
import { FeaturePipeline } from '../../features/pipeline.js';
import { readModelDir } from '../../model-store/artifact.js';
import { metricDistances, rankedMetrics } from '../../model-store/explain.js';
import { metricGroups } from '../../model-store/metric-extremeness.js';
import { memoryInputsOf, onnxFeeds } from '../../model-store/onnx-scorer.js';
import { parseMetricCsv } from '../../models/csv.js';
import { featureRowsOf, oneHostFeatureSet } from '../../models/csv-features.js';
import { seededRandom } from '../../models/forest/random.js';
import { trainModel } from '../../models/train.js';
import { runVigil } from '../vigil-cli.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 5);
const PER_METRIC = PER_METRIC_FEATURES.length;
const work = mkdtempSync(join(tmpdir(), 'vigil-log-view-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * `rows` minutes of a steady share and a right-skewed request rate (quiet nights, busy days, bursts);
 * in `surge` (rows [from, to)) the night's requests run at 6 times their level, still below a day's.
 */
function skewedCsv(rows: number, seed: number, surge: readonly [number, number] = [0, 0]): string {
  const random = seededRandom(seed);
  const lines = ['timestamp,busy_share,requests'];
  for (let i = 0; i < rows; i++) {
    const day = Math.sin((2 * Math.PI * i) / 1440) > 0;
    const level = day ? 100 : i >= surge[0] && i < surge[1] ? 60 : 10;
    const requests = level * Math.exp(0.3 * (random() - 0.5)) + (random() < 0.03 ? 3000 * random() : 0);
    lines.push(`${new Date(T0 + i * MINUTE).toISOString()},${(40 + 5 * random()).toFixed(3)},${requests.toFixed(3)}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('the feature set of a metric with a log view', () => {
  const set = featureSetFor(['busy_share', 'requests'], [{ metric: 'requests', scale: 50 }]);

  it('appends the view’s block after every metric’s own, named <metric>_log', () => {
    expect(set.names).toHaveLength(3 * PER_METRIC);
    expect(set.names.slice(2 * PER_METRIC)).toEqual(PER_METRIC_FEATURES.map((f) => `requests_log.${f}`));
    expect(set.names.slice(0, 2 * PER_METRIC)).toEqual(featureSetFor(['busy_share', 'requests']).names);
    // Views come in metric order whatever order they are given in.
    const two = featureSetFor(
      ['a', 'b'],
      [
        { metric: 'b', scale: 1 },
        { metric: 'a', scale: 2 },
      ],
    );
    expect(two.logViews).toEqual([
      { metric: 'a', scale: 2 },
      { metric: 'b', scale: 1 },
    ]);
    // Without a view a feature set has no logViews key at all.
    expect('logViews' in featureSetFor(['a', 'b'])).toBe(false);
  });

  it('refuses a view of an unknown metric, a second view, a bad scale and a name taken by a column', () => {
    expect(() => featureSetFor(['a'], [{ metric: 'b', scale: 1 }])).toThrow(/log view needs one of the feature set's metrics \(a\); got b/);
    expect(() =>
      featureSetFor(
        ['a'],
        [
          { metric: 'a', scale: 1 },
          { metric: 'a', scale: 2 },
        ],
      ),
    ).toThrow(/more than one log view/);
    expect(() => featureSetFor(['a'], [{ metric: 'a', scale: 0 }])).toThrow(/finite scale > 0; got 0/);
    expect(() => featureSetFor(['a', 'a_log'], [{ metric: 'a', scale: 1 }])).toThrow(/a_log is already a metric's/);
  });

  it('a model with another scale for the view is a mismatch', () => {
    expect(featureSetMismatch(set, set)).toBeUndefined();
    const other = featureSetFor(['busy_share', 'requests'], [{ metric: 'requests', scale: 60 }]);
    expect(featureSetMismatch(set, other)).toMatch(/log-view scales differ.*requests:50.*requests:60/);
    expect(featureSetMismatch(featureSetFor(['busy_share', 'requests']), set)).toMatch(/feature names differ/);
  });
});

describe('which metrics get a log view', () => {
  it('a non-negative right-skewed metric, at its median, or its 99th percentile when it is mostly 0', () => {
    const skewed = Array.from({ length: 1000 }, (_, i) => (i % 50 === 0 ? 1000 : 10 + (i % 7)));
    expect(logScaleOf(skewed)).toBe(13);
    const sparse = Array.from({ length: 1000 }, (_, i) => (i % 20 === 0 ? 5 : 0));
    expect(logScaleOf(sparse)).toBe(5);
  });

  it('none for a metric that sits in a band, goes negative, is always 0 or has no values', () => {
    expect(logScaleOf(Array.from({ length: 1000 }, (_, i) => 40 + (i % 20)))).toBeUndefined();
    expect(logScaleOf(Array.from({ length: 1000 }, (_, i) => (i % 50 === 0 ? 1000 : i === 3 ? -1 : 10)))).toBeUndefined();
    expect(logScaleOf(new Float64Array(1000))).toBeUndefined();
    expect(logScaleOf([Number.NaN, Number.NaN])).toBeUndefined();
  });

  it('one host’s CSV gets views for its skewed columns; a CSV of the agent’s metrics keeps the agent’s feature set', () => {
    const csv = parseMetricCsv(skewedCsv(3000, 1));
    const set = oneHostFeatureSet(csv);
    expect(set.logViews?.map((view) => view.metric)).toEqual(['requests']);
    expect(logViewsOf(csv.metrics, (m) => csv.columns[m]!)).toEqual(set.logViews);
    const host = parseMetricCsv(
      `timestamp,${HOST_FEATURE_SET.metrics.join(',')}\n${new Date(T0).toISOString()},${HOST_FEATURE_SET.metrics.map((_, k) => (k === 5 ? 1e6 : 0)).join(',')}\n`,
    );
    expect(oneHostFeatureSet(host)).toBe(HOST_FEATURE_SET);
  });
});

describe('the pipeline with a log view', () => {
  const set = featureSetFor(['requests'], [{ metric: 'requests', scale: 50 }]);

  it('computes the view’s block as the same features of ln(1 + x / scale), with its own state', () => {
    const random = seededRandom(3);
    const values = Array.from({ length: 2000 }, (_, i) => (i % 300 < 150 ? 20 : 400) * Math.exp(random() - 0.5));
    const viewed = new FeaturePipeline(set);
    const asColumns = new FeaturePipeline(featureSetFor(['requests', 'requests_log']), { nonNegativeMetrics: ['requests', 'requests_log'] });
    values.forEach((x, i) => {
      const t = T0 + i * MINUTE;
      expect([...viewed.push({ t, values: { requests: x } })]).toEqual([...asColumns.push({ t, values: { requests: x, requests_log: logViewValue(x, 50) } })]);
    });
  });

  it('a rise by the same ratio stands out as far on the log view from a quiet level as from a busy one; on the linear scale it does not', () => {
    const devShort = (level: number, view: boolean) => {
      const p = new FeaturePipeline(set);
      const random = seededRandom(4);
      let last: Float64Array = new Float64Array();
      for (let i = 0; i < 600; i++) last = p.push({ t: T0 + i * MINUTE, values: { requests: level * (1 + 0.1 * (random() - 0.5)) } });
      expect(last.length).toBe(2 * PER_METRIC);
      const risen = p.push({ t: T0 + 600 * MINUTE, values: { requests: 3 * level } });
      return risen[(view ? PER_METRIC : 0) + PER_METRIC_FEATURES.indexOf('dev_short')]!;
    };
    // The linear deviation is in the metric's own spread, so it is the same at both levels too; the
    // view's is a ratio whatever the scale: both show the rise, the view in both places alike.
    const quiet = devShort(2000, true);
    const busy = devShort(200_000, true);
    expect(quiet).toBeGreaterThan(3);
    expect(busy / quiet).toBeGreaterThan(0.8);
    expect(busy / quiet).toBeLessThan(1.25);
    expect(devShort(2000, false)).toBeGreaterThan(3);
  });

  it('a negative value is missing on the view (imputed), while the metric’s own block takes it', () => {
    const p = new FeaturePipeline(set, { nonNegativeMetrics: [] });
    for (let i = 0; i < 100; i++) p.push({ t: T0 + i * MINUTE, values: { requests: 100 } });
    const f = p.push({ t: T0 + 100 * MINUTE, values: { requests: -50 } });
    expect(f[PER_METRIC_FEATURES.indexOf('level')]).toBe(-50);
    expect(f[PER_METRIC + PER_METRIC_FEATURES.indexOf('level')]).toBeCloseTo(Math.log1p(100 / 50), 9);
    expect(f[PER_METRIC + PER_METRIC_FEATURES.indexOf('dev_short')]).toBe(0);
    for (const v of f) expect(Number.isFinite(v)).toBe(true);
  });

  it('saves and restores the view’s state, and refuses state saved for other views', () => {
    const values = Array.from({ length: 800 }, (_, i) => 100 + 50 * Math.sin(i / 40));
    const straight = new FeaturePipeline(set);
    const all = values.map((x, i) => straight.push({ t: T0 + i * MINUTE, values: { requests: x } }));
    const first = new FeaturePipeline(set);
    values.slice(0, 400).forEach((x, i) => first.push({ t: T0 + i * MINUTE, values: { requests: x } }));
    const saved = JSON.parse(JSON.stringify(first.snapshot())) as unknown;
    const resumed = FeaturePipeline.restore(set, saved);
    values.slice(400).forEach((x, i) => expect(resumed.push({ t: T0 + (400 + i) * MINUTE, values: { requests: x } })).toEqual(all[400 + i]));
    expect(() => FeaturePipeline.restore(featureSetFor(['requests']), saved)).toThrow(/log views \[requests:50\], this feature set has \[\]/);
    expect(() => FeaturePipeline.restore(featureSetFor(['requests'], [{ metric: 'requests', scale: 9 }]), saved)).toThrow(/requests:9/);
  });
});

describe('a model trained with a log view', () => {
  const csv = parseMetricCsv(skewedCsv(4 * 1440, 5));
  const set = oneHostFeatureSet(csv);
  const rows = featureRowsOf(csv, new FeaturePipeline(set)).slice(1440);
  const model = trainModel(rows, set, { seed: 2, trees: 50, oneHost: true });

  it('keeps the views in its manifest, and the extremeness branch counts each metric once', () => {
    const manifest = parseManifest(JSON.parse(JSON.stringify(model.manifest)));
    expect(manifest.featureSet.logViews).toEqual(set.logViews);
    expect(manifest.featureSet.names).toEqual(set.names);
    expect(model.extremeness!.metrics).toHaveLength(2);
    // requests' group holds its own features and its view's.
    const groups = metricGroups(set, model.extremeness!.features);
    const requestsFeatures = groups[1]!.map((k) => set.names[model.extremeness!.features[k]!]!);
    expect(requestsFeatures.some((n) => n.startsWith('requests.'))).toBe(true);
    expect(requestsFeatures.some((n) => n.startsWith('requests_log.'))).toBe(true);
    expect(groups[0]!.every((k) => set.names[model.extremeness!.features[k]!]!.startsWith('busy_share.'))).toBe(true);
  });

  it('scores through onnxruntime like its JS score, ordinary rows and a night-time surge', async () => {
    const session = await ort.InferenceSession.create(model.onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const width = set.names.length;
    const surge = [...rows[100]!];
    const view = set.names.indexOf('requests_log.level');
    for (let k = view; k < view + PER_METRIC; k++) surge[k] = model.manifest.baseline.center[k]! + 20 * model.manifest.baseline.scale[k]!;
    const batch = [rows[0]!, rows[500]!, rows[2000]!, surge];
    const out = await session.run(onnxFeeds(ort, memoryInputsOf(session, 'test'), Float32Array.from(batch.flatMap((r) => [...r])), batch.length, width));
    const onnx = out[ONNX_OUTPUT]!.data as Float32Array;
    const js = model.score(batch);
    batch.forEach((_, i) => expect(Math.abs(onnx[i]! - js[i]!)).toBeLessThan(1e-6));
    expect(js[3]).toBeGreaterThanOrEqual(model.manifest.threshold);
  });

  it('ranks raw metrics by their own blocks: the view does not add to a metric’s distance', () => {
    const { center, reach } = model.manifest.baseline;
    const normal = Float64Array.from(rows[100]!);
    const viewOnly = Float64Array.from(normal);
    const view = set.names.indexOf('requests_log.level');
    viewOnly[view] = center[view]! + 10 * reach![view]!;
    expect(metricDistances(viewOnly, set, model.manifest.baseline)).toEqual(metricDistances(normal, set, model.manifest.baseline));
    const linear = Float64Array.from(normal);
    const level = set.names.indexOf('requests.level');
    linear[level] = center[level]! + 10 * reach![level]!;
    const distances = metricDistances(linear, set, model.manifest.baseline);
    expect(distances).toHaveLength(2);
    expect(distances[1]).toBeGreaterThanOrEqual(10);
    expect(rankedMetrics(linear, set, model.manifest.baseline)).toEqual(['requests', 'busy_share']);
  });
});

describe('vigil train and evaluate on a CSV with a right-skewed column', () => {
  it('the model carries the view chosen from its training rows, and evaluate computes it again', async () => {
    const train = join(work, 'train.csv');
    writeFileSync(train, skewedCsv(3 * 1440, 7));
    const modelDir = join(work, 'model');
    const trained = await runVigil(['train', '--in', train, '--out', modelDir, '--trees', '30'], { timeoutMs: 120_000 });
    expect(trained.stderr).toBe('');
    expect(trained.code).toBe(0);
    const { manifest } = readModelDir(modelDir);
    expect(manifest.featureSet.logViews?.map((view) => view.metric)).toEqual(['requests']);
    expect(manifest.featureSet.names).toContain('requests_log.dev_seasonal');
    // A night-time surge in the second night of the test file (rows 2160 to 2220; nights are rows 720 to 1440 of each day):
    // six times the night's level but below every day's, so only the log view sees it (without it the window is missed).
    const test = join(work, 'test.csv');
    writeFileSync(test, skewedCsv(2 * 1440, 8, [2160, 2220]));
    const labels = join(work, 'labels.csv');
    const stamps = parseMetricCsv(skewedCsv(2 * 1440, 8)).timestampText;
    writeFileSync(labels, `timestamp,label\n${stamps.map((t, i) => `${t},${i >= 2160 && i < 2220 ? 1 : 0}`).join('\n')}\n`);
    const report = join(work, 'report.html');
    const evaluated = await runVigil(['evaluate', '--model', modelDir, '--history', train, '--in', test, '--labels', labels, '--report', report, '--json'], {
      timeoutMs: 120_000,
    });
    expect(evaluated.stderr).toBe('');
    expect(evaluated.code).toBe(0);
    const summary = JSON.parse(evaluated.stdout) as { rows: number; windows: number; windowsFound: number };
    expect(summary).toMatchObject({ rows: 2 * 1440, windows: 1, windowsFound: 1 });
  }, 240_000);
});
