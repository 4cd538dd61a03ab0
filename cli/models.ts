/** `vigil models list` and `vigil models rollback`: the published models in S3. */
import type { Command } from 'commander';
import { listModels, rollbackModel, s3Url } from '../model-store/s3-store.js';
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
