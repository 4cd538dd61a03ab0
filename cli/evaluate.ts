/** `vigil evaluate`: a model against labelled history, with an HTML report. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { RANKED_METRICS, metricDistances } from '../model-store/explain.js';
import { evaluateModel, type Evaluation } from '../models/evaluate/evaluate.js';
import { falseAlarmEpisodes } from '../models/evaluate/metrics.js';
import { renderReport } from '../models/evaluate/report.js';
import { addRowClockOptions, csvOptionsOf, rowClockOf, type RowClockFlags } from './row-clock.js';

/** Metrics listed per row in --scores-out, most anomalous first. */

interface Flags extends RowClockFlags {
  history?: string;
  scoresOut?: string;
  model: string;
  in: string;
  labels: string;
  labelsKey?: string;
  report: string;
  skipRows?: string;
  json?: boolean;
}

export function register(program: Command): void {
  addRowClockOptions(program.command('evaluate'))
    .description('score labelled history with a model: precision, recall, F1, ROC AUC, a threshold sweep and an HTML report with charts')
    .requiredOption('--model <dir>', 'model directory (model.onnx + manifest.json)')
    .requiredOption('--in <file>', 'CSV with a timestamp column and the model’s metric columns')
    .requiredOption('--labels <file>', 'NAB windows JSON keyed by file, or a CSV with timestamp and a 0/1 label column')
    .option('--labels-key <key>', 'which key of the windows JSON (default: the one the --in path ends with)')
    .option('--report <file>', 'where to write the HTML report', 'evaluation.html')
    .option('--history <file>', 'history just before --in (e.g. the training file): the features warm up on it first')
    .option(
      '--skip-rows <n>',
      'leading rows left out of the metrics while the features warm up (default: none after --history, else the first day, as training leaves out)',
    )
    .option(
      '--scores-out <file>',
      `write one row per --in row: timestamp,score,flag (score >= the model threshold),top_metrics (the ${RANKED_METRICS} most anomalous metrics as metric:distance, space-separated)`,
    )
    .option('--json', 'print the metrics as JSON instead of text')
    .addHelpText(
      'after',
      `
Examples:
  $ vigil evaluate --model models/web --in history/web-1.csv --labels history/web-1-labels.csv
  $ vigil evaluate --model /tmp/taxi --in ../shared/nab/data/realKnownCause/nyc_taxi.csv \\
      --labels ../shared/nab/labels/combined_windows.json --report taxi.html
  $ vigil evaluate --model /tmp/m11 --history train/m11.txt --in test/m11.txt --labels test_label/m11.txt \\
      --interval-seconds 60 --start 2019-01-01T00:00:00Z --scores-out results/m11.csv`,
    )
    .action(async (flags: Flags, command: Command) => {
      try {
        await run(flags);
      } catch (error) {
        command.error(`evaluate: ${(error as Error).message}`);
      }
    });
}

async function run(flags: Flags): Promise<void> {
  const skipRows = flags.skipRows === undefined ? undefined : Number(flags.skipRows);
  if (skipRows !== undefined && (!Number.isInteger(skipRows) || skipRows < 0)) throw new Error(`--skip-rows must be an integer >= 0; got "${flags.skipRows}"`);
  const e = await evaluateModel({
    modelDir: flags.model,
    input: flags.in,
    labels: flags.labels,
    labelsKey: flags.labelsKey,
    history: flags.history,
    clock: rowClockOf(flags),
    csv: csvOptionsOf(flags),
    skipRows,
  });
  writeFileSync(flags.report, renderReport(e));
  if (flags.scoresOut) writeFileSync(flags.scoresOut, scoresCsv(e));
  const found = e.windows.filter((w) => w.firstDetection !== undefined).length;
  const falseAlarms = falseAlarmEpisodes(e.scores.subarray(e.skipRows), e.labels.perRow.subarray(e.skipRows), e.manifest.threshold);
  const summary = {
    rows: e.scores.length - e.skipRows,
    windowsFound: found,
    windows: e.windows.length,
    falseAlarmEpisodes: falseAlarms,
    threshold: e.manifest.threshold,
    precision: e.atThreshold.precision,
    recall: e.atThreshold.recall,
    f1: e.atThreshold.f1,
    rocAuc: e.auc ?? null,
    bestF1: e.best.f1,
    bestThreshold: e.best.threshold,
    report: flags.report,
  };
  if (flags.json) {
    console.log(JSON.stringify({ ...summary, sweep: e.sweep }, null, 2));
    return;
  }
  const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));
  console.log(
    `${e.input}: ${summary.rows} rows scored by ${e.manifest.name} ${e.manifest.version}${e.skipRows ? ` (the first ${e.skipRows} rows left out: feature warm-up)` : ''}`,
  );
  console.log(
    `at threshold ${e.manifest.threshold.toFixed(4)}: incidents found ${found}/${e.windows.length}, false-alarm episodes ${falseAlarms} (runs of flagged normal rows)`,
  );
  console.log(
    `at threshold ${e.manifest.threshold.toFixed(4)}: precision ${f(summary.precision)}  recall ${f(summary.recall)}  F1 ${f(summary.f1)}  ROC AUC ${f(summary.rocAuc)}  windows found ${found}/${e.windows.length}`,
  );
  console.log(`best F1 over the sweep: ${f(e.best.f1)} at threshold ${e.best.threshold.toFixed(4)}`);
  console.log('threshold  precision  recall  F1');
  for (const p of [...e.sweep].reverse())
    console.log(`${p.threshold.toFixed(4).padStart(9)}  ${f(p.precision).padStart(9)}  ${f(p.recall).padStart(6)}  ${f(p.f1)}`);
  console.log(`report: ${flags.report}`);
  if (flags.scoresOut) console.log(`scores: ${flags.scoresOut}`);
}

/** One row per evaluated row: its time, score, the model's own decision and the most anomalous metrics. */
function scoresCsv(e: Evaluation): string {
  const featureSet = e.manifest.featureSet;
  const lines = ['timestamp,score,flag,top_metrics'];
  e.scores.forEach((score, i) => {
    const distances = metricDistances(e.features[i]!, featureSet, e.manifest.baseline);
    const ranked = [...distances.keys()].sort((a, b) => distances[b]! - distances[a]!).slice(0, RANKED_METRICS);
    lines.push(
      `${e.csv.timestampText[i]},${score},${score >= e.manifest.threshold ? 1 : 0},${ranked.map((m) => `${featureSet.metrics[m]}:${distances[m]!.toPrecision(4)}`).join(' ')}`,
    );
  });
  return lines.join('\n') + '\n';
}
