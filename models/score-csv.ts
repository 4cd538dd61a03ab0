/**
 * Scoring CSV history the NAB way (../shared/nab/README.md), as a library:
 * for each file, train on the probationary period only (first 15% of rows, at most 750), then
 * score every row causally with the same feature pipeline the agent runs. Rows of the
 * probationary period get score 0 (they are training data, not scored).
 *
 * Training leaves out the feature pipeline's first day (features/warm-up.ts), as `vigil
 * train` does. Each score is reported as an incident onset (models/onset.ts): a row scoring no
 * higher than a row of the past day reports 0, so an incident is reported when it starts or
 * worsens, not on every row it lasts. The onset starts from the first model's scores of the
 * training rows of the past day, so the first scored rows are compared with history too.
 *
 * Retraining: once a day (of the file's time) the forest is refitted on every row seen so far, as
 * the production path can with a nightly training job (train on stored history, publish, the
 * scoring function picks up the new model). The score of row i only ever comes from a model
 * trained on rows before i.
 *
 * Each model is the hybrid of models/train.ts: the extremeness branch (models/extremeness.ts)
 * calibrated on the same rows, plus a share of the forest's score above it, so a single feature far
 * beyond its training range scores high even where the forest barely reacts, and the forest adds
 * evidence without deciding alone. Each row is scored with its host's memory of the metrics'
 * excursions that ended in the past hours, as the scoring function keeps it (model-store/habituation.ts),
 * kept across retrainings; it starts from the rows the first model was trained on.
 *
 * Besides the score, each row gets the model's own decision, `flag`: 1 where the row pages its host
 * (models/page.ts): its score is at or above the threshold the model calibrated on its training
 * rows (models/train.ts, the default contamination, no labels) and the host was not paged in the
 * past 12 hours, or only at a severity two levels lower. NAB scored on `flag` with a fixed
 * threshold is the detector at its own operating point. The reported score carries the page too
 * (pagedScore): a row that pages its host scores a little higher than one of the same scaled score
 * that does not, so one threshold over many files respects each file's own threshold.
 */
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { FeatureSet } from '../core/features.js';
import { severityOf, type Manifest } from '../core/manifest.js';
import { readMetricCsv, type CsvOptions, type MetricCsv } from './csv.js';
import { oneHostFeatureSet } from './csv-features.js';
import { FeaturePipeline, type FeatureOptions } from '../features/pipeline.js';
import { firstTrainingRow } from '../features/warm-up.js';
import { IncidentOnset } from './onset.js';
import { DEFAULT_PAGE_INTERVAL_MS, PageInterval, pagedScore } from './page.js';
import { extremenessOf, thresholdCeiling, type ExtremenessBranch, type ReachOptions } from './extremeness.js';
import { ExcursionMemory, hostHabituation, memoryRow, type MemoryRow } from '../model-store/habituation.js';
import { trainForest, type Forest, type ForestOptions } from './forest/forest.js';
import { baselineOf, calibrate, calibrationMemory, contaminationOf, extremenessBranchOf, modelScores } from './train.js';

export const PROBATION_FRACTION = 0.15;
export const PROBATION_MAX_ROWS = 750;
/** A nightly training job: the production path retrains on the history it has stored. */
export const DEFAULT_RETRAIN_EVERY_MS = 24 * 3_600_000;
/** An incident is reported again within a day only if it gets worse (models/onset.ts). */
export const DEFAULT_ONSET_WINDOW_MS = 24 * 3_600_000;
/**
 * Where the extremeness branch meets the forest's scale: the forest's 99th training percentile.
 * The output is a continuous score whose threshold the reader picks (NAB sweeps it), so this
 * anchors the scale only; it is not the alerting threshold of a published model.
 */
const BRANCH_ANCHOR_CONTAMINATION = 0.01;
/** Training scores used to place a model's score scale (a deterministic stride sample beyond this). */
const SCALE_SAMPLE_ROWS = 4000;

