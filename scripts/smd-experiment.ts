/**
 * Detection quality on the SMD development set (../shared/smd/README.md) through the production
 * code: per machine, the feature pipeline runs over the train half then the test half causally
 * (one pipeline, state carried), a model is trained with trainModel on the train half's features
 * (less the pipeline's warm-up, as `vigil train` leaves it out), and the test rows are scored with
 * the model's JS reference of its ONNX graph. Writes RESULTS/<machine>.csv (`score,flag`, flag =
 * score >= the model's own threshold) and runs the SMD scorer. It gives the same figures as
 * `npm run smd` (the CLI and the ONNX model) in one process, about 3x sooner: a loop for experiments.
 *
 *   npx tsx scripts/smd-experiment.ts [--seed N] [--out DIR] [--machines machine-1-2,...] [--diagnose]
 *     [--contamination S] [--tail S] [--level-tail S] [--margin M]   training options (models/train.ts, models/extremeness.ts)
 *     [--short-span N] [--long-span N]   the feature pipeline's horizons in samples (features/options.ts)
 *     [--episodes-per-day B]   the own threshold from an alarm budget instead (never below the model's)
 *     [--retrain-days D]   scheduled retraining: every D days of the test half, a new model on the history so far
 *                          less the rows the models before it flagged (each row flagged at its model's own threshold)
 *     [--ranking reach|z-sum|z-max|level] [--ranking-keep N]   write top_metrics for scripts/smd-attribution.ts
 *     [--dump]   also write each row's extremeness distances and forest score, for scripts/smd_variants.py
 *     [--habituation on|off|recalibrated]   the host's memory of its ended excursions (model-store/habituation.ts), run
 *                          over the train half then the test half, as `npm run smd` and the scoring function (on, the
 *                          default); scores without it (off); or with it and a threshold calibrated again on the
 *                          habituated training rows (recalibrated). --retrain-days scores without it.
 *   SMD_DIR  the SMD set (default ../shared/smd)
 *
 * SMD has no timestamps: row i of the train half is at 2019-01-01T00:00Z + i minutes, the test half
 * continues from there. --diagnose also prints, per machine, which features drive E >= 1 on normal
 * test rows (false alarms of the extremeness branch) and on labelled rows.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PER_METRIC_FEATURES, type FeatureSet } from '../core/features.js';
import type { Manifest } from '../core/manifest.js';
import { FeaturePipeline } from '../features/pipeline.js';
import { firstTrainingRow } from '../features/warm-up.js';
import { readMetricCsv, type RowClock } from '../models/csv.js';
import { featureRowsOf, oneHostFeatureSet } from '../models/csv-features.js';
import { calibrate, modelScores, trainModel } from '../models/train.js';
import { CORROBORATION, FOREST_WEIGHT, featureKindOf, thresholdCeiling } from '../models/extremeness.js';
import { hostHabituation, memoryRow } from '../model-store/habituation.js';
import { metricDistances } from '../model-store/explain.js';
import { spanOptions } from './feature-spans.js';

/** SMD has no timestamps: one row a minute from 2019-01-01T00:00Z, the test half continuing the train half. */
const CLOCK: RowClock = { startMs: Date.UTC(2019, 0, 1), intervalMs: 60_000 };

