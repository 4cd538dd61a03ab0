/**
 * How commands that read CSV files find each row's time: `--timestamp-column` names the column, or
 * `--interval-seconds` and `--start` give the clock of a file without timestamps.
 */
import type { Command } from 'commander';
import { parseTimestamp, type CsvOptions, type RowClock } from '../models/csv.js';

export interface RowClockFlags {
  timestampColumn?: string;
  intervalSeconds?: string;
  start?: string;
}

export const DEFAULT_START = '1970-01-01T00:00:00Z';

export function addRowClockOptions(command: Command): Command {
  return command
    .option('--timestamp-column <name>', 'the column that holds each row’s time (default: the one named timestamp or time, any case)')
    .option(
      '--interval-seconds <s>',
      'the file has no timestamp column: one row per sample, this many seconds apart (a header of metric names is optional; without one the columns are m1, m2, ...)',
    )
    .option('--start <time>', `with --interval-seconds: the time of the first row (ISO 8601 or epoch seconds; default ${DEFAULT_START})`);
}

/** The clock the flags describe, or undefined for files with their own timestamps. */
export function rowClockOf(flags: RowClockFlags): RowClock | undefined {
  if (flags.intervalSeconds !== undefined && flags.timestampColumn !== undefined)
    throw new Error(
      `--timestamp-column ${flags.timestampColumn} and --interval-seconds ${flags.intervalSeconds}: give one (a file has its own times, or rows a fixed interval apart)`,
    );
  if (flags.intervalSeconds === undefined) {
    if (flags.start !== undefined) throw new Error(`--start ${flags.start} needs --interval-seconds: give both for a file without timestamps, or neither`);
    return undefined;
  }
  const seconds = Number(flags.intervalSeconds);
  if (flags.intervalSeconds.trim() === '' || !(seconds > 0) || !Number.isFinite(seconds)) {
    throw new Error(`--interval-seconds must be a number of seconds > 0; got "${flags.intervalSeconds}"`);
  }
  const startMs = parseTimestamp(flags.start ?? DEFAULT_START);
  if (startMs === undefined) throw new Error(`--start must be a time such as 2019-01-01T00:00:00Z or epoch seconds; got "${flags.start}"`);
  return { startMs, intervalMs: seconds * 1000 };
}

/** The CSV reading options the flags give. */
export function csvOptionsOf(flags: RowClockFlags): CsvOptions {
  return flags.timestampColumn === undefined ? {} : { timestampColumn: flags.timestampColumn };
}
