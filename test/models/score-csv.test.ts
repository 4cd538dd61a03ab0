import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMetricCsv, type MetricCsv } from '../../models/csv.js';
import { probationaryRows, scaledScore, scoreCsvDir, scoreMetricCsv, scoreScaleOf, type RowOutputs } from '../../models/score-csv.js';
import { DEFAULT_PAGE_INTERVAL_MS, pagedScore } from '../../models/page.js';
import { combinedScore, extremenessRate, extremenessScore } from '../../models/extremeness.js';

const T0 = Date.UTC(2026, 0, 5);
const STEP = 5 * 60_000;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A daily cycle with noise, `rows` rows at 5 minutes, and a CPU runaway planted at `at`. */
function series(rows: number, at: number, seed = 1): string {
  const random = rng(seed);
  const lines = ['timestamp,value'];
  for (let i = 0; i < rows; i++) {
    const t = T0 + i * STEP;
    const daily = 40 + 20 * Math.sin((2 * Math.PI * i) / 288);
    const value = i >= at && i < at + 6 ? 98 : daily + 3 * random();
    lines.push(`${new Date(t).toISOString().replace('T', ' ').slice(0, 19)},${value.toFixed(3)}`);
  }
  return lines.join('\n') + '\n';
}

const options = { trees: 50 };