function main(): void {
  const { values: flags } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      machines: { type: 'string' },
      contamination: { type: 'string' },
      tail: { type: 'string' },
      margin: { type: 'string' },
      'level-tail': { type: 'string' },
      'episodes-per-day': { type: 'string' },
      ranking: { type: 'string' },
      'ranking-keep': { type: 'string', default: '38' },
      diagnose: { type: 'boolean', default: false },
      dump: { type: 'boolean', default: false },
      'retrain-days': { type: 'string', default: '0' },
      habituation: { type: 'string', default: 'on' },
      'short-span': { type: 'string' },
      'long-span': { type: 'string' },
    },
  });
  const seed = Number(flags.seed);
  const out = flags.out ?? join(tmpdir(), `smd-results-seed${seed}`);
  const smdDir = resolve(process.env.SMD_DIR ?? '../shared/smd');
  const machines =
    flags.machines?.split(',') ??
    readdirSync(join(smdDir, 'data/test'))
      .filter((f) => f.endsWith('.txt'))
      .map((f) => f.slice(0, -4))
      .sort();
  const featureOptions = spanOptions(flags['short-span'], flags['long-span']);
  mkdirSync(out, { recursive: true });
  const started = Date.now();
  for (const machine of machines) {
    const t0 = Date.now();
    const train = readMetricCsv(join(smdDir, 'data/train', `${machine}.txt`), CLOCK);
    const test = readMetricCsv(join(smdDir, 'data/test', `${machine}.txt`), { ...CLOCK, startMs: CLOCK.startMs + train.timestamps.length * CLOCK.intervalMs });
    const featureSet = oneHostFeatureSet(train, firstTrainingRow(train.timestamps));
    const pipeline = new FeaturePipeline(featureSet, featureOptions);
    const trainFeatures = featureRowsOf(train, pipeline);
    const testFeatures = featureRowsOf(test, pipeline);
    const trainOptions = {
      seed,
      oneHost: true,
      ...(flags.contamination !== undefined ? { contamination: Number(flags.contamination) } : {}),
      extremeness: {
        ...(flags.tail !== undefined ? { tail: Number(flags.tail) } : {}),
        ...(flags['level-tail'] !== undefined ? { levelTail: Number(flags['level-tail']) } : {}),
        ...(flags.margin !== undefined ? { margin: Number(flags.margin) } : {}),
      },
    };
    const history = trainFeatures.slice(firstTrainingRow(train.timestamps));
    let model = trainModel(history, featureSet, trainOptions);
    const retrainRows = Number(flags['retrain-days']) * ROWS_PER_DAY;
    if (!(retrainRows >= 0)) throw new Error(`--retrain-days must be a number of days >= 0 (0 = train once); got ${flags['retrain-days']}`);
    let scores: Float64Array;
    let flagged: Uint8Array | undefined;
    if (retrainRows > 0) {
      // Scheduled retraining: every retrainRows test rows, a model trained on the history so far less the rows its predecessors flagged.
      scores = new Float64Array(testFeatures.length);
      flagged = new Uint8Array(testFeatures.length);
      for (let start = 0; start < testFeatures.length; start += retrainRows) {
        const chunk = testFeatures.slice(start, start + retrainRows);
        const chunkScores = model.score(chunk);
        scores.set(chunkScores, start);
        chunkScores.forEach((s, k) => {
          flagged![start + k] = s >= model.manifest.threshold ? 1 : 0;
          if (!flagged![start + k]) history.push(chunk[k]!);
        });
        if (start + retrainRows < testFeatures.length) model = trainModel(history, featureSet, trainOptions);
      }
    } else scores = model.score(testFeatures);
    let habituatedThreshold: number | undefined;
    if (!HABITUATION_MODES.includes(flags.habituation as HabituationMode)) {
      throw new Error(`--habituation must be one of ${HABITUATION_MODES.join(', ')}; got ${flags.habituation}`);
    }
    if (flags.habituation !== 'off' && retrainRows === 0 && model.extremeness) {
      const trainTimes = train.timestamps.slice(firstTrainingRow(train.timestamps));
      const all = habituatedScores(model, [...history, ...testFeatures], [...trainTimes, ...test.timestamps]);
      scores = all.slice(history.length);
      if (flags.habituation === 'recalibrated') {
        const contamination = model.manifest.training.params.contamination as number;
        habituatedThreshold = calibrate(all.subarray(0, history.length), contamination, thresholdCeiling(model.extremeness)).threshold;
      }
    }
    const threshold =
      habituatedThreshold ??
      (flags['episodes-per-day'] === undefined
        ? model.manifest.threshold
        : Math.max(
            model.manifest.threshold,
            alarmBudgetThreshold(model.score(trainFeatures.slice(firstTrainingRow(train.timestamps))), Number(flags['episodes-per-day'])),
          ));
    const ranking = flags.ranking as Ranking | undefined;
    if (ranking !== undefined && !RANKINGS.includes(ranking)) throw new Error(`--ranking must be one of ${RANKINGS.join(', ')}; got ${ranking}`);
    const keep = Number(flags['ranking-keep']);
    const lines = [ranking ? 'score,flag,top_metrics' : 'score,flag'];
    scores.forEach((s, r) => {
      const line = `${s.toFixed(7)},${flagged ? flagged[r] : s >= threshold ? 1 : 0}`;
      lines.push(ranking ? `${line},${rankingColumn(testFeatures[r]!, featureSet, model.manifest.baseline, ranking, keep)}` : line);
    });
    writeFileSync(join(out, `${machine}.csv`), lines.join('\n') + '\n');
    console.error(
      `${machine}: ${train.timestamps.length} train / ${test.timestamps.length} test rows, threshold ${threshold.toFixed(4)}, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    if (flags.dump && model.extremeness)
      dumpRows(join(out, machine), model, trainFeatures.slice(firstTrainingRow(train.timestamps)), testFeatures, featureSet.names);
    if (flags.diagnose && model.extremeness) {
      const labels = readMetricCsv(join(smdDir, 'data/test_label', `${machine}.txt`), CLOCK).columns.m1!;
      diagnose(labels, model.extremeness, featureSet.names, testFeatures, scores, threshold);
    }
  }
  console.error(`all machines: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const report = execFileSync(
    'python3',
    [join(smdDir, 'score.py'), out, '--data-dir', join(smdDir, 'data'), '--machines', ...machines, '--json', join(out, 'score.json')],
    {
      encoding: 'utf8',
    },
  );
  process.stdout.write(report);
}

/**
 * --dump: what scripts/smd_variants.py needs to score variants of the extremeness branch and the
 * threshold without retraining: per row (train rows after the warm-up, then test rows) the signed
 * distance (x - center) / reach of every branch feature (float32, row-major) and the forest's
 * score (float64); the branch, the model's threshold, the forest's weight in the hybrid, the metrics'
 * corroboration (models/extremeness.ts), the contamination and ceiling the threshold was
 * calibrated with (models/train.ts calibrate), and the branch's center and reach per feature (so
 * x = center + distance x reach gives the features back) as JSON.
 */
function dumpRows(prefix: string, model: ReturnType<typeof trainModel>, train: Float64Array[], test: Float64Array[], names: readonly string[]): void {
  const branch = model.extremeness!;
  const rows = [...train, ...test];
  const distances = new Float32Array(rows.length * branch.features.length);
  rows.forEach((row, r) => branch.features.forEach((f, k) => (distances[r * branch.features.length + k] = (row[f]! - branch.center[k]!) / branch.reach[k]!)));
  writeFileSync(`${prefix}.distances.f32`, distances);
  writeFileSync(`${prefix}.forest.f64`, model.forest.score(rows));
  writeFileSync(
    `${prefix}.json`,
    JSON.stringify({
      trainRows: train.length,
      testRows: test.length,
      features: branch.features.map((f) => names[f]),
      threshold: model.manifest.threshold,
      anchor: branch.threshold,
      forestWeight: FOREST_WEIGHT,
      corroboration: CORROBORATION,
      contamination: model.manifest.training.params.contamination,
      ceiling: thresholdCeiling(branch),
      center: branch.center,
      reach: branch.reach,
    }),
  );
}

/** SMD's rows are a minute apart. */
const ROWS_PER_DAY = 1440;

const HABITUATION_MODES = ['on', 'off', 'recalibrated'] as const;
type HabituationMode = (typeof HABITUATION_MODES)[number];

/** The model's scores of one host's rows (in time order) with its memory of ended excursions (model-store/habituation.ts). */
function habituatedScores(model: ReturnType<typeof trainModel>, rows: readonly ArrayLike<number>[], times: readonly number[]): Float64Array {
  const branch = model.extremeness!;
  const memory = hostHabituation(rows, times, branch);
  return modelScores(
    model.forest,
    branch,
    rows,
    rows.map((_, r) => memoryRow(memory, r, branch.metrics.length)),
  );
}

/** The lowest threshold at which the training scores make at most `perDay` alarm episodes (runs of rows at or above it) a day. */
function alarmBudgetThreshold(trainingScores: Float64Array, perDay: number): number {
  const budget = (perDay * trainingScores.length) / ROWS_PER_DAY;
  const episodesAt = (threshold: number): number => {
    let episodes = 0;
    let inside = false;
    for (const s of trainingScores) {
      if (s >= threshold && !inside) episodes++;
      inside = s >= threshold;
    }
    return episodes;
  };
  const sorted = Float64Array.from(trainingScores).sort();
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (episodesAt(sorted[mid]! + 1e-6) <= budget) hi = mid;
    else lo = mid + 1;
  }
  return sorted[lo]! + 1e-6;
}

