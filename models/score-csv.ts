/**
 * Scoring CSV history the NAB way (../shared/nab/README.md), as a library:
 * for each file, train on the probationary period only (first 15% of rows, at most 750), then
 * score every row causally with the same feature pipeline the agent runs. Rows of the
 * probationary period get score 0 (they are training data, not scored).
 *
 * Optional periodic retraining (`retrainEvery`) refits the forest on rows already seen, as a
 * scheduled training job in production can (train on history, publish, the fleet picks it up).
 */
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { featureSetFor } from '../core/features.js';
import { readMetricCsv, type MetricCsv } from './csv.js';
import { FeaturePipeline, type FeatureOptions } from './features/pipeline.js';
import { trainForest } from './forest/forest.js';

export const PROBATION_FRACTION = 0.15;
export const PROBATION_MAX_ROWS = 750;

export interface ScoreCsvOptions {
  readonly seed?: number;
  readonly trees?: number;
  readonly subsample?: number;
  /** Retrain on every row seen so far each this many rows after the probationary period; 0 = never. */
  readonly retrainEvery?: number;
  readonly features?: Partial<FeatureOptions>;
}

/** Rows of the probationary period (NAB: floor(15%), at most 750). */
export function probationaryRows(rows: number): number {
  return Math.min(Math.floor(PROBATION_FRACTION * rows), PROBATION_MAX_ROWS);
}

/** One anomaly score in [0, 1] per row, each from that row and earlier rows only. */
export function scoreMetricCsv(csv: MetricCsv, options: ScoreCsvOptions = {}): Float64Array {
  const rows = csv.timestamps.length;
  const probation = probationaryRows(rows);
  if (probation < 2) {
    throw new Error(`${rows} rows leave ${probation} for the probationary period; training needs at least 2: give it at least ${Math.ceil(2 / PROBATION_FRACTION)} rows`);
  }
  const featureSet = featureSetFor(csv.metrics);
  const pipeline = new FeaturePipeline(featureSet, options.features);
  const columns = csv.metrics.map((m) => csv.columns[m]!);
  const features: Float64Array[] = [];
  const scores = new Float64Array(rows);
  const forestOptions = { seed: options.seed, trees: options.trees, subsample: options.subsample };
  let forest: ReturnType<typeof trainForest> | undefined;
  for (let i = 0; i < rows; i++) {
    const values: Record<string, number> = {};
    csv.metrics.forEach((m, k) => (values[m] = columns[k]![i]!));
    features.push(pipeline.push({ t: csv.timestamps[i]!, values }));
    const retrain = options.retrainEvery && i > probation && (i - probation) % options.retrainEvery === 0;
    if (i === probation || retrain) forest = trainForest(features.slice(0, i), forestOptions);
    if (forest) scores[i] = forest.score([features[i]!])[0]!;
  }
  return scores;
}

/** The output CSV: `timestamp,value,anomaly_score` (one metric) or `timestamp,<metrics>,anomaly_score`. */
export function formatScoredCsv(csv: MetricCsv, scores: ArrayLike<number>): string {
  const names = csv.metrics.length === 1 ? ['value'] : csv.metrics;
  const columns = csv.metrics.map((m) => csv.columns[m]!);
  const lines = [`timestamp,${names.join(',')},anomaly_score`];
  for (let i = 0; i < csv.timestamps.length; i++) {
    const values = columns.map((c) => (Number.isFinite(c[i]) ? String(c[i]) : ''));
    lines.push(`${csv.timestampText[i]},${values.join(',')},${scores[i]!.toFixed(6)}`);
  }
  return lines.join('\n') + '\n';
}

export interface ScoredFile {
  readonly input: string;
  readonly output: string;
  readonly rows: number;
  readonly probation: number;
}

export function scoreCsvFile(input: string, output: string, options: ScoreCsvOptions = {}): ScoredFile {
  const csv = readMetricCsv(input);
  const scores = scoreMetricCsv(csv, options);
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, formatScoredCsv(csv, scores));
  return { input, output, rows: csv.timestamps.length, probation: probationaryRows(csv.timestamps.length) };
}

/** Scores every *.csv under inDir into the same relative path under outDir. */
export function scoreCsvDir(inDir: string, outDir: string, options: ScoreCsvOptions = {}, onFile?: (done: ScoredFile) => void): ScoredFile[] {
  const files = csvFilesUnder(inDir);
  if (files.length === 0) throw new Error(`no .csv files under ${inDir}: point --in-dir at a folder of CSV files`);
  return files.map((file) => {
    const done = scoreCsvFile(file, join(outDir, relative(inDir, file)), options);
    onFile?.(done);
    return done;
  });
}

function csvFilesUnder(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (error) {
    throw new Error(`cannot read folder ${dir}: ${(error as Error).message}: check the path`, { cause: error });
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return csvFilesUnder(path);
    return name.toLowerCase().endsWith('.csv') ? [path] : [];
  });
}
