import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { featureSetFor } from '../../core/features.js';
import { writeModelDir } from '../../model-store/artifact.js';
import { parseMetricCsv } from '../../models/csv.js';
import { evaluateModel } from '../../models/evaluate/evaluate.js';
import { readLabels } from '../../models/evaluate/labels.js';
import { falseAlarmEpisodes, metricsAt, rocAuc, rocCurve, thresholdSweep, windowDetections } from '../../models/evaluate/metrics.js';
import { renderReport } from '../../models/evaluate/report.js';
import { FeaturePipeline } from '../../features/pipeline.js';
import { trainModel } from '../../models/train.js';

const T0 = Date.UTC(2026, 0, 5);
const STEP = 5 * 60_000;
const dir = mkdtempSync(join(tmpdir(), 'vigil-evaluate-'));
const stamp = (i: number) => new Date(T0 + i * STEP).toISOString().replace('T', ' ').slice(0, 19);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** cpu_pct and mem_used_pct with a daily cycle; anomalies planted in [from, to). */
function history(rows: number, anomalies: readonly [number, number][], seed: number): string {
  const random = rng(seed);
  const lines = ['timestamp,cpu_pct,mem_used_pct'];
  for (let i = 0; i < rows; i++) {
    const anomalous = anomalies.some(([a, b]) => i >= a && i < b);
    const cpu = anomalous ? 97 + random() : 35 + 15 * Math.sin((2 * Math.PI * i) / 288) + 3 * random();
    lines.push(`${stamp(i)},${cpu.toFixed(3)},${(60 + 2 * random()).toFixed(3)}`);
  }
  return lines.join('\n') + '\n';
}

describe('evaluation metrics', () => {
  const scores = [0.1, 0.4, 0.35, 0.8, 0.9, 0.2];
  const labels = [0, 0, 1, 1, 1, 0];

  it('precision, recall and F1 at a threshold', () => {
    const m = metricsAt(scores, labels, 0.4);
    expect(m).toMatchObject({ tp: 2, fp: 1, fn: 1, tn: 2 });
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    expect(metricsAt(scores, labels, 2)).toMatchObject({ precision: 0, recall: 0, f1: 0 });
  });

  it('ROC AUC counts ordered pairs, ties as half, and is undefined for one class', () => {
    // Positive scores 0.35, 0.8, 0.9 against negatives 0.1, 0.4, 0.2: 8 of 9 pairs ordered.
    expect(rocAuc(scores, labels)).toBeCloseTo(8 / 9, 12);
    expect(rocAuc([0.5, 0.5], [0, 1])).toBe(0.5);
    expect(rocAuc([0.1, 0.2], [0, 0])).toBeUndefined();
    const curve = rocCurve(scores, labels);
    expect(curve[0]).toEqual({ fpr: 0, tpr: 0 });
    expect(curve[curve.length - 1]).toEqual({ fpr: 1, tpr: 1 });
  });

  it('the sweep ascends over distinct thresholds and windows record their first detection', () => {
    const sweep = thresholdSweep(scores, labels, 10);
    const thresholds = sweep.map((p) => p.threshold);
    expect(thresholds).toEqual([...new Set(thresholds)].sort((a, b) => a - b));
    expect(thresholds[thresholds.length - 1]).toBe(0.9);
    expect(
      windowDetections(
        scores,
        [
          { start: 2, end: 4 },
          { start: 0, end: 1 },
        ],
        0.5,
      ).map((w) => w.firstDetection),
    ).toEqual([3, undefined]);
  });
});

describe('false-alarm episodes', () => {
  it.each([
    ['no flag', [0.1, 0.2, 0.1], [0, 0, 0], 0],
    ['one run of flagged normal rows', [0.9, 0.9, 0.1], [0, 0, 0], 1],
    ['two runs split by a normal score', [0.9, 0.1, 0.9], [0, 0, 0], 2],
    ['flags inside an incident are not false alarms', [0.9, 0.9, 0.9], [0, 1, 0], 2],
    ['at the threshold counts as flagged', [0.5], [0], 1],
  ])('%s', (_name, scores, labels, expected) => {
    expect(falseAlarmEpisodes(scores, labels, 0.5)).toBe(expected);
  });
});

describe('labels', () => {
  const csv = parseMetricCsv(`timestamp,value\n${Array.from({ length: 10 }, (_, i) => `${stamp(i)},${i}`).join('\n')}\n`, 'data/web/host.csv');

  it('reads NAB windows JSON, choosing the key the input path ends with', () => {
    const path = join(dir, 'windows.json');
    writeFileSync(
      path,
      JSON.stringify({
        'web/other.csv': [],
        'web/host.csv': [
          [`${stamp(2)}.000000`, `${stamp(4)}.000000`],
          [stamp(8), stamp(20)],
        ],
      }),
    );
    const labels = readLabels(path, csv, 'data/web/host.csv');
    expect([...labels.perRow]).toEqual([0, 0, 1, 1, 1, 0, 0, 0, 1, 1]);
    expect(labels.windows).toEqual([
      { start: 2, end: 4 },
      { start: 8, end: 9 },
    ]);
    expect(() => readLabels(path, csv, 'data/db/host.csv')).toThrow(
      /has no windows for data\/db\/host\.csv \(keys: web\/other\.csv, web\/host\.csv\): pass --labels-key/,
    );
  });

  it('reads a 0/1 label column matched by timestamp, naming bad values and unlabelled rows', () => {
    const path = join(dir, 'labels.csv');
    writeFileSync(path, `timestamp,label\n${Array.from({ length: 10 }, (_, i) => `${stamp(i)},${i === 5 || i === 6 ? 1 : 0}`).join('\n')}\n`);
    const labels = readLabels(path, csv, 'x.csv');
    expect(labels.windows).toEqual([{ start: 5, end: 6 }]);
    writeFileSync(path, `timestamp,label\n${stamp(0)},2\n`);
    expect(() => readLabels(path, csv, 'x.csv')).toThrow(/labels\.csv:2: label 2 in column label is not 0 or 1/);
    writeFileSync(path, `timestamp,label\n${stamp(0)},1\n`);
    expect(() => readLabels(path, csv, 'x.csv')).toThrow(/no label for timestamp .* \(row 2 of the evaluated file\)/);
  });
});

