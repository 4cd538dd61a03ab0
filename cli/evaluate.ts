/** `vigil evaluate`: a model against labelled history, with an HTML report. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { evaluateModel } from '../models/evaluate/evaluate.js';
import { renderReport } from '../models/evaluate/report.js';

interface Flags {
  model: string;
  in: string;
  labels: string;
  labelsKey?: string;
  report: string;
  skipRows: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('evaluate')
    .description('score labelled history with a model: precision, recall, F1, ROC AUC, a threshold sweep and an HTML report with charts')
    .requiredOption('--model <dir>', 'model directory (model.onnx + manifest.json)')
    .requiredOption('--in <file>', 'CSV with a timestamp column and the model’s metric columns')
    .requiredOption('--labels <file>', 'NAB windows JSON keyed by file, or a CSV with timestamp and a 0/1 label column')
    .option('--labels-key <key>', 'which key of the windows JSON (default: the one the --in path ends with)')
    .option('--report <file>', 'where to write the HTML report', 'evaluation.html')
    .option('--skip-rows <n>', 'leading rows left out of the metrics while the features warm up', '0')
    .option('--json', 'print the metrics as JSON instead of text')
    .addHelpText(
      'after',
      `
Examples:
  $ vigil evaluate --model models/web --in history/web-1.csv --labels history/web-1-labels.csv
  $ vigil evaluate --model /tmp/taxi --in ../shared/nab/data/realKnownCause/nyc_taxi.csv \\
      --labels ../shared/nab/labels/combined_windows.json --report taxi.html`,
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
  const skipRows = Number(flags.skipRows);
  if (!Number.isInteger(skipRows) || skipRows < 0) throw new Error(`--skip-rows must be an integer >= 0; got "${flags.skipRows}"`);
  const e = await evaluateModel({ modelDir: flags.model, input: flags.in, labels: flags.labels, labelsKey: flags.labelsKey, skipRows });
  writeFileSync(flags.report, renderReport(e));
  const found = e.windows.filter((w) => w.firstDetection !== undefined).length;
  const summary = {
    rows: e.scores.length - e.skipRows,
    threshold: e.manifest.threshold,
    precision: e.atThreshold.precision,
    recall: e.atThreshold.recall,
    f1: e.atThreshold.f1,
    rocAuc: e.auc ?? null,
    windowsFound: found,
    windows: e.windows.length,
    bestF1: e.best.f1,
    bestThreshold: e.best.threshold,
    report: flags.report,
  };
  if (flags.json) {
    console.log(JSON.stringify({ ...summary, sweep: e.sweep }, null, 2));
    return;
  }
  const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));
  console.log(`${e.input}: ${summary.rows} rows scored by ${e.manifest.name} ${e.manifest.version}`);
  console.log(`at threshold ${e.manifest.threshold.toFixed(4)}: precision ${f(summary.precision)}  recall ${f(summary.recall)}  F1 ${f(summary.f1)}  ROC AUC ${f(summary.rocAuc)}  windows found ${found}/${e.windows.length}`);
  console.log(`best F1 over the sweep: ${f(e.best.f1)} at threshold ${e.best.threshold.toFixed(4)}`);
  console.log('threshold  precision  recall  F1');
  for (const p of [...e.sweep].reverse()) console.log(`${p.threshold.toFixed(4).padStart(9)}  ${f(p.precision).padStart(9)}  ${f(p.recall).padStart(6)}  ${f(p.f1)}`);
  console.log(`report: ${flags.report}`);
}