export interface ScoreCsvOptions {
  readonly seed?: number;
  readonly trees?: number;
  readonly subsample?: number;
  /** Retrain on every row seen so far once this much time (ms) has passed since the last training; 0 = train once. Default one day. */
  readonly retrainEveryMs?: number;
  readonly features?: Partial<FeatureOptions>;
  /** Report incident onsets (models/onset.ts) over this window (ms); 0 = every row's own score. Default one day. */
  readonly onsetWindowMs?: number;
  /** The extremeness branch's calibration, or false for the forest alone. Default as trainModel. */
  readonly extremeness?: Partial<ReachOptions> | false;
  /** How to read the files (their time column). */
  readonly csv?: CsvOptions;
  /**
   * Calibrate each model's threshold and score scale on its training rows scored with the file's memory of its
   * excursions, replayed over them with the model's own branch (the next step decision 0010 names), instead of on
   * their scores without it, as models/train.ts does. Default false.
   */
  readonly thresholdOnHabituatedScores?: boolean;
  /** The share of each model's training rows its own threshold leaves above it (models/train.ts). Default DEFAULT_CONTAMINATION. */
  readonly contamination?: number;
  /** Called every 1000 rows as scoring goes (for a progress bar). */
  readonly onRows?: (done: number, total: number) => void;
  /**
   * Called with each scored row's model outputs, and first with the training rows that prime the
   * onset: what detection experiments re-score without training again (scripts/nab-dump.ts).
   */
  readonly onRow?: (row: RowOutputs) => void;
}

/** One row's model outputs as score-csv computed them (ScoreCsvOptions.onRow). */
export interface RowOutputs {
  /** Row index in the file. */
  readonly index: number;
  /** A training row of the first model whose score primes the onset (no reported score of its own). */
  readonly priming: boolean;
  /** Which model scored it: 1 the first, counting retrainings. */
  readonly model: number;
  /** The model's raw hybrid score, its forest's score and the extremeness E it scored with, habituated (models/extremeness.ts, model-store/habituation.ts). */
  readonly raw: number;
  readonly forest: number;
  readonly extremeness: number;
  /** Where E = 1 lands on the raw score (the extremeness branch's threshold; NaN for a model without one): the raw score is 1 - (1 - anchor)^E plus FOREST_WEIGHT of the forest's score above that. */
  readonly anchor: number;
  /** The raw score on the model's scale (scaledScore); the onset takes it with the page's bonus (pagedScore). */
  readonly scaled: number;
  readonly scale: ScoreScale;
  /** The model's own threshold on raw scores. */
  readonly threshold: number;
  /** Whether the row pages its host (models/page.ts): what `flag` reports. */
  readonly page: boolean;
}

/** Rows of the probationary period (NAB: floor(15%), at most 750). */
export function probationaryRows(rows: number): number {
  return Math.min(Math.floor(PROBATION_FRACTION * rows), PROBATION_MAX_ROWS);
}

/**
 * Where a model's raw scores sit on its own training data. Isolation-forest scores of different
 * series live on different scales (a noisy series scores higher everywhere), so an anomaly score
 * comparable across hosts is the raw score measured from the upper normal range (90th
 * percentile) in units of the normal spread (99th percentile - median).
 */
export interface ScoreScale {
  readonly median: number;
  readonly upper: number;
  readonly spread: number;
}

export function scoreScaleOf(trainingScores: ArrayLike<number>): ScoreScale {
  const sorted = Float64Array.from(trainingScores).sort();
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  return { median: q(0.5), upper: q(0.9), spread: Math.max(q(0.99) - q(0.5), 1e-9) };
}

/** Anomaly score in (0, 1): 0.5 at the upper normal range, rising with the distance above it. */
export function scaledScore(raw: number, scale: ScoreScale): number {
  const z = (raw - scale.upper) / scale.spread;
  return 1 / (1 + Math.exp(-2 * z));
}

/** Per row: the anomaly score in [0, 1] and the model's own decision (0 in the probationary period); each from that row and earlier rows only. */
export interface ScoredRows {
  readonly scores: Float64Array;
  /** 1 where the row pages its host (models/page.ts), else 0. */
  readonly flags: Uint8Array;
}

