/**
 * Area `cli`: how fast `vigil --help` answers, as compiled JavaScript (bin/vigil.js, bin/compiled.js)
 * against the same command line compiled by tsx at every start (how bin/vigil.js ran before), the
 * two runs alternated so that the machine's drift falls on both. Target: under 0.5 s. Also through
 * `npx vigil` (how the README runs it), which adds npm's own start.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { median, type BenchArea } from './types.js';

const PROJECT_ROOT = resolve(import.meta.dirname, '..');

const RUNS = 9;

function wallSeconds(args: string[], command = process.execPath): number {
  const started = performance.now();
  const run = spawnSync(command, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  if (run.status !== 0)
    throw new Error(`${command} ${args.join(' ')} ${run.error ? `could not start: ${run.error.message}` : `exited ${run.status}: ${run.stderr.toString()}`}`);
  return (performance.now() - started) / 1000;
}

const area: BenchArea = {
  area: 'cli',
  description: '`vigil --help`: compiled JavaScript against tsx compiling at every start (alternated)',
  async run() {
    const compiled = [join(PROJECT_ROOT, 'bin/vigil.js'), '--help'];
    const tsx = ['--import', 'tsx/esm', join(PROJECT_ROOT, 'bin/vigil-cli.ts'), '--help'];
    wallSeconds(compiled); // builds dist/cli when a source changed, and warms the compile cache
    wallSeconds(tsx);
    const a: number[] = [];
    const b: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      a.push(wallSeconds(compiled));
      b.push(wallSeconds(tsx));
      c.push(wallSeconds(['vigil', '--help'], 'npx'));
    }
    const ratios = a.map((s, i) => s / b[i]!);
    return [
      { metric: 'help_s', value: median(a), unit: 's', note: `vigil --help, compiled JavaScript: median of ${RUNS} (target < 0.5)` },
      { metric: 'help_tsx_s', value: median(b), unit: 's', note: `the same through tsx (the baseline): median of ${RUNS}` },
      { metric: 'help_npx_s', value: median(c), unit: 's', note: `npx vigil --help: the same plus npm's own start; median of ${RUNS}` },
      { metric: 'help_vs_tsx_ratio', value: median(ratios), unit: 'ratio', note: 'compiled / tsx, pair by pair' },
    ];
  },
};

export default area;
