/**
 * `vigil features`: the feature columns the agent would compute for each row of a CSV, by the
 * production feature pipeline (features/), for training a model elsewhere (Python, R, ...).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { firstTrainingRow } from '../features/warm-up.js';
import { FeaturePipeline } from '../features/pipeline.js';
import { featureRowsOf } from '../models/csv-features.js';
import { readMetricCsv } from '../models/csv.js';
import { featureSetOfColumns } from '../models/csv-features.js';
import { rowProgress } from './progress.js';
import { addRowClockOptions, csvOptionsOf, rowClockOf, type RowClockFlags } from './row-clock.js';

interface Flags extends RowClockFlags {
  in: string;
  out: string;
  skipWarmUp?: boolean;
}

export function register(program: Command): void {
  addRowClockOptions(program.command('features'))
    .description('compute the features the agent would send for every row of a CSV (timestamp,<metric>...), to train a model elsewhere')
    .requiredOption('--in <file>', 'CSV of metric history (timestamp,<metric>...)')
    .requiredOption('--out <file>', 'where to write timestamp,<feature>... (one column per feature, in the model’s input order)')
    .option('--skip-warm-up', 'leave out the first day of rows, as `vigil train` does (the features are still settling then)')
    .addHelpText(
      'after',
      `
The feature columns are the model's input, in order: a model trained on them (any tool) takes
float32 [N, columns - 1] and is wrapped and calibrated with vigil import-onnx.

Examples:
  $ vigil features --in history.csv --out features.csv --skip-warm-up
  $ vigil features --in grafana-export.csv --timestamp-column Time --out features.csv`,
    )
    .action((flags: Flags, command: Command) => {
      try {
        run(flags);
      } catch (error) {
        command.error(`features: ${(error as Error).message}`);
      }
    });
}

function run(flags: Flags): void {
  const csv = readMetricCsv(flags.in, rowClockOf(flags), csvOptionsOf(flags));
  const featureSet = featureSetOfColumns(csv.metrics);
  const progress = rowProgress('computing features', csv.timestamps.length);
  let rows: Float64Array[];
  try {
    rows = featureRowsOf(csv, new FeaturePipeline(featureSet), (done) => progress.update(done));
    progress.update(csv.timestamps.length);
  } finally {
    progress.stop();
  }
  const first = flags.skipWarmUp ? firstTrainingRow(csv.timestamps) : 0;
  const lines = [['timestamp', ...featureSet.names].join(',')];
  for (let r = first; r < rows.length; r++) lines.push([csv.timestampText[r], ...Array.from(rows[r]!, (v) => (Number.isNaN(v) ? '' : String(v)))].join(','));
  writeFileSync(flags.out, `${lines.join('\n')}\n`);
  console.log(
    `wrote ${flags.out}: ${rows.length - first} rows × ${featureSet.names.length} features (${featureSet.metrics.length} metrics × ${featureSet.names.length / featureSet.metrics.length}, feature set ${featureSet.version})${first ? `; the first ${first} rows (warm-up) left out` : ''}`,
  );
}
