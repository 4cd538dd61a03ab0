/**
 * `vigil import-onnx`: a model trained elsewhere (scikit-learn through skl2onnx, PyTorch, ...) made a
 * vigil model: its graph wrapped to the contract, its threshold calibrated on a CSV of history.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { MANIFEST_FILE, MODEL_FILE } from '../core/manifest.js';
import { writeModelDir } from '../model-store/artifact.js';
import { readMetricCsv } from '../models/csv.js';
import { importOnnxModel } from '../models/import/import-model.js';
import type { ScoreDirection } from '../models/import/onnx-wrap.js';
import { addRowClockOptions, csvOptionsOf, rowClockOf, type RowClockFlags } from './row-clock.js';

interface Flags extends RowClockFlags {
  onnx: string;
  calibrate: string;
  out: string;
  higherIs: string;
  input?: string;
  output?: string;
  threshold?: string;
  contamination?: string;
  name: string;
  version?: string;
}

const DIRECTIONS: readonly ScoreDirection[] = ['anomalous', 'normal'];

export function register(program: Command): void {
  addRowClockOptions(program.command('import-onnx'))
    .description('make an ONNX model trained elsewhere a vigil model: wrap it to the contract and calibrate its threshold on a CSV')
    .requiredOption('--onnx <file>', 'the ONNX model, taking the features `vigil features` computes')
    .requiredOption('--calibrate <file>', 'CSV of normal history (timestamp,<metric>...): threshold, severity and baseline come from its scores')
    .requiredOption('--out <dir>', 'model directory to write (model.onnx + manifest.json)')
    .requiredOption(
      '--higher-is <anomalous|normal>',
      "what a higher output means: 'normal' for scikit-learn's decision_function / score_samples (skl2onnx's scores), 'anomalous' for an anomaly score or a reconstruction error",
    )
    .option('--input <name>', 'the model input that takes the features (default: its only input)')
    .option('--output <name>', 'the model output that holds the score (default: its only float output, else one named score or scores)')
    .option('--threshold <score>', 'flag rows scoring at least this (after the direction is applied); refused when no calibration row reaches it')
    .option('--contamination <share>', 'without --threshold: the share of calibration rows to flag (default 0.002)')
    .option('--name <name>', 'model name (lower kebab case)', 'imported')
    .option('--version <version>', 'model version (default: creation time + sha256 prefix)')
    .addHelpText(
      'after',
      `
Examples:
  $ vigil features --in history.csv --out features.csv --skip-warm-up
  $ python train.py features.csv model.onnx        # e.g. scikit-learn IsolationForest + skl2onnx
  $ vigil import-onnx --onnx model.onnx --higher-is normal --calibrate history.csv --out model/
  $ vigil publish --model model/ --bucket my-vigil-models

A worked example: docs/python-models.md.`,
    )
    .action(async (flags: Flags, command: Command) => {
      try {
        await run(flags);
      } catch (error) {
        command.error(`import-onnx: ${(error as Error).message}`);
      }
    });
}

async function run(flags: Flags): Promise<void> {
  if (!DIRECTIONS.includes(flags.higherIs as ScoreDirection))
    throw new Error(`--higher-is ${JSON.stringify(flags.higherIs)}: expected ${DIRECTIONS.join(' or ')} (what a higher model output means)`);
  if (flags.threshold !== undefined && flags.contamination !== undefined)
    throw new Error('--threshold and --contamination: give one (a threshold, or the share of calibration rows to flag)');
  const threshold = flags.threshold === undefined ? undefined : Number(flags.threshold);
  if (threshold !== undefined && (flags.threshold!.trim() === '' || !Number.isFinite(threshold)))
    throw new Error(`--threshold must be a number; got "${flags.threshold}"`);
  const contamination = flags.contamination === undefined ? undefined : Number(flags.contamination);
  if (contamination !== undefined && !(contamination > 0 && contamination < 0.5))
    throw new Error(`--contamination must be a number between 0 and 0.5 (exclusive); got "${flags.contamination}"`);
  let onnx: Uint8Array;
  try {
    onnx = new Uint8Array(readFileSync(flags.onnx));
  } catch (error) {
    throw new Error(`cannot read ${flags.onnx}: ${(error as Error).message}: check the path`, { cause: error });
  }
  const csv = readMetricCsv(flags.calibrate, rowClockOf(flags), csvOptionsOf(flags));
  const imported = await importOnnxModel(onnx, csv, {
    higherIs: flags.higherIs as ScoreDirection,
    ...(flags.input ? { input: flags.input } : {}),
    ...(flags.output ? { output: flags.output } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
    ...(contamination !== undefined ? { contamination } : {}),
    name: flags.name,
    ...(flags.version ? { version: flags.version } : {}),
    source: flags.onnx,
    calibrationSource: flags.calibrate,
  });
  writeModelDir(flags.out, imported);
  const m = imported.manifest;
  for (const change of imported.changes) console.log(`  ${change}`);
  console.log(`wrote ${flags.out}/${MODEL_FILE} and ${flags.out}/${MANIFEST_FILE}`);
  console.log(
    `model ${m.name} version ${m.version}: ${m.featureSet.names.length} features (${m.featureSet.metrics.join(', ')}), threshold ${m.threshold.toPrecision(6)}: ${imported.flagged} of ${imported.rows} calibration rows flagged (highest score ${imported.highestScore.toPrecision(6)})`,
  );
}