export function scoreMetricCsv(csv: MetricCsv, options: ScoreCsvOptions = {}): ScoredRows {
  const rows = csv.timestamps.length;
  const probation = probationaryRows(rows);
  if (probation < 2) {
    throw new Error(
      `${rows} rows leave ${probation} for the probationary period; training needs at least 2: give it at least ${Math.ceil(2 / PROBATION_FRACTION)} rows`,
    );
  }
  const retrainEveryMs = options.retrainEveryMs ?? DEFAULT_RETRAIN_EVERY_MS;
  if (!(retrainEveryMs >= 0)) throw new Error(`retrainEveryMs must be >= 0 (0 = train once); got ${retrainEveryMs}`);
  const contamination = contaminationOf(options.contamination);
  // The log views are chosen from the probationary rows, the first model's training rows.
  const pipeline = new FeaturePipeline(oneHostFeatureSet(csv, firstTrainingRow(csv.timestamps, probation), probation), options.features);
  const columns = csv.metrics.map((m) => csv.columns[m]!);
  const features: Float64Array[] = [];
  const scores = new Float64Array(rows);
  const flags = new Uint8Array(rows);
  const forestOptions = { seed: options.seed, trees: options.trees, subsample: options.subsample };
  const onset = new IncidentOnset(options.onsetWindowMs ?? DEFAULT_ONSET_WINDOW_MS);
  const pages = new PageInterval(DEFAULT_PAGE_INTERVAL_MS);
  let model: CsvModel | undefined;
  let models = 0;
  let trainedAt = 0;
  // The host's memory of its excursions, as the scoring function keeps it across models (model-store/habituation.ts).
  let habituation: ExcursionMemory | undefined;
  for (let i = 0; i < rows; i++) {
    const values: Record<string, number> = {};
    csv.metrics.forEach((m, k) => (values[m] = columns[k]![i]!));
    features.push(pipeline.push({ t: csv.timestamps[i]!, values }));
    const due = i === probation || (i > probation && retrainEveryMs > 0 && csv.timestamps[i]! - trainedAt >= retrainEveryMs);
    if (due) {
      // Rows before i only: the model that scores row i never saw it or anything after it.
      const first = firstTrainingRow(csv.timestamps, i);
      const replay = options.thresholdOnHabituatedScores ? csv.timestamps.slice(first, i) : undefined;
      model = train(features.slice(first, i), pipeline.featureSet, forestOptions, options.extremeness, contamination, replay);
      models++;
      if (i === probation && model.extremeness) {
        // The history the first model was trained on has been scored too: the memory starts from it.
        habituation = new ExcursionMemory(model.extremeness.metrics.length);
        for (let j = first; j < i; j++) habituation.sample(csv.timestamps[j]!, features[j]!, model.extremeness);
      }
      if (i === probation) primeOnset(onset, model, features, csv.timestamps, first, i, options.onRow);
      trainedAt = csv.timestamps[i]!;
    }
    if (model) {
      const memory = model.extremeness && habituation?.sample(csv.timestamps[i]!, features[i]!, model.extremeness);
      const raw = modelScores(model.forest, model.extremeness, [features[i]!], memory && [memory])[0]!;
      const page = pages.push(csv.timestamps[i]!, severityOf(raw, model));
      scores[i] = onset.push(csv.timestamps[i]!, pagedScore(scaledScore(raw, model.scale), page));
      options.onRow?.(rowOutputs(model, models, i, false, features[i]!, raw, page, memory));
      flags[i] = page ? 1 : 0;
    }
    if (i % 1000 === 999) options.onRows?.(i + 1, rows);
  }
  options.onRows?.(rows, rows);
  return { scores, flags };
}

/**
 * The first model scores the training rows of the past onset window, and the onset starts from
 * those scores: the first scored rows are reported only if they score higher than the history the
 * model was trained on, not merely because nothing came before them. A production model has these
 * scores too (training scores its rows to place its threshold).
 */
