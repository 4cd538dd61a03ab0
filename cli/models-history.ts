/** `vigil models history`: retraining's decisions (core/retrain-report.ts), newest first. */
import type { Command } from 'commander';
import type { ModelFigures } from '../core/retrain-report.js';
import { listRetrainReports } from '../model-store/retrain-reports.js';
import { printTable } from './table.js';
import { addLocationOptions, locationOf, type LocationFlags } from './publish.js';

export function registerHistory(models: Command): void {
  addLocationOptions(models.command('history').description("retraining's decisions, newest first: published or kept, why, and both models' figures"))
    .option('--limit <n>', 'how many runs to show', '30')
    .option('--json', 'print the reports as JSON')
    .action(async (flags: LocationFlags & { limit: string; json?: boolean }, cmd: Command) => {
      try {
        const limit = Number(flags.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new Error(`--limit must be a whole number of 1 or more; got "${flags.limit}"`);
        const { s3, bucket, prefix } = locationOf(flags, 'models history');
        const reports = await listRetrainReports(s3, { bucket, prefix }, limit);
        if (flags.json) {
          console.log(JSON.stringify(reports, null, 2));
          return;
        }
        if (reports.length === 0) {
          console.log(`no retraining has run yet (no reports under s3://${bucket}/${prefix}/retraining/); it runs on the stack's retrainSchedule`);
          return;
        }
        printTable([
          ['started', 'decision', 'held back', 'champion (FA/host-day, detected)', 'challenger (FA/host-day, detected)', 'training rows', 'why'],
          ...reports.map((r) => [
            r.startedAt,
            r.decision,
            r.heldBackDay,
            figures(r.champion),
            figures(r.challenger),
            r.data ? String(r.data.trainingRows) : '-',
            r.reason,
          ]),
        ]);
      } catch (error) {
        cmd.error(`models history: ${(error as Error).message}`);
      }
    });
}

function figures(f: ModelFigures | undefined): string {
  if (!f) return '-';
  return `${f.version} (${f.falseAlarmEpisodesPerHostDay.toFixed(3)}, ${f.incidentsDetected}/${f.incidentsInjected})`;
}
