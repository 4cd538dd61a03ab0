/** `vigil models list`, `status` and `rollback`: the published models in S3, and which one each scoring function uses. */
import type { Command } from 'commander';
import type { ModelStatus } from '../core/model-status.js';
import { readModelStatuses } from '../model-store/model-status.js';
import { listModels, readPointer, rollbackModel, s3Url } from '../model-store/s3-store.js';
import { pointerKey } from '../core/model-keys.js';
import { registerHistory } from './models-history.js';
import { printTable } from './table.js';
import { addLocationOptions, locationOf, type LocationFlags } from './publish.js';

export function register(program: Command): void {
  const models = program
    .command('models')
    .description('list the published models or roll back to an earlier one')
    .addHelpText(
      'after',
      `
Examples:
  $ vigil models list --bucket my-vigil-models
  $ vigil models status --bucket my-vigil-models
  $ vigil models history --bucket my-vigil-models
  $ vigil models rollback --bucket my-vigil-models
  $ vigil models rollback --bucket my-vigil-models --to 20261121T120000Z-1a2b3c4d`,
    );

  addLocationOptions(models.command('list').description('every published version, oldest first; * marks the current one'))
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: LocationFlags & { json?: boolean }, cmd: Command) => {
      try {
        const { s3, bucket, prefix } = locationOf(flags, 'models list');
        const versions = await listModels(s3, { bucket, prefix });
        if (flags.json) {
          console.log(JSON.stringify(versions, null, 2));
          return;
        }
        if (versions.length === 0) {
          console.log(`no models under ${s3Url(bucket, prefix)}; publish one with \`vigil publish --model DIR --bucket ${bucket}\``);
          return;
        }
        printTable([
          ['', 'version', 'name', 'created', 'bytes', 'sha256'],
          ...versions.map((v) => [v.current ? '*' : '', v.version, v.name, v.createdAt, String(v.bytes), v.sha256.slice(0, 12)]),
        ]);
      } catch (error) {
        cmd.error(`models list: ${(error as Error).message}`);
      }
    });

  addLocationOptions(
    models.command('status').description('which model each scoring function uses, next to the current pointer (a function that refused a model says why)'),
  )
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: LocationFlags & { json?: boolean }, cmd: Command) => {
      try {
        const { s3, bucket, prefix } = locationOf(flags, 'models status');
        const [pointer, { statuses, problems }] = await Promise.all([readPointer(s3, { bucket, prefix }), readModelStatuses(s3, { bucket, prefix })]);
        if (flags.json) {
          console.log(JSON.stringify({ current: pointer ?? null, functions: statuses, problems }, null, 2));
          return;
        }
        console.log(
          pointer
            ? `current: ${pointer.version} (published ${pointer.publishedAt}, ${s3Url(bucket, pointerKey(prefix))})`
            : `current: none (${s3Url(bucket, pointerKey(prefix))} does not exist; publish a model with \`vigil publish\`)`,
        );
        for (const problem of problems) console.error(`warning: ${problem}`);
        if (statuses.length === 0) {
          console.log('no scoring function has reported a model yet: a function reports when it loads or refuses one, on its first batch');
          return;
        }
        printTable([
          ['function', 'uses', 'loaded', 'state', 'refused'],
          ...statuses.map((s) => [
            s.function,
            s.loaded?.version ?? '(none)',
            s.loaded?.loadedAt ?? '',
            stateOf(s, pointer?.version),
            s.refused ? `${s.refused.version}: ${s.refused.reason}` : '',
          ]),
        ]);
      } catch (error) {
        cmd.error(`models status: ${(error as Error).message}`);
      }
    });

  registerHistory(models);

  addLocationOptions(models.command('rollback').description('point "current" back at the version it replaced, or at --to VERSION'))
    .option('--to <version>', 'the version to make current (see vigil models list)')
    .action(async (flags: LocationFlags & { to?: string }, cmd: Command) => {
      try {
        const { s3, bucket, prefix } = locationOf(flags, 'models rollback');
        const pointer = await rollbackModel(s3, { bucket, prefix, ...(flags.to ? { to: flags.to } : {}) });
        console.log(`current -> ${pointer.version} (was ${pointer.previous})`);
      } catch (error) {
        cmd.error(`models rollback: ${(error as Error).message}`);
      }
    });
}

/** How a function's model compares with the current pointer. */
function stateOf(status: ModelStatus, current: string | undefined): string {
  if (!status.loaded) return status.refused ? 'NOT SCORING (refused the current model)' : 'NOT SCORING';
  if (status.loaded.version === current) return 'current';
  if (status.refused?.version === current) return 'REFUSED the current model; scores with an older one';
  return 'not current yet (switches within the recheck interval)';
}