function primeOnset(
  onset: IncidentOnset,
  model: CsvModel,
  features: readonly Float64Array[],
  timestamps: ArrayLike<number>,
  first: number,
  end: number,
  onRow: ScoreCsvOptions['onRow'],
): void {
  let j = first;
  while (j < end && timestamps[j]! < timestamps[end]! - onset.windowMs) j++;
  modelScores(model.forest, model.extremeness, features.slice(j, end)).forEach((raw, k) => {
    onset.push(timestamps[j + k]!, pagedScore(scaledScore(raw, model.scale), false));
    onRow?.(rowOutputs(model, 1, j + k, true, features[j + k]!, raw, false));
  });
}

/** The outputs onRow gets; the forest and E are computed again, only when someone listens. */
function rowOutputs(
  model: CsvModel,
  ordinal: number,
  index: number,
  priming: boolean,
  row: Float64Array,
  raw: number,
  page: boolean,
  memory?: MemoryRow,
): RowOutputs {
  return {
    index,
    priming,
    model: ordinal,
    raw,
    forest: model.forest.score([row])[0]!,
    extremeness: model.extremeness ? extremenessOf(row, model.extremeness, memory) : 0,
    anchor: model.extremeness?.threshold ?? Number.NaN,
    scaled: scaledScore(raw, model.scale),
    scale: model.scale,
    threshold: model.threshold,
    page,
  };
}

interface CsvModel {
  readonly forest: Forest;
  readonly extremeness: ExtremenessBranch | undefined;
  readonly scale: ScoreScale;
  /** The model's own alerting threshold on its raw scores and its severity cut points (calibrated as models/train.ts does). */
  readonly threshold: number;
  readonly severity: Manifest['severity'];
}

/** `replayTimes`: the rows' times, to calibrate on their scores with the memory of their excursions (ScoreCsvOptions). */
function train(
  rows: Float64Array[],
  featureSet: FeatureSet,
  options: ForestOptions,
  reachOptions: Partial<ReachOptions> | false | undefined,
  contamination: number,
  replayTimes?: readonly number[],
): CsvModel {
  const forest = trainForest(rows, options);
  const stride = Math.ceil(rows.length / SCALE_SAMPLE_ROWS);
  const sample = rows.filter((_, k) => k % stride === 0);
  const forestScores = forest.score(sample);
  let extremeness: ExtremenessBranch | undefined;
  if (reachOptions !== false) {
    const threshold = calibrate(forestScores, BRANCH_ANCHOR_CONTAMINATION).threshold;
    // A file is one host's history: its metrics' dwell bands are its own.
    extremeness = extremenessBranchOf(rows, featureSet, baselineOf(rows, forest.features), threshold, reachOptions, true);
  }
  let sampleMemory: MemoryRow[] | undefined;
  if (extremeness && replayTimes) {
    const memory = hostHabituation(rows, replayTimes, extremeness);
    sampleMemory = sample.map((_, j) => memoryRow(memory, j * stride, extremeness.metrics.length));
  } else if (extremeness) {
    sampleMemory = calibrationMemory(rows, extremeness)?.filter((_, k) => k % stride === 0);
  }
  const sampleScores = extremeness ? modelScores(forest, extremeness, sample, sampleMemory) : forestScores;
  const { threshold, severity } = calibrate(sampleScores, contamination, extremeness ? thresholdCeiling(extremeness) : Infinity);
  return { forest, extremeness, scale: scoreScaleOf(sampleScores), threshold, severity };
}

/** The output CSV: `timestamp,value,anomaly_score,flag` (one metric) or `timestamp,<metrics>,anomaly_score,flag`. */
export function formatScoredCsv(csv: MetricCsv, { scores, flags }: ScoredRows): string {
  const names = csv.metrics.length === 1 ? ['value'] : csv.metrics;
  const columns = csv.metrics.map((m) => csv.columns[m]!);
  const lines = [`timestamp,${names.join(',')},anomaly_score,flag`];
  for (let i = 0; i < csv.timestamps.length; i++) {
    const values = columns.map((c) => (Number.isFinite(c[i]) ? String(c[i]) : ''));
    lines.push(`${csv.timestampText[i]},${values.join(',')},${scores[i]!.toFixed(6)},${flags[i]}`);
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
  const csv = readMetricCsv(input, undefined, options.csv);
  const scored = scoreMetricCsv(csv, options);
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, formatScoredCsv(csv, scored));
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
