/** `vigil train`: a model from CSV history (feature pipeline -> Isolation Forest -> model.onnx + manifest.json). */
import { resolve } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { FeatureSet } from '../core/features.js';
import { MANIFEST_FILE, MODEL_FILE } from '../core/manifest.js';
import { writeModelDir } from '../model-store/artifact.js';
import { readMetricCsv } from '../models/csv.js';
import { FLEET_REQUIRED_COLUMNS, HOST_COLUMN, fleetFeatureSet, fleetRowCount, fleetTrainingRows, isFleetFile, readFleetCsv } from '../models/fleet-csv.js';
import { featureRowsOf, oneHostFeatureSet } from '../models/csv-features.js';
import { FeaturePipeline } from '../features/pipeline.js';
import { firstTrainingRow } from '../features/warm-up.js';
import { FOREST_DEFAULTS } from '../models/forest/forest.js';
import { DEFAULT_CONTAMINATION, DEFAULT_MODEL_NAME, trainModel } from '../models/train.js';
import { addRowClockOptions, csvOptionsOf, rowClockOf, type RowClockFlags } from './row-clock.js';
import { integerFlag, numberFlag } from './flags.js';

interface Flags extends RowClockFlags {
  in: string;
  out: string;
  seed: string;
  trees: string;
  subsample: string;
  contamination: string;
  name: string;
  version?: string;
}

/** Above this many rows the progress bar is worth drawing (it only draws on a terminal). */
const PROGRESS_MIN_ROWS = 20_000;

export function register(program: Command): void {
  addRowClockOptions(program.command('train'))
    .description(`train an anomaly model on CSV history; writes ${MODEL_FILE} and ${MANIFEST_FILE} into --out`)
    .requiredOption(
      '--in <file>',
      `CSV of one host (a timestamp column and metric columns) or of a fleet (a \`${HOST_COLUMN}\` column too: one row per host and sample, as \`vigil export\` writes)`,
    )
    .requiredOption('--out <dir>', 'model directory to write')
    .option('--seed <n>', 'seed: the same data and seed give the same model', String(FOREST_DEFAULTS.seed))
    .option('--trees <n>', 'trees in the forest', String(FOREST_DEFAULTS.trees))
    .option('--subsample <n>', 'rows per tree', String(FOREST_DEFAULTS.subsample))
    .option(
      '--contamination <share>',
      'expected share of anomalies in the history; sets the threshold (never above the score of one feature ten times its normal reach out)',
      String(DEFAULT_CONTAMINATION),
    )
    .option('--name <name>', 'model name (lower kebab case)', DEFAULT_MODEL_NAME)
    .option('--version <version>', 'model version (default: creation time + sha256 prefix)')
    .addHelpText(
      'after',
      `
A model \`vigil publish\` accepts for the agent is trained on these columns:
  ${FLEET_REQUIRED_COLUMNS.join(',')}
(\`${HOST_COLUMN}\` only in a fleet file; any other column of a fleet file is a tag, such as env).
A file with other metric columns gives a model for those metrics (publish it with --any-features).

A fleet file (a \`${HOST_COLUMN}\` column, rows of many hosts, as \`vigil export\` writes it) trains one
model for the whole fleet: each host's features are computed by a feature pipeline of its own, as
its agent computes them, and each host's first day (the pipeline's warm-up) is left out.

Examples:
  $ vigil train --in fleet.csv --out models/fleet
  $ vigil train --in history/web-1.csv --out models/web
  $ vigil train --in cpu.csv --seed 7 --contamination 0.02 --out /tmp/cpu-model
  $ vigil train --in machine-1-1.txt --interval-seconds 60 --start 2019-01-01T00:00:00Z --out /tmp/m11`,
    )
    .action((flags: Flags, command: Command) => {
      try {
        run(flags);
      } catch (error) {
        command.error(`train: ${(error as Error).message}`);
      }
    });
}

function run(flags: Flags): void {
  const options = {
    seed: integerFlag('--seed', flags.seed),
    trees: integerFlag('--trees', flags.trees, 1),
    subsample: integerFlag('--subsample', flags.subsample, 2),
    contamination: numberFlag('--contamination', flags.contamination, 0, 0.5),
    name: flags.name,
    ...(flags.version ? { version: flags.version } : {}),
  };
  const history = readHistory(flags);
  const { rowCount, featureSet } = history;
  if (rowCount < 2) throw new Error(`${flags.in} has ${rowCount} data row(s); training needs at least 2 (better: days of history, one row per sample)`);
  const bar =
    rowCount >= PROGRESS_MIN_ROWS
      ? new cliProgress.SingleBar({ stream: process.stderr, format: 'training {bar} {percentage}% | {value}/{total}' }, cliProgress.Presets.shades_classic)
      : undefined;
  const total = rowCount + options.trees + rowCount; // features, trees, scoring the training rows
  bar?.start(total, 0);
  try {
    const rows = history.trainingRows((done) => bar?.update(done));
    const model = trainModel(rows, featureSet, {
      ...options,
      // One host's file is its history in time order: its metrics get their own dwell bands (model-store/dwell.ts).
      oneHost: history.hosts === undefined,
      source: resolve(flags.in),
      onProgress: (done) => bar?.update(rowCount + done),
    });
    bar?.update(total);
    bar?.stop();
    writeModelDir(flags.out, model);
    const m = model.manifest;
    console.log(`wrote ${flags.out}/${MODEL_FILE} (${m.onnx.bytes} bytes) and ${flags.out}/${MANIFEST_FILE}`);
    console.log(
      `model ${m.name} version ${m.version}: ${m.training.rows} rows${history.hosts === undefined ? '' : ` of ${history.hosts} hosts`}, ${m.featureSet.names.length} features (${m.featureSet.metrics.join(', ')}), threshold ${m.threshold.toFixed(4)}`,
    );
  } finally {
    bar?.stop();
  }
}

interface TrainingHistory {
  readonly rowCount: number;
  readonly featureSet: FeatureSet;
  /** Hosts of a fleet file; undefined for one host's file. */
  readonly hosts?: number;
  /** The rows to train on: features computed per host, the warm-up left out. */
  trainingRows(onRow: (done: number) => void): Float64Array[];
}

/** One host's CSV, or a fleet file (a host column). */
function readHistory(flags: Flags): TrainingHistory {
  if (isFleetFile(flags.in)) {
    if (flags.intervalSeconds !== undefined || flags.timestampColumn !== undefined || flags.start !== undefined) {
      throw new Error(
        `${flags.in} is a fleet file (it has a \`${HOST_COLUMN}\` column): its times are in its timestamp column; leave out --interval-seconds, --start and --timestamp-column`,
      );
    }
    const fleet = readFleetCsv(flags.in);
    const featureSet = fleetFeatureSet(fleet);
    return { rowCount: fleetRowCount(fleet), featureSet, hosts: fleet.hosts.length, trainingRows: (onRow) => fleetTrainingRows(fleet, featureSet, onRow) };
  }
  const csv = readMetricCsv(flags.in, rowClockOf(flags), csvOptionsOf(flags));
  // The pipeline's first day is its warm-up, not normal behaviour (features/warm-up.ts).
  const first = firstTrainingRow(csv.timestamps);
  const featureSet = oneHostFeatureSet(csv, first);
  return {
    rowCount: csv.timestamps.length,
    featureSet,
    trainingRows: (onRow) => featureRowsOf(csv, new FeaturePipeline(featureSet), onRow).slice(first),
  };
}
