/** `vigil score-csv`: the NAB protocol over a CSV file or a folder of them. */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { scoreCsvDir, scoreCsvFile, type ScoreCsvOptions } from '../models/score-csv.js';
import { DEFAULT_CONTAMINATION } from '../models/train.js';
import { integerFlag, numberFlag } from './flags.js';

interface Flags {
  in?: string;
  out?: string;
  inDir?: string;
  outDir?: string;
  seed: string;
  trees: string;
  retrainEveryHours: string;
  onsetHours: string;
  contamination: string;
  timestampColumn?: string;
}

export function register(program: Command): void {
  program
    .command('score-csv')
    .description('score CSV history causally: train on the probationary period (first 15% of rows, at most 750), then score every row')
    .option('--in <file>', 'one CSV file (timestamp,<metric>...)')
    .option(
      '--out <file>',
      'where to write timestamp,value,anomaly_score,flag for --in (flag: 1 where the row pages: at or above the model’s own threshold, no page in the past 12 hours unless two severities higher)',
    )
    .option('--in-dir <dir>', 'a folder: every *.csv under it is scored')
    .option('--out-dir <dir>', 'output folder for --in-dir (same relative paths)')
    .option('--timestamp-column <name>', 'the column that holds each row’s time (default: the one named timestamp or time, any case)')
    .option('--seed <n>', 'seed of the forest', '1')
    .option('--trees <n>', 'trees in the forest', '100')
    .option(
      '--retrain-every-hours <h>',
      'retrain on all rows seen so far every this many hours of the file’s time (0 = train once on the probationary period)',
      '24',
    )
    .option(
      '--onset-hours <h>',
      'report incident onsets: a row scoring no higher than a row of the past this many hours gets 0 (0 = every row its own score)',
      '24',
    )
    .option(
      '--contamination <share>',
      'share of each model’s training rows its own threshold leaves above it: sets the flag (never above the score of one feature ten times its normal reach out)',
      String(DEFAULT_CONTAMINATION),
    )
    .addHelpText(
      'after',
      `
Examples:
  $ vigil score-csv --in history/web-1.csv --out scored/web-1.csv
  $ vigil score-csv --in-dir ../shared/nab/data --out-dir /tmp/nab-results`,
    )
    .action((flags: Flags, command: Command) => {
      try {
        run(flags);
      } catch (error) {
        command.error(`score-csv: ${(error as Error).message}`);
      }
    });
}

/**
 * A progress bar on stderr while a file is scored (a terminal only: cli-progress draws nothing
 * otherwise); it starts at the first report, so short files show none.
 */
function progress(): { onRows: (done: number, total: number) => void; stop: () => void } {
  let bar: cliProgress.SingleBar | undefined;
  const stop = (): void => {
    bar?.stop();
    bar = undefined;
  };
  const onRows = (done: number, total: number): void => {
    if (!bar) {
      if (done >= total) return;
      bar = new cliProgress.SingleBar(
        { stream: process.stderr, format: 'scoring {bar} {percentage}% | {value}/{total} rows | {eta_formatted} left' },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, done);
    } else bar.update(done);
    if (done >= total) stop();
  };
  return { onRows, stop };
}

function run(flags: Flags): void {
  const bar = progress();
  try {
    runWith(flags, bar.onRows);
  } finally {
    bar.stop();
  }
}

function runWith(flags: Flags, onRows: (done: number, total: number) => void): void {
  const options: ScoreCsvOptions = {
    onRows,
    seed: integerFlag('--seed', flags.seed),
    trees: integerFlag('--trees', flags.trees, 1),
    retrainEveryMs: hoursFlag('--retrain-every-hours', flags.retrainEveryHours),
    onsetWindowMs: hoursFlag('--onset-hours', flags.onsetHours),
    contamination: numberFlag('--contamination', flags.contamination, 0, 0.5),
    ...(flags.timestampColumn === undefined ? {} : { csv: { timestampColumn: flags.timestampColumn } }),
  };
  if (flags.inDir !== undefined || flags.outDir !== undefined) {
    if (!flags.inDir || !flags.outDir || flags.in || flags.out) throw usage('give --in-dir and --out-dir together (and not --in/--out)');
    const done = scoreCsvDir(flags.inDir, flags.outDir, options, (f) => console.log(`${f.output}: ${f.rows} rows (${f.probation} probationary)`));
    console.log(`scored ${done.length} files into ${flags.outDir}`);
    return;
  }
  if (!flags.in || !flags.out) throw usage('give --in FILE --out FILE, or --in-dir DIR --out-dir DIR');
  const f = scoreCsvFile(flags.in, flags.out, options);
  console.log(`${f.output}: ${f.rows} rows (${f.probation} probationary)`);
}

function usage(message: string): Error {
  return new Error(`${message} (see vigil score-csv --help)`);
}

function hoursFlag(name: string, value: string): number {
  const hours = Number(value);
  if (value.trim() === '' || !Number.isFinite(hours) || hours < 0) throw new Error(`${name} must be a number of hours >= 0 (0 = off); got "${value}"`);
  return hours * 3_600_000;
}
