/**
 * A progress bar on stderr for a command working through the rows of a file. cli-progress draws on
 * a terminal only, so piped output stays clean; inputs small enough to finish in a moment get none.
 */
import cliProgress from 'cli-progress';

/** Below this many rows a command finishes in about a second: no bar. */
export const PROGRESS_MIN_ROWS = 20_000;

export interface RowProgress {
  update(done: number): void;
  stop(): void;
}

export function rowProgress(label: string, total: number): RowProgress {
  if (total < PROGRESS_MIN_ROWS) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} {bar} {percentage}% | {value}/{total} rows` },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { update: (done) => bar.update(done), stop: () => bar.stop() };
}