describe('vigil evaluate', () => {
  // Train on clean history computed by the same feature pipeline, then evaluate on new history.
  const metrics = ['cpu_pct', 'mem_used_pct'];
  const featureSet = featureSetFor(metrics);
  const train = parseMetricCsv(history(2000, [], 1));
  const pipeline = new FeaturePipeline(featureSet);
  const rows = train.timestamps.map((t, i) =>
    pipeline.push({ t, values: { cpu_pct: train.columns.cpu_pct![i]!, mem_used_pct: train.columns.mem_used_pct![i]! } }),
  );
  const model = trainModel(rows.slice(100), featureSet, { trees: 50, name: 'test-host', version: 'v1' });
  const modelDir = join(dir, 'model');
  writeModelDir(modelDir, model);
  const input = join(dir, 'host.csv');
  writeFileSync(
    input,
    history(
      1500,
      [
        [700, 712],
        [1200, 1210],
      ],
      2,
    ),
  );
  const labelsPath = join(dir, 'host-labels.csv');
  const labelled = (i: number) => (i >= 700 && i < 712) || (i >= 1200 && i < 1210);
  writeFileSync(labelsPath, `timestamp,label\n${Array.from({ length: 1500 }, (_, i) => `${stamp(i)},${labelled(i) ? 1 : 0}`).join('\n')}\n`);

  it('scores through the ONNX model, finds the planted windows and reports the metrics', async () => {
    const e = await evaluateModel({ modelDir, input, labels: labelsPath, skipRows: 100 });
    expect(e.scores).toHaveLength(1500);
    expect(e.windows.map((w) => w.firstDetection !== undefined)).toEqual([true, true]);
    expect(e.auc).toBeGreaterThan(0.9);
    expect(e.atThreshold.tp).toBeGreaterThan(0);
    expect(e.best.f1).toBeGreaterThanOrEqual(e.atThreshold.f1);
    const html = renderReport(e);
    expect(html.match(/<svg /g)).toHaveLength(5); // score, two metrics, sweep, ROC
    expect(html).toContain('windows found');
    expect(html).toContain(`${e.atThreshold.tp} true positives`);
    expect(html).not.toMatch(/<script/);
    writeFileSync(join(dir, 'report.html'), html);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('test-host');
  });

  it('refuses a CSV without the model’s metric columns, naming file, columns and fix', async () => {
    const other = join(dir, 'other.csv');
    writeFileSync(other, `timestamp,value\n${stamp(0)},1\n`);
    await expect(evaluateModel({ modelDir, input: other, labels: labelsPath })).rejects.toThrow(
      /other\.csv:1: no column for cpu_pct, mem_used_pct, which the model test-host was trained on .* evaluate on a CSV with columns timestamp,cpu_pct,mem_used_pct/,
    );
  });

  it('leaves out the first day of the feature warm-up unless told otherwise', async () => {
    const e = await evaluateModel({ modelDir, input, labels: labelsPath });
    expect(e.skipRows).toBe(288); // one day of 5-minute rows
    expect((await evaluateModel({ modelDir, input, labels: labelsPath, skipRows: 0 })).skipRows).toBe(0);
  });

  it('continues the pipeline from a history file, for files without timestamps and per-row labels', async () => {
    // The same rows without their timestamp column, on a 5-minute clock; the training file is the history.
    const bare = (text: string) =>
      text
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(',').slice(1).join(','))
        .join('\n') + '\n';
    const historyFile = join(dir, 'train.txt');
    writeFileSync(historyFile, `cpu_pct,mem_used_pct\n${bare(history(2000, [], 1))}`);
    const testFile = join(dir, 'test.txt');
    writeFileSync(testFile, `cpu_pct,mem_used_pct\n${bare(readFileSync(input, 'utf8'))}`);
    const rowLabels = join(dir, 'test-labels.txt');
    writeFileSync(rowLabels, `${Array.from({ length: 1500 }, (_, i) => (labelled(i) ? 1 : 0)).join('\n')}\n`);
    const clock = { startMs: T0, intervalMs: STEP };
    const warm = await evaluateModel({ modelDir, input: testFile, labels: rowLabels, history: historyFile, clock });
    expect(warm.skipRows).toBe(0);
    expect(warm.csv.timestamps[0]).toBe(T0 + 2000 * STEP);
    expect(warm.labels.windows).toEqual([
      { start: 700, end: 711 },
      { start: 1200, end: 1209 },
    ]);
    expect(warm.windows.map((w) => w.firstDetection !== undefined)).toEqual([true, true]);
    // The pipeline's state carries on from the history, as on a host: the first row's features are
    // those of a pipeline that saw the training rows first.
    const carried = new FeaturePipeline(featureSet);
    train.timestamps.forEach((t, i) => carried.push({ t, values: { cpu_pct: train.columns.cpu_pct![i]!, mem_used_pct: train.columns.mem_used_pct![i]! } }));
    const first = parseMetricCsv(readFileSync(input, 'utf8'));
    expect([...warm.features[0]!]).toEqual([
      ...carried.push({ t: T0 + 2000 * STEP, values: { cpu_pct: first.columns.cpu_pct![0]!, mem_used_pct: first.columns.mem_used_pct![0]! } }),
    ]);
  });
});
