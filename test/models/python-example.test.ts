/**
 * A model from Python, as docs/python-models.md shows it: docs/python/example.sh run as written
 * (vigil features -> scikit-learn IsolationForest + skl2onnx in the project's .venv -> vigil
 * import-onnx), then the imported model scored like a published one. Also the import's refusals.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { featureSetFor } from '../../core/features.js';
import { ONNX_INPUT, ONNX_OUTPUT } from '../../core/manifest.js';
import { readModelDir } from '../../model-store/artifact.js';
import { createOnnxScorer } from '../../model-store/onnx-scorer.js';
import { seededRandom } from '../../models/forest/random.js';

const ROOT = resolve(import.meta.dirname, '../..');
const VIGIL = `${process.execPath} ${join(ROOT, 'bin/vigil.js')}`;
const work = mkdtempSync(join(tmpdir(), 'vigil-python-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function sh(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(command, args, { cwd: work, env: { ...process.env, ...env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const vigil = (...args: string[]) => sh(process.execPath, [join(ROOT, 'bin/vigil.js'), ...args]);

/** Three days of five-minute samples of two metrics with a daily shape and noise. */
function writeHistory(path: string): void {
  const random = seededRandom(11);
  const start = Date.UTC(2026, 10, 1);
  const lines = ['timestamp,cpu_pct,mem_used_pct'];
  for (let i = 0; i < 3 * 288; i++) {
    const daily = Math.sin((2 * Math.PI * i) / 288);
    lines.push(`${new Date(start + i * 300_000).toISOString()},${(40 + 15 * daily + 3 * random()).toFixed(2)},${(60 + 2 * random()).toFixed(2)}`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

describe('a model from Python (docs/python-models.md)', () => {
  it('runs the worked example: features, scikit-learn + skl2onnx, import-onnx; the model scores by the contract', { timeout: 180_000 }, async () => {
    writeHistory(join(work, 'history.csv'));
    const run = await sh('bash', [join(ROOT, 'docs/python/example.sh')], { VIGIL, PYTHON: join(ROOT, '.venv/bin/python') });
    expect(run.code, run.stderr).toBe(0);
    const featureSet = featureSetFor(['cpu_pct', 'mem_used_pct']);
    const header = readFileSync(join(work, 'features.csv'), 'utf8').split('\n', 1)[0];
    expect(header).toBe(['timestamp', ...featureSet.names].join(','));
    expect(run.stdout).toContain('wrote features.csv: 576 rows');
    expect(run.stdout).toContain('input "X" fed from "features"');
    expect(run.stdout).toContain('"scores" negated');
    expect(run.stdout).toContain('other outputs left out: label');

    const { onnx, manifest } = readModelDir(join(work, 'model'));
    expect(manifest).toMatchObject({ name: 'sklearn-iforest', onnx: { input: ONNX_INPUT, output: ONNX_OUTPUT }, featureSet: { names: featureSet.names } });
    expect(manifest.training).toMatchObject({ algorithm: 'imported ONNX model', rows: 576, params: { higherIs: 'normal' } });
    expect(manifest.evaluation!.calibrationFlaggedShare).toBeGreaterThan(0);
    expect(manifest.evaluation!.calibrationFlaggedShare).toBeLessThanOrEqual(0.011);

    // The imported model answers [N] scores; rows of features far from the history score above the threshold, its own rows mostly below.
    const F = featureSet.names.length;
    const rows = readFileSync(join(work, 'features.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',').slice(1).map(Number));
    const scorer = await createOnnxScorer(onnx, F, 'imported');
    const normal = await scorer.score(Float32Array.from(rows.slice(0, 100).flat()), 100);
    const far = await scorer.score(Float32Array.from(rows.slice(0, 2).flatMap((row) => row.map((v) => v * 50 + 1000))), 2);
    await scorer.release();
    expect(normal).toHaveLength(100);
    expect(normal.filter((s) => s >= manifest.threshold).length).toBeLessThan(10);
    for (const s of far) expect(s).toBeGreaterThanOrEqual(manifest.threshold);
  });

  it(
    'refuses a threshold no calibration row reaches, naming the highest score; and names inputs and outputs it cannot match',
    { timeout: 120_000 },
    async () => {
      const [high, wrongInput, direction] = await Promise.all([
        vigil('import-onnx', '--onnx', 'model.onnx', '--higher-is', 'normal', '--calibrate', 'history.csv', '--threshold', '5', '--out', 'never'),
        vigil('import-onnx', '--onnx', 'model.onnx', '--higher-is', 'normal', '--calibrate', 'history.csv', '--input', 'x', '--out', 'never'),
        vigil('import-onnx', '--onnx', 'model.onnx', '--higher-is', 'better', '--calibrate', 'history.csv', '--out', 'never'),
      ]);
      expect(high.code).toBe(1);
      expect(high.stderr).toMatch(
        /no row of history\.csv reaches the threshold 5 \(the highest of 576 scores is -?0\.\d+\): the model would never flag anything/,
      );
      expect(wrongInput.stderr).toMatch(
        /has no input named "x" \(inputs X \(float32 \[\?, 12\]\); outputs label \(int64 \[\?, 1\]\), scores \(float32 \[\?, 1\]\)\)/,
      );
      expect(direction.stderr).toContain('--higher-is "better": expected anomalous or normal');
    },
  );
});