/**
 * Attribution rankings for scripts/smd-attribution.ts: `reach` is the production ranking (model-store/explain.ts,
 * the model's reach), `z-sum` its fallback without the reach; `z-max` and `level` are variants tried.
 */
const RANKINGS = ['reach', 'z-sum', 'z-max', 'level'] as const;
type Ranking = (typeof RANKINGS)[number];

/** The `top_metrics` column: the `keep` most anomalous metrics as metric:distance, space-separated. */
function rankingColumn(row: Float64Array, featureSet: FeatureSet, baseline: Manifest['baseline'], ranking: Ranking, keep: number): string {
  // The variants look at each metric's own block only (not its log view's).
  const perMetric = PER_METRIC_FEATURES.length;
  const zOf = (f: number) => Math.abs(row[f]! - baseline.center[f]!) / baseline.scale[f]!;
  const distances =
    ranking === 'reach' || ranking === 'z-sum'
      ? metricDistances(row, featureSet, ranking === 'reach' ? baseline : { center: baseline.center, scale: baseline.scale })
      : featureSet.metrics.map((_, m) => {
          const features = Array.from({ length: perMetric }, (_, k) => m * perMetric + k);
          return ranking === 'z-max' ? Math.max(...features.map(zOf)) : zOf(features.find((f) => featureKindOf(featureSet.names[f]!) === 'level')!);
        });
  return [...distances.keys()]
    .sort((a, b) => distances[b]! - distances[a]!)
    .slice(0, keep)
    .map((m) => `${featureSet.metrics[m]}:${distances[m]!.toPrecision(4)}`)
    .join(' ');
}

