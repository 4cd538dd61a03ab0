/** `vigil failed-batches replay`: the batches the stream trigger gave up on, read back from the stream and put on it again. */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Command } from 'commander';
import { awsClientSettings } from '../core/aws.js';
import { replayFailedBatches } from '../functions/score/failed-batch-replay.js';

interface ReplayFlags {
  queue?: string;
  stream?: string;
  max: string;
  region?: string;
}

export function register(program: Command): void {
  const batches = program
    .command('failed-batches')
    .description('replay the batches the stream trigger gave up on (the FailedBatches queue) once their cause is fixed');
  batches
    .command('replay')
    .description("read each failed batch's records back from the stream and put them on it again; delete the message once all are put")
    .option(
      '--queue <url>',
      'failed-batch queue URL (FailedBatchQueueUrl output; $VIGIL_FAILED_BATCH_QUEUE_URL when set)',
      process.env.VIGIL_FAILED_BATCH_QUEUE_URL,
    )
    .option('--stream <name>', 'stream to put the records on (default: the stream each batch came from)')
    .option('--max <n>', 'most batches to replay', '100')
    .option('--region <region>', 'AWS region ($AWS_REGION when not given)')
    .addHelpText(
      'after',
      `
A failed-batch message names a shard and a range of sequence numbers, not the records: replay while
the records are within the stream's retention (24 hours unless raised). Scoring is idempotent, so
records of the range that were stored before are rewritten, not added.

Example:
  $ vigil failed-batches replay --queue https://sqs.eu-west-1.amazonaws.com/123456789012/vigil-failed-batches`,
    )
    .action(async (flags: ReplayFlags, cmd: Command) => {
      try {
        if (!flags.queue)
          throw new Error(
            "no queue: pass --queue URL (the stack's FailedBatchQueueUrl output) or set VIGIL_FAILED_BATCH_QUEUE_URL (see vigil failed-batches replay --help)",
          );
        const max = Number(flags.max);
        if (!Number.isInteger(max) || max < 1) throw new Error(`--max ${flags.max} is not a whole number of batches of 1 or more`);
        const settings = awsClientSettings(flags.region ? { region: flags.region } : {});
        const result = await replayFailedBatches(new SQSClient(settings), new KinesisClient(settings), {
          queueUrl: flags.queue,
          max,
          ...(flags.stream ? { streamName: flags.stream } : {}),
        });
        console.log(`replayed: ${result.replayed} batches, ${result.records} records put back on the stream, their messages deleted`);
        for (const { messageId, why } of result.left) console.log(`left in the queue: ${messageId}: ${why}`);
        if (result.left.length) process.exitCode = 1;
      } catch (error) {
        cmd.error(`failed-batches replay: ${(error as Error).message}`);
      }
    });
}
