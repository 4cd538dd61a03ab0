/** `vigil feedback`: mark a host's time range normal, incident or maintenance; list and delete marks. */
import type { Command } from 'commander';
import { EVERY_HOST, FEEDBACK_LABELS, type FeedbackLabel, type FeedbackMark } from '../core/feedback.js';
import { deleteFeedbackMark, listFeedbackMarks, putFeedbackMark } from '../model-store/feedback.js';
import { parseTimestamp } from '../models/csv.js';
import { addLocationOptions, locationOf, type LocationFlags } from './publish.js';
import { printTable } from './table.js';

interface MarkFlags extends LocationFlags {
  host?: string;
  from?: string;
  to?: string;
  label?: string;
  note?: string;
}

const TIME_HELP = 'ISO 8601 (2026-12-01T14:00:00Z), epoch seconds, `now`, or now minus a duration (`-2h`, `-30m`, `-1d`)';

export function register(program: Command): void {
  const feedback = addLocationOptions(
    program
      .command('feedback')
      .description('mark a host’s time range as normal, incident or maintenance (retraining leaves incidents and maintenance out)')
      .option('--host <host>', `the host id as the agent sends it, or ${EVERY_HOST} for every host`)
      .option('--from <time>', `start of the range (${TIME_HELP})`)
      .option('--to <time>', 'end of the range, exclusive (same forms)')
      .option('--label <label>', FEEDBACK_LABELS.join(' | '))
      .option('--note <text>', 'why, for whoever reads the mark later'),
  )
    .addHelpText(
      'after',
      `
Marks are stored in the model bucket (under <prefix>/feedback/). Scheduled retraining leaves rows
marked incident or maintenance out of training, and counts a challenger's flag on a row marked
normal as a false alarm. The same host, range and label given twice is stored once.

Examples:
  $ vigil feedback --host web-1 --from 2026-12-01T14:00:00Z --to 2026-12-01T15:30:00Z --label incident --bucket my-vigil-models
  $ vigil feedback --host '*' --from -2h --to now --label maintenance --note "kernel upgrade"
  $ vigil feedback list --host web-1
  $ vigil feedback delete --id 3f9c0a7b12d4e6f8`,
    )
    .action(async (flags: MarkFlags, cmd: Command) => {
      try {
        const { s3, bucket, prefix } = locationOf(flags, 'feedback');
        const missing = (['host', 'from', 'to', 'label'] as const).filter((k) => flags[k] === undefined);
        if (missing.length > 0) throw new Error(`give ${missing.map((k) => `--${k}`).join(', ')} (or a subcommand: list, delete; see vigil feedback --help)`);
        const label = labelOf(flags.label!);
        const now = Date.now();
        const { mark, created } = await putFeedbackMark(
          s3,
          { bucket, prefix },
          {
            host: flags.host!,
            from: timeOf('--from', flags.from!, now),
            to: timeOf('--to', flags.to!, now),
            label,
            ...(flags.note ? { note: flags.note } : {}),
          },
        );
        console.log(`${created ? 'marked' : 'already marked'} ${describe(mark)} (id ${mark.id})`);
      } catch (error) {
        cmd.error(`feedback: ${(error as Error).message}`);
      }
    });

  addLocationOptions(feedback.command('list').description('the stored marks, by start time'))
    .option('--host <host>', 'marks of this host (and those of every host)')
    .option('--from <time>', `marks that end after this time (${TIME_HELP})`)
    .option('--to <time>', 'marks that start before this time')
    .option('--label <label>', FEEDBACK_LABELS.join(' | '))
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: MarkFlags & { json?: boolean }, cmd: Command) => {
      try {
        const { s3, bucket, prefix } = locationOf(flags, 'feedback list');
        const now = Date.now();
        const marks = await listFeedbackMarks(
          s3,
          { bucket, prefix },
          {
            ...(flags.host !== undefined ? { host: flags.host } : {}),
            ...(flags.from !== undefined ? { from: timeOf('--from', flags.from, now) } : {}),
            ...(flags.to !== undefined ? { to: timeOf('--to', flags.to, now) } : {}),
            ...(flags.label !== undefined ? { label: labelOf(flags.label) } : {}),
          },
        );
        if (flags.json) {
          console.log(JSON.stringify(marks, null, 2));
          return;
        }
        if (marks.length === 0) {
          console.log('no marks; add one with `vigil feedback --host H --from T --to T --label normal|incident|maintenance`');
          return;
        }
        printTable([['id', 'host', 'from', 'to', 'label', 'note'], ...marks.map((m) => [m.id, m.host, m.from, m.to, m.label, m.note ?? ''])]);
      } catch (error) {
        cmd.error(`feedback list: ${(error as Error).message}`);
      }
    });

  addLocationOptions(feedback.command('delete').description('delete a mark (retraining then uses the range like any other)'))
    .requiredOption('--id <id>', 'the mark’s id, as `vigil feedback list` shows it')
    .action(async (flags: LocationFlags & { id: string }, cmd: Command) => {
      try {
        const { s3, bucket, prefix } = locationOf(flags, 'feedback delete');
        await deleteFeedbackMark(s3, { bucket, prefix }, flags.id);
        console.log(`deleted mark ${flags.id}`);
      } catch (error) {
        cmd.error(`feedback delete: ${(error as Error).message}`);
      }
    });
}

function labelOf(value: string): FeedbackLabel {
  const label = FEEDBACK_LABELS.find((l) => l === value);
  if (!label) throw new Error(`--label must be one of ${FEEDBACK_LABELS.join(', ')}; got "${value}"`);
  return label;
}

const RELATIVE = /^-(\d+(?:\.\d+)?)(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Epoch ms of a time flag: an absolute time, `now`, or now minus a duration. */
export function timeOf(flag: string, value: string, now: number): number {
  const text = value.trim();
  if (text === 'now') return now;
  const relative = RELATIVE.exec(text);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
  const t = parseTimestamp(text);
  if (t === undefined) throw new Error(`${flag} must be ${TIME_HELP}; got "${value}"`);
  return t;
}

function describe(mark: FeedbackMark): string {
  return `${mark.host === EVERY_HOST ? 'every host' : mark.host} ${mark.from} .. ${mark.to} as ${mark.label}`;
}
