/** `vigil dead-letters list`, `redrive` and `purge`: the scoring function's dead-letter queue. */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Command } from 'commander';
import { awsClientSettings } from '../core/aws.js';
import { printTable } from './table.js';
import {
  planDeadLetters,
  purgeDeadLetters,
  receiveDeadLetters,
  redriveDeadLetters,
  releaseLetters,
  type LetterPlan,
  type ReceivedLetter,
} from '../functions/score/dead-letter-redrive.js';
import { DEAD_LETTER_REASONS, parseReasons } from '../functions/score/dead-letter-reasons.js';

interface QueueFlags {
  queue?: string;
  max: string;
  region?: string;
}

function addQueueOptions(command: Command): Command {
  return command
    .option(
      '--queue <url>',
      'dead-letter queue URL (DeadLetterQueueUrl output; $VIGIL_DEAD_LETTER_QUEUE_URL when set)',
      process.env.VIGIL_DEAD_LETTER_QUEUE_URL,
    )
    .option('--max <n>', 'most letters to read', '1000')
    .option('--region <region>', 'AWS region ($AWS_REGION when not given)');
}

function queueOf(flags: QueueFlags, commandName: string): { sqs: SQSClient; queueUrl: string; max: number } {
  if (!flags.queue)
    throw new Error(`no queue: pass --queue URL (the stack's DeadLetterQueueUrl output) or set VIGIL_DEAD_LETTER_QUEUE_URL (see vigil ${commandName} --help)`);
  const max = Number(flags.max);
  if (!Number.isInteger(max) || max < 1) throw new Error(`--max ${flags.max} is not a whole number of letters of 1 or more`);
  return { sqs: new SQSClient(awsClientSettings(flags.region ? { region: flags.region } : {})), queueUrl: flags.queue, max };
}

export function register(program: Command): void {
  const letters = program
    .command('dead-letters')
    .description("read the scoring function's dead-letter queue, or put records whose cause is fixed back on the stream")
    .addHelpText(
      'after',
      `
Reasons:
${Object.entries(DEAD_LETTER_REASONS)
  .map(([reason, meaning]) => `  ${reason.padEnd(20)} ${meaning}`)
  .join('\n')}
Redriving a record whose samples are already stored rewrites the same results.

Examples:
  $ vigil dead-letters list --queue https://sqs.eu-west-1.amazonaws.com/123456789012/vigil-dead-letters
  $ vigil dead-letters redrive --queue $DLQ --stream vigil-samples --reason feature_set_version,feature_count --dry-run
  $ vigil dead-letters redrive --queue $DLQ --stream vigil-samples --reason feature_set_version,feature_count
  $ vigil dead-letters purge --queue $DLQ --reason garbage,invalid`,
    );

  addQueueOptions(letters.command('list').description('every letter: reason, host, samples, when, and the message (letters stay in the queue)'))
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: QueueFlags & { json?: boolean }, cmd: Command) => {
      try {
        const { sqs, queueUrl, max } = queueOf(flags, 'dead-letters list');
        const received = await receiveDeadLetters(sqs, queueUrl, max);
        await releaseLetters(sqs, queueUrl, received);
        if (flags.json)
          console.log(
            JSON.stringify(
              received.map(({ receiptHandle: _r, ...letter }) => letter),
              null,
              2,
            ),
          );
        else printLetters(received, queueUrl);
      } catch (error) {
        cmd.error(`dead-letters list: ${(error as Error).message}`);
      }
    });

  addQueueOptions(letters.command('redrive').description('put the records of letters with the given reasons back on the stream, then delete those letters'))
    .requiredOption('--stream <name>', 'the stream the agents write to (StreamName output)')
    .requiredOption('--reason <reasons>', 'comma list of the reasons to redrive (see vigil dead-letters --help)')
    .option('--dry-run', 'say what would be redriven and what would stay; change nothing')
    .action(async (flags: QueueFlags & { stream: string; reason: string; dryRun?: boolean }, cmd: Command) => {
      try {
        const reasons = parseReasons(flags.reason);
        const { sqs, queueUrl, max } = queueOf(flags, 'dead-letters redrive');
        if (flags.dryRun) {
          const plan = await planDeadLetters(sqs, { queueUrl, reasons, max, needPayload: true });
          console.log(`dry run: would redrive ${plan.chosen} records (${plan.samples} samples) onto ${flags.stream} and delete their letters`);
          printLeft(plan);
          return;
        }
        const kinesis = new KinesisClient(awsClientSettings(flags.region ? { region: flags.region } : {}));
        const result = await redriveDeadLetters(sqs, kinesis, { queueUrl, streamName: flags.stream, reasons, max });
        console.log(`redriven: ${result.redriven} records put back on ${flags.stream}, their letters deleted`);
        if (result.notDeleted)
          console.log(
            `${result.notDeleted} of those letters were not deleted: they return to the queue, and redriving them again is harmless (writes are idempotent)`,
          );
        printLeft(result);
      } catch (error) {
        cmd.error(`dead-letters redrive: ${(error as Error).message}`);
      }
    });

  addQueueOptions(letters.command('purge').description('delete the letters with the given reasons (records nobody will replay); every other letter stays'))
    .requiredOption('--reason <reasons>', 'comma list of the reasons to delete (see vigil dead-letters --help)')
    .option('--dry-run', 'say what would be deleted and what would stay; change nothing')
    .action(async (flags: QueueFlags & { reason: string; dryRun?: boolean }, cmd: Command) => {
      try {
        const reasons = parseReasons(flags.reason);
        const { sqs, queueUrl, max } = queueOf(flags, 'dead-letters purge');
        if (flags.dryRun) {
          const plan = await planDeadLetters(sqs, { queueUrl, reasons, max, needPayload: false });
          console.log(`dry run: would delete ${plan.chosen} letters`);
          printLeft(plan);
          return;
        }
        const result = await purgeDeadLetters(sqs, { queueUrl, reasons, max });
        console.log(`purged: ${result.purged} letters deleted`);
        if (result.notDeleted) console.log(`${result.notDeleted} letters were not deleted (SQS refused): they return to the queue; run purge again`);
        printLeft(result);
      } catch (error) {
        cmd.error(`dead-letters purge: ${(error as Error).message}`);
      }
    });
}

function printLeft({ left }: Pick<LetterPlan, 'left'>): void {
  for (const [why, n] of Object.entries(left)) console.log(`left in the queue: ${n} (${why})`);
}

function printLetters(letters: readonly ReceivedLetter[], queueUrl: string): void {
  if (letters.length === 0) {
    console.log(`no letters in ${queueUrl}`);
    return;
  }
  const rows = letters.map((l) => {
    const record = l.record && 'host' in l.record ? l.record : undefined;
    return [
      l.body?.reason ?? '?',
      record?.host ?? l.body?.partitionKey ?? '',
      record ? `${record.samples} (seq ${record.firstSeq}${record.lastSeq !== record.firstSeq ? `..${record.lastSeq}` : ''})` : '',
      l.body?.deadLetteredAt ?? '',
      (l.body?.message ?? l.problem ?? '').slice(0, 160),
    ];
  });
  printTable([['reason', 'host', 'samples', 'dead-lettered', 'message'], ...rows]);
  const byReason = new Map<string, number>();
  for (const l of letters) {
    const reason = l.body?.reason ?? 'not a vigil dead letter';
    byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  }
  console.log(`\n${letters.length} letters: ${[...byReason].map(([reason, n]) => `${n} ${reason}`).join(', ')}`);
}