/** Which features carry E (the argmax of |x - center| / reach) on flagged normal rows and on labelled rows. */
function diagnose(
  labels: ArrayLike<number>,
  branch: { features: readonly number[]; center: readonly number[]; reach: readonly number[] },
  names: readonly string[],
  rows: readonly Float64Array[],
  scores: Float64Array,
  threshold: number,
): void {
  const falseAlarm = new Map<string, number>();
  const eOver1Normal = new Map<string, number>();
  let normal = 0;
  let normalFlagged = 0;
  let normalE1 = 0;
  rows.forEach((row, r) => {
    let max = 0;
    let arg = -1;
    branch.features.forEach((f, k) => {
      const z = Math.abs(row[f]! - branch.center[k]!) / branch.reach[k]!;
      if (z > max) {
        max = z;
        arg = f;
      }
    });
    if (labels[r]) return;
    normal++;
    const name = arg >= 0 ? names[arg]! : '-';
    if (max >= 1) {
      normalE1++;
      eOver1Normal.set(name, (eOver1Normal.get(name) ?? 0) + 1);
    }
    if (scores[r]! >= threshold) {
      normalFlagged++;
      falseAlarm.set(max >= 1 ? name : 'forest', (falseAlarm.get(max >= 1 ? name : 'forest') ?? 0) + 1);
    }
  });
  const top = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([k, v]) => `${k}:${v}`)
      .join(' ');
  const featureOf = (name: string) => name.slice(name.indexOf('.') + 1);
  const byFeature = new Map<string, number>();
  eOver1Normal.forEach((v, k) => byFeature.set(featureOf(k), (byFeature.get(featureOf(k)) ?? 0) + v));
  console.error(`  normal rows ${normal}, flagged ${normalFlagged}, E>=1 ${normalE1}`);
  console.error(`  flagged normal rows by argmax feature: ${top(falseAlarm)}`);
  console.error(`  E>=1 normal rows by feature kind: ${top(byFeature)}`);
}

main();