describe('score-csv (NAB protocol)', () => {
  it('the probationary period is floor(15%) of the rows, at most 750', () => {
    expect(probationaryRows(1000)).toBe(150);
    expect(probationaryRows(4032)).toBe(604);
    expect(probationaryRows(22695)).toBe(750);
  });

  it('a planted anomaly scores higher than the normal rows', () => {
    const csv = parseMetricCsv(series(2000, 1500));
    const scores = scoreMetricCsv(csv, options).scores;
    const normal = [...scores.slice(probationaryRows(2000), 1490)];
    const planted = Math.max(...scores.slice(1500, 1506));
    expect(planted).toBeGreaterThan(Math.max(...normal));
    for (const s of scores) expect(s >= 0 && s <= 1).toBe(true);
  });

  it('is causal: changing a later row never changes an earlier score', () => {
    const text = series(1200, 900);
    const a = scoreMetricCsv(parseMetricCsv(text), options).scores;
    const lines = text.split('\n');
    lines[1101] = lines[1101]!.replace(/,[^,]*$/, ',500');
    const b = scoreMetricCsv(parseMetricCsv(lines.join('\n')), options).scores;
    expect([...b.slice(0, 1100)]).toEqual([...a.slice(0, 1100)]);
    expect(b[1100]).not.toBe(a[1100]);
  });

  it('writes timestamp,value,anomaly_score: one row per input row, same order, same relative paths', () => {
    const root = mkdtempSync(join(tmpdir(), 'vigil-score-csv-'));
    mkdirSync(join(root, 'in', 'web'), { recursive: true });
    const text = series(800, 700, 2);
    writeFileSync(join(root, 'in', 'web', 'host-1.csv'), text);
    writeFileSync(join(root, 'in', 'db.csv'), series(600, 500, 3));
    const done = scoreCsvDir(join(root, 'in'), join(root, 'out'), options);
    expect(done.map((d) => d.output)).toEqual([join(root, 'out', 'db.csv'), join(root, 'out', 'web', 'host-1.csv')]);
    const out = readFileSync(join(root, 'out', 'web', 'host-1.csv'), 'utf8')
      .trim()
      .split('\n');
    const input = text.trim().split('\n');
    expect(out[0]).toBe('timestamp,value,anomaly_score,flag');
    expect(out).toHaveLength(input.length);
    out.slice(1).forEach((line, i) => {
      const [timestamp, value, score, flag] = line.split(',');
      const [inTimestamp, inValue] = input[i + 1]!.split(',');
      expect(timestamp).toBe(inTimestamp);
      expect(Number(value)).toBe(Number(inValue));
      expect(Number(score)).toBeGreaterThanOrEqual(0);
      expect(Number(score)).toBeLessThanOrEqual(1);
      expect(['0', '1']).toContain(flag);
    });
  });

  it('flags the onset of a planted anomaly at the model’s own threshold, and no row of steady noise', () => {
    const planted = scoreMetricCsv(parseMetricCsv(series(2000, 1500)), options);
    const flagged = [...planted.flags.keys()].filter((i) => planted.flags[i] === 1);
    expect(flagged).toContain(1500);
    // Only onsets are flagged: never two rows of one incident.
    expect(flagged.filter((i) => i > 1500 && i < 1506)).toEqual([]);
    expect(planted.scores[1500]).toBeGreaterThan(0);

    const random = rng(9);
    const lines = ['timestamp,value'];
    for (let i = 0; i < 2000; i++) lines.push(`${T0 / 1000 + i * 300},${(50 + 3 * random()).toFixed(3)}`);
    const steady = scoreMetricCsv(parseMetricCsv(lines.join('\n')), options);
    // The own threshold leaves about 0.2% of normal rows above it; onset reporting keeps fewer.
    const scored = 2000 - probationaryRows(2000);
    expect(steady.flags.filter((f) => f === 1).length).toBeLessThanOrEqual(Math.ceil(0.005 * scored));
  });

  it('places raw scores on the model’s own scale: 0.5 at the 90th percentile of training scores', () => {
    const training = Array.from({ length: 100 }, (_, i) => 0.3 + i / 1000); // 0.300 .. 0.399
    const scale = scoreScaleOf(training);
    expect(scale.upper).toBeCloseTo(0.39, 12);
    expect(scale.spread).toBeCloseTo(0.399 - 0.35, 12);
    expect(scaledScore(0.39, scale)).toBeCloseTo(0.5, 12);
    expect(scaledScore(0.6, scale)).toBeGreaterThan(0.99);
    expect(scaledScore(0.3, scale)).toBeLessThan(0.1);
  });

  it('daily retraining learns a lasting new normal; a model trained once keeps flagging it', () => {
    // 30 days at 5 minutes; from day 10 the host runs at a new, steady level.
    const random = rng(4);
    const rows = 30 * 288;
    const lines = ['timestamp,value'];
    for (let i = 0; i < rows; i++) lines.push(`${T0 / 1000 + i * 300},${((i < 10 * 288 ? 30 : 70) + 3 * random()).toFixed(3)}`);
    const csv = parseMetricCsv(lines.join('\n'));
    const lastDay = (scores: Float64Array) => scores.slice(rows - 288).reduce((a, b) => a + b, 0) / 288;
    // Every row's own score (no onset reporting): this is about what the model considers normal.
    const retrained = scoreMetricCsv(csv, { trees: 30, onsetWindowMs: 0 }).scores;
    const once = scoreMetricCsv(csv, { trees: 30, retrainEveryMs: 0, onsetWindowMs: 0 }).scores;
    expect(lastDay(once)).toBeGreaterThan(0.5);
    expect(lastDay(retrained)).toBeLessThan(0.5);
  });

  it('reports an incident at its onset, not on every row it lasts', () => {
    const csv = parseMetricCsv(series(2000, 1500));
    const high = (scores: Float64Array) => scores.slice(1500, 1506).filter((s) => s > 0.5).length;
    const onset = scoreMetricCsv(csv, options).scores;
    const everyRow = scoreMetricCsv(csv, { ...options, onsetWindowMs: 0 }).scores;
    expect(high(everyRow)).toBe(6);
    expect(high(onset)).toBe(1);
    expect(onset[1500]).toBe(everyRow[1500]);
  });

  it('the first scored rows are reported only if they score above the training rows of the past day', () => {
    // Steady noise: nothing in the first scored rows stands out from the training rows.
    const random = rng(9);
    const lines = ['timestamp,value'];
    for (let i = 0; i < 2000; i++) lines.push(`${T0 / 1000 + i * 300},${(50 + 3 * random()).toFixed(3)}`);
    const csv = parseMetricCsv(lines.join('\n'));
    const first = probationaryRows(2000);
    const onset = scoreMetricCsv(csv, options).scores;
    const everyRow = scoreMetricCsv(csv, { ...options, onsetWindowMs: 0 }).scores;
    // Without the training rows' scores the first scored row would always be reported.
    expect(everyRow[first]).toBeGreaterThan(0);
    expect(onset[first]).toBe(0);
    expect(onset.slice(first, first + 12).filter((s) => s > 0).length).toBeLessThan(everyRow.slice(first, first + 12).filter((s) => s > 0).length);
  });

  it('finds a day whose daily rise does not come (training leaves out the first day, when the time-of-day normal is still empty)', () => {
    // 14 days at 5 minutes: low at night, high from 08:00 to 20:00; on day 11 the rise never comes.
    const random = rng(5);
    const lines = ['timestamp,value'];
    for (let i = 0; i < 14 * 288; i++) {
      const day = Math.floor(i / 288);
      const hour = (i % 288) / 12;
      const high = hour >= 8 && hour < 20 && day !== 11;
      lines.push(`${T0 / 1000 + i * 300},${((high ? 80 : 20) + 2 * random()).toFixed(3)}`);
    }
    const scores = scoreMetricCsv(parseMetricCsv(lines.join('\n')), { ...options, onsetWindowMs: 0 }).scores;
    const missingRise = Math.max(...scores.slice(11 * 288 + 8 * 12, 11 * 288 + 20 * 12));
    const normalDays = Math.max(...scores.slice(3 * 288, 11 * 288));
    expect(missingRise).toBeGreaterThan(normalDays);
  });

  it('refuses a file too short to train on, saying how many rows it needs', () => {
    const csv: MetricCsv = parseMetricCsv('timestamp,value\n1767571200,1\n1767571260,2\n');
    expect(() => scoreMetricCsv(csv)).toThrow(/2 rows leave 0 for the probationary period.*at least 14 rows/);
  });
  it('hands the model outputs of each scored row to onRow, after the training rows that prime the onset', () => {
    const rows = 1500; // 5.2 days at 5 minutes: the first model, then daily retraining
    const csv = parseMetricCsv(series(rows, 1200));
    const seen: RowOutputs[] = [];
    const { scores, flags } = scoreMetricCsv(csv, { ...options, onRow: (row) => seen.push(row) });
    const probation = probationaryRows(rows);
    const priming = seen.filter((r) => r.priming);
    const scored = seen.filter((r) => !r.priming);
    expect(priming.length).toBeGreaterThan(0);
    expect(seen.slice(0, priming.length).every((r) => r.priming && r.model === 1 && r.index < probation)).toBe(true);
    expect(scored.map((r) => r.index)).toEqual(Array.from({ length: rows - probation }, (_, k) => probation + k));
    // Retrained once a day of the file's time: the model ordinal only grows, from 1.
    expect(scored[0]!.model).toBe(1);
    expect(scored.at(-1)!.model).toBeGreaterThan(3);
    for (let k = 1; k < scored.length; k++) expect(scored[k]!.model).toBeGreaterThanOrEqual(scored[k - 1]!.model);
    let lastPage = Number.NEGATIVE_INFINITY;
    for (const r of scored) {
      // The raw score is the hybrid of the row's forest score and E, E = 1 landing at the anchor.
      expect(r.raw).toBeCloseTo(combinedScore(r.forest, extremenessScore(r.extremeness, extremenessRate(r.anchor))), 5);
      // What the row reported is its scaled score, with the page's bonus where it pages, at an onset, else 0.
      expect(r.scaled).toBe(scaledScore(r.raw, r.scale));
      expect([0, pagedScore(r.scaled, r.page)]).toContain(scores[r.index]);
      // Its flag is the page: at or above the model's own threshold, and no page of the host in the past 12 hours unless it escalates.
      const t = csv.timestamps[r.index]!;
      if (r.page) expect(r.raw).toBeGreaterThanOrEqual(r.threshold);
      if (r.raw >= r.threshold && t - lastPage > DEFAULT_PAGE_INTERVAL_MS) expect(r.page).toBe(true);
      expect(flags[r.index]).toBe(r.page ? 1 : 0);
      if (r.page) lastPage = t;
    }
    // The planted runaway pages, though a marginal page came three hours before it.
    expect(flags[1200]).toBe(1);
    expect(scored.filter((r) => r.page && r.index < 1200 && r.index >= 1200 - 36).length).toBeGreaterThan(0);
    // The planted runaway: far beyond every feature's reach, where a normal row stays within it.
    expect(Math.max(...scored.filter((r) => r.index >= 1200 && r.index < 1206).map((r) => r.extremeness))).toBeGreaterThan(1);
    const normal = scored.filter((r) => r.index < 1150).map((r) => r.extremeness);
    expect(normal.sort((a, b) => a - b)[Math.floor(normal.length / 2)]!).toBeLessThan(1);
  });
  it('calibrates each model at the contamination it is given: a smaller share sets each threshold no lower; a share outside (0, 0.5) is refused', () => {
    const csv = parseMetricCsv(series(1500, 1200));
    const thresholds = (contamination?: number): number[] => {
      const rows: RowOutputs[] = [];
      scoreMetricCsv(csv, { ...options, contamination, onRow: (r) => rows.push(r) });
      return [...new Set(rows.filter((r) => !r.priming).map((r) => r.threshold))];
    };
    const byDefault = thresholds();
    const stricter = thresholds(0.0005);
    expect(stricter).toHaveLength(byDefault.length);
    stricter.forEach((t, k) => expect(t).toBeGreaterThanOrEqual(byDefault[k]!));
    expect(stricter.some((t, k) => t > byDefault[k]!)).toBe(true);
    expect(() => scoreMetricCsv(csv, { ...options, contamination: 0.5 })).toThrow(/contamination must be a share between 0 and 0.5.*got 0.5/);
  });
  it('with thresholdOnHabituatedScores, calibrates each model on its training rows scored with their memory of excursions: a lower threshold where the history recurs', () => {
    // Every 2 days a spike, and another an hour later: the memory lowers the second one's score.
    const random = rng(3);
    const lines = ['timestamp,value'];
    for (let i = 0; i < 3000; i++) {
      const value = i % 576 === 100 || i % 576 === 112 ? 95 : 40 + 3 * random();
      lines.push(`${new Date(T0 + i * STEP).toISOString().replace('T', ' ').slice(0, 19)},${value.toFixed(3)}`);
    }
    const csv = parseMetricCsv(lines.join('\n') + '\n', 'recurring.csv');
    const thresholds = (thresholdOnHabituatedScores: boolean): number[] => {
      const rows: RowOutputs[] = [];
      scoreMetricCsv(csv, { ...options, thresholdOnHabituatedScores, onRow: (r) => rows.push(r) });
      return [...new Set(rows.filter((r) => !r.priming).map((r) => r.threshold))];
    };
    const asTrained = thresholds(false);
    const onHabituated = thresholds(true);
    expect(onHabituated).toHaveLength(asTrained.length);
    onHabituated.forEach((t, k) => expect(t).toBeLessThanOrEqual(asTrained[k]!));
    expect(onHabituated.some((t, k) => t < asTrained[k]!)).toBe(true);
  });
});
