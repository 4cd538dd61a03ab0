/** `vigil score-csv --contamination`, run as a user runs it: the share sets each model's own threshold, and a share out of range is refused. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../models/forest/random.js';
import { runVigil } from '../vigil-cli.js';

const work = mkdtempSync(join(tmpdir(), 'vigil-score-csv-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Five days of a noisy daily cycle at 5 minutes, bursts of noise included, and a runaway at row 1200. */
function history(path: string): string {
  const random = seededRandom(5);
  const start = Date.UTC(2026, 0, 5);
  const lines = ['timestamp,value'];
  for (let i = 0; i < 1500; i++) {
    const daily = 40 + 20 * Math.sin((2 * Math.PI * i) / 288);
    const value = i >= 1200 && i < 1206 ? 98 : daily + 3 * random() + (random() < 0.02 ? 10 * random() : 0);
    lines.push(`${new Date(start + i * 300_000).toISOString()},${value.toFixed(3)}`);
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/** The flag column of a score-csv output. */
const flagsOf = (path: string): number[] =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => Number(line.split(',').at(-1)));

describe('vigil score-csv --contamination', () => {
  it('a smaller share raises the threshold: fewer rows page than at the default, the runaway still does', async () => {
    const csv = history(join(work, 'host.csv'));
    const [byDefault, stricter] = await Promise.all([
      runVigil(['score-csv', '--in', csv, '--out', join(work, 'default.csv'), '--trees', '20']),
      runVigil(['score-csv', '--in', csv, '--out', join(work, 'stricter.csv'), '--trees', '20', '--contamination', '0.0005']),
    ]);
    expect(byDefault.code, byDefault.stderr).toBe(0);
    expect(stricter.code, stricter.stderr).toBe(0);
    const a = flagsOf(join(work, 'default.csv'));
    const b = flagsOf(join(work, 'stricter.csv'));
    expect(b).toHaveLength(1500);
    // The noise bursts page some rows at the default share; at a quarter of it, fewer of them reach the threshold.
    expect(b.reduce((x, y) => x + y, 0)).toBeLessThan(a.reduce((x, y) => x + y, 0));
    expect(b.slice(1200, 1206)).toContain(1);
  }, 60_000);

  it('refuses a share outside (0, 0.5), naming the value given', async () => {
    const csv = history(join(work, 'bad.csv'));
    const run = await runVigil(['score-csv', '--in', csv, '--out', join(work, 'bad-out.csv'), '--contamination', '0.7']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/--contamination must be a number between 0 and 0.5 \(exclusive\); got "0.7"/);
  }, 60_000);
});
