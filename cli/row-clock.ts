/** The `--interval-seconds` and `--start` options of commands that read files without timestamps. */
import type { Command } from 'commander';
import { parseTimestamp, type RowClock } from '../models/csv.js';

export interface RowClockFlags {
  intervalSeconds?: string;
  start?: string;
}

export const DEFAULT_START = '1970-01-01T00:00:00Z';

export function addRowClockOptions(command: Command): Command {
  return command
    .option(
      '--interval-seconds <s>',
      'the file has no timestamp column: one row per sample, this many seconds apart (a header of metric names is optional; without one the columns are m1, m2, ...)',
    )
    .option('--start <time>', `with --interval-seconds: the time of the first row (ISO 8601 or epoch seconds; default ${DEFAULT_START})`);
}

/** The clock the flags describe, or undefined for files with their own timestamps. */
export function rowClockOf(flags: RowClockFlags): RowClock | undefined {
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
