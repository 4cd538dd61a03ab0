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
 *   SMD_DIR  the SMD set (default ../shared/smd)
 *
 * SMD has no timestamps: row i of the train half is at 2019-01-01T00:00Z + i minutes, the test half
 * continues from there. --diagnose also prints, per machine, which features drive E >= 1 on normal
 * test rows (false alarms of the extremeness branch) and on labelled rows.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { featureSetFor } from '../core/features.js';
import { FeaturePipeline } from '../features/pipeline.js';
import { firstTrainingRow } from '../features/warm-up.js';
import { trainModel, type TrainOptions } from '../models/train.js';

const START = Date.UTC(2019, 0, 1);
const MINUTE = 60_000;

interface Flags {
  seed: number;
  out: string;
  machines: string[] | undefined;
  diagnose: boolean;
  contamination: number | undefined;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = { seed: 1, out: '', machines: undefined, diagnose: false, contamination: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--seed') flags.seed = Number(next());
    else if (a === '--out') flags.out = next();
    else if (a === '--machines') flags.machines = next().split(',');
    else if (a === '--diagnose') flags.diagnose = true;
    else if (a === '--contamination') flags.contamination = Number(next());
    else if (a === '--') continue;
    else throw new Error(`unknown argument ${a}: use --seed N, --out DIR, --machines a,b, --contamination X, --diagnose`);
  }
  if (!flags.out) flags.out = `/tmp/smd-results-seed${flags.seed}`;
  return flags;
}

function readRows(path: string): number[][] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(',').map(Number));
}

function main(): void {
  const flags = parseFlags(process.argv.slice(2));
  const smdDir = resolve(process.env.SMD_DIR ?? '../shared/smd');
  const machines =
    flags.machines ??
    readdirSync(join(smdDir, 'data/test'))
      .filter((f) => f.endsWith('.txt'))
      .map((f) => f.slice(0, -4))
      .sort();
  mkdirSync(flags.out, { recursive: true });
  const started = Date.now();
  for (const machine of machines) {
    const t0 = Date.now();
    const train = readRows(join(smdDir, 'data/train', `${machine}.txt`));
    const test = readRows(join(smdDir, 'data/test', `${machine}.txt`));
    const width = train[0]!.length;
    const metrics = Array.from({ length: width }, (_, k) => `m${k + 1}`);
    const featureSet = featureSetFor(metrics);
    const pipeline = new FeaturePipeline(featureSet);
    const all = [...train, ...test];
    const timestamps = all.map((_, i) => START + i * MINUTE);
    const features = all.map((row, i) => {
      const values: Record<string, number> = {};
      metrics.forEach((m, k) => (values[m] = row[k]!));
      return pipeline.push({ t: timestamps[i]!, values });
    });
    const first = firstTrainingRow(timestamps, train.length);
    const options: TrainOptions = { seed: flags.seed, ...(flags.contamination !== undefined ? { contamination: flags.contamination } : {}) };
    const model = trainModel(features.slice(first, train.length), featureSet, options);
    const testFeatures = features.slice(train.length);
    const scores = model.score(testFeatures);
    const threshold = model.manifest.threshold;
    const lines = ['score,flag'];
    scores.forEach((s) => lines.push(`${s.toFixed(7)},${s >= threshold ? 1 : 0}`));
    writeFileSync(join(flags.out, `${machine}.csv`), lines.join('\n') + '\n');
    console.error(
      `${machine}: ${train.length} train / ${test.length} test rows, threshold ${threshold.toFixed(4)}, ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    if (flags.diagnose && model.extremeness) diagnose(machine, smdDir, model.extremeness, featureSet.names, testFeatures, scores, threshold);
  }
  console.error(`all machines: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const report = execFileSync('python3', [join(smdDir, 'score.py'), flags.out, '--data-dir', join(smdDir, 'data'), '--json', join(flags.out, 'score.json')], {
    encoding: 'utf8',
  });
  process.stdout.write(report);
}

/** Which features carry E (the argmax of |x - center| / reach) on flagged normal rows and on labelled rows. */
function diagnose(
  machine: string,
  smdDir: string,
  branch: { features: readonly number[]; center: readonly number[]; reach: readonly number[] },
  names: readonly string[],
  rows: readonly Float64Array[],
  scores: Float64Array,
  threshold: number,
): void {
  const labels = readFileSync(join(smdDir, 'data/test_label', `${machine}.txt`), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
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
