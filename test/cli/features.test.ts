/**
 * `vigil features`: the columns a CSV's rows get are exactly what the agent's feature pipeline
 * computes for them (the same code, the same order), for any metrics, with the warm-up left out on request.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { featureSetFor } from '../../core/features.js';
import { FeaturePipeline } from '../../features/pipeline.js';
import { firstTrainingRow } from '../../features/warm-up.js';
import { featureRowsOf } from '../../models/csv-features.js';
import { readMetricCsv } from '../../models/csv.js';

const ROOT = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'vigil-features-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const vigil = (...args: string[]) => promisify(execFile)(process.execPath, [join(ROOT, 'bin/vigil.js'), ...args], { cwd: work, timeout: 60_000 });

describe('vigil features', () => {
  it("writes the agent pipeline's features of every row, in the model's input order; --skip-warm-up leaves out the first day", async () => {
    const start = Date.UTC(2026, 10, 1);
    const lines = ['Time;queue_depth;latency_ms'];
    for (let i = 0; i < 2 * 96; i++)
      lines.push(`${new Date(start + i * 900_000).toISOString()};${(i % 7) * 3};${(20 + Math.sin(i / 5) * 4).toFixed(2).replace('.', ',')}`);
    writeFileSync(join(work, 'app.csv'), `${lines.join('\n')}\n`);
    const { stdout } = await vigil('features', '--in', 'app.csv', '--out', 'all.csv');
    const skipped = await vigil('features', '--in', 'app.csv', '--out', 'trained.csv', '--skip-warm-up');

    const csv = readMetricCsv(join(work, 'app.csv'));
    const featureSet = featureSetFor(['queue_depth', 'latency_ms']);
    const expected = featureRowsOf(csv, new FeaturePipeline(featureSet));
    const [header, ...rows] = readFileSync(join(work, 'all.csv'), 'utf8').trim().split('\n');
    expect(header).toBe(['timestamp', ...featureSet.names].join(','));
    expect(rows).toHaveLength(expected.length);
    rows.forEach((row, r) => {
      const cells = row.split(',');
      expect(cells[0]).toBe(csv.timestampText[r]);
      expect(cells.slice(1).map((c) => (c === '' ? NaN : Number(c)))).toEqual(Array.from(expected[r]!));
    });
    expect(stdout).toContain(`wrote all.csv: ${expected.length} rows × ${featureSet.names.length} features (2 metrics × ${featureSet.names.length / 2}`);

    const first = firstTrainingRow(csv.timestamps);
    expect(first).toBeGreaterThan(0);
    const trained = readFileSync(join(work, 'trained.csv'), 'utf8').trim().split('\n');
    expect(trained.slice(1)).toEqual(rows.slice(first));
    expect(skipped.stdout).toContain(`the first ${first} rows (warm-up) left out`);
  });
});

describe('vigil features progress', () => {
  // cli-progress draws on a terminal only: `script` gives the command one.
  const onTerminal = (...args: string[]) =>
    promisify(execFile)('script', ['-qec', [process.execPath, join(ROOT, 'bin/vigil.js'), ...args].join(' '), '/dev/null'], { cwd: work, timeout: 60_000 });
  const csvOf = (rows: number): string => {
    const start = Date.UTC(2026, 10, 1);
    const lines = ['timestamp,cpu'];
    for (let i = 0; i < rows; i++) lines.push(`${new Date(start + i * 10_000).toISOString()},${(40 + (i % 13)).toFixed(1)}`);
    return `${lines.join('\n')}\n`;
  };

  it('draws a bar with the rows done on a terminal for a large file, and none for a small one', async () => {
    writeFileSync(join(work, 'large.csv'), csvOf(25_000));
    writeFileSync(join(work, 'small.csv'), csvOf(500));
    const large = await onTerminal('features', '--in', 'large.csv', '--out', 'large-features.csv');
    expect(large.stdout).toMatch(/computing features .* 100% \| 25000\/25000 rows/);
    const small = await onTerminal('features', '--in', 'small.csv', '--out', 'small-features.csv');
    expect(small.stdout).toMatch(/wrote small-features\.csv: 500 rows/);
    expect(small.stdout).not.toMatch(/computing features/);
  });
});
