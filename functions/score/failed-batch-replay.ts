/**
 * Replaying the batches Lambda's Kinesis trigger gave up on. Its on-failure destination (the
 * FailedBatches queue) holds, per batch, only where the records are: the shard and the range of
 * sequence numbers (KinesisBatchInfo), not the records. A replay reads that range back from the
 * stream (within its retention) and puts the records on the stream again under their partition
 * keys, where the scoring function takes them like new ones; then the message is deleted.
 * Scoring is idempotent, so records of a range that were stored before are rewritten, not added.
 *
 * A message is deleted only after every record of its range was put; one whose range cannot be
 * read any more (past the stream's retention) or that is not a failed-batch message stays in the
 * queue, with the reason in the result.
 */
import { GetRecordsCommand, GetShardIteratorCommand, PutRecordsCommand, type KinesisClient, type _Record } from '@aws-sdk/client-kinesis';
import { DeleteMessageCommand, ReceiveMessageCommand, ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { toPutBatches, type KinesisEntry } from '../../core/kinesis-records.js';

/** What Lambda's Kinesis event source mapping sends its on-failure destination (the fields a replay needs). */
export const FailedBatchSchema = z.object({
  KinesisBatchInfo: z.object({
    shardId: z.string(),
    startSequenceNumber: z.string(),
    endSequenceNumber: z.string(),
    streamArn: z.string(),
    batchSize: z.number().optional(),
  }),
});
export type FailedBatch = z.infer<typeof FailedBatchSchema>;

export interface ReplayResult {
  /** Messages whose records were all put back on the stream (then deleted). */
  readonly replayed: number;
  /** Records put back. */
  readonly records: number;
  /** Messages left in the queue, each with why. */
  readonly left: readonly { readonly messageId: string; readonly why: string }[];
}

/** The stream name of a stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME). */
export function streamNameOf(arn: string): string {
  const match = /:stream\/([^/]+)$/.exec(arn);
  if (!match) throw new Error(`${JSON.stringify(arn)} is not a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)`);
  return match[1]!;
}

/** Sequence numbers are decimal strings of up to 128 bits: compared as big integers. */
const seq = (s: string): bigint => BigInt(s);

/** The records of the range, read from the stream; fails when the range is no longer there. */
/** Empty pages at the shard's tip read again, a pause apart, before the range counts as read. */
const EMPTY_PAGES_AT_TIP = 3;
const EMPTY_PAGE_PAUSE_MS = 250;

export async function readRange(kinesis: KinesisClient, batch: FailedBatch['KinesisBatchInfo'], maxRecords = 100_000): Promise<_Record[]> {
  const StreamName = streamNameOf(batch.streamArn);
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName,
      ShardId: batch.shardId,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      StartingSequenceNumber: batch.startSequenceNumber,
    }),
  );
  const start = seq(batch.startSequenceNumber);
  const end = seq(batch.endSequenceNumber);
  const records: _Record[] = [];
  let iterator = ShardIterator;
  // An empty page at the shard's tip can come before records that are in the range (Kinesis may
  // answer GetRecords with nothing while it catches up): ask again a few times before giving up.
  let emptyAtTip = 0;
  while (iterator) {
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    for (const record of page.Records ?? []) {
      const at = seq(record.SequenceNumber!);
      // Before the range: kinesis-mock (LocalStack) can start an AT_SEQUENCE_NUMBER iterator a record early.
      if (at < start) continue;
      if (at > end) return checked(records, batch, start);
      records.push(record);
      if (records.length > maxRecords) throw new Error(`the range holds more than ${maxRecords} records; replay it in parts`);
    }
    if (page.Records?.length) emptyAtTip = 0;
    else if ((page.MillisBehindLatest ?? 0) === 0 && ++emptyAtTip > EMPTY_PAGES_AT_TIP) break;
    else if ((page.MillisBehindLatest ?? 0) === 0) await new Promise((resolve) => setTimeout(resolve, EMPTY_PAGE_PAUSE_MS));
    iterator = page.NextShardIterator;
  }
  return checked(records, batch, start);
}

function checked(records: _Record[], batch: FailedBatch['KinesisBatchInfo'], start: bigint): _Record[] {
  if (records.length === 0 || seq(records[0]!.SequenceNumber!) !== start)
    throw new Error(
      `the records from ${batch.startSequenceNumber} on ${batch.shardId} are no longer in the stream (past its retention?); they cannot be replayed from it` +
        (records.length ? ` (the stream starts there at ${records[0]!.SequenceNumber})` : ' (the stream holds nothing there)'),
    );
  return records;
}

/**
 * Replays up to `max` failed batches from `queueUrl` onto `streamName` (by default the stream each
 * batch came from).
 */
export async function replayFailedBatches(
  sqs: SQSClient,
  kinesis: KinesisClient,
  options: { readonly queueUrl: string; readonly streamName?: string; readonly max: number; readonly hideSeconds?: number },
): Promise<ReplayResult> {
  let replayed = 0;
  let records = 0;
  const left: { messageId: string; why: string }[] = [];
  const hidden: string[] = [];
  try {
    while (replayed + left.length < options.max) {
      const got = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: Math.min(10, options.max - replayed - left.length),
          VisibilityTimeout: options.hideSeconds ?? 300,
          WaitTimeSeconds: 1,
        }),
      );
      const messages = got.Messages ?? [];
      if (messages.length === 0) break;
      for (const message of messages) {
        const messageId = message.MessageId!;
        let batch: FailedBatch;
        try {
          batch = FailedBatchSchema.parse(JSON.parse(message.Body ?? ''));
        } catch {
          left.push({ messageId, why: 'not a failed-batch message (no KinesisBatchInfo with shardId, startSequenceNumber, endSequenceNumber, streamArn)' });
          hidden.push(message.ReceiptHandle!);
          continue;
        }
        try {
          const range = await readRange(kinesis, batch.KinesisBatchInfo);
          await putAll(kinesis, options.streamName ?? streamNameOf(batch.KinesisBatchInfo.streamArn), range);
          await sqs.send(new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle! }));
          replayed++;
          records += range.length;
        } catch (error) {
          left.push({ messageId, why: (error as Error).message });
          hidden.push(message.ReceiptHandle!);
        }
      }
    }
  } finally {
    // What stays is made visible again at once.
    for (const handle of hidden)
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: options.queueUrl, ReceiptHandle: handle, VisibilityTimeout: 0 }));
  }
  return { replayed, records, left };
}

/** Puts every record (data and partition key as they were), retrying the entries Kinesis refused a few times. */
async function putAll(kinesis: KinesisClient, streamName: string, records: readonly _Record[]): Promise<void> {
  const entries: KinesisEntry[] = records.map((r) => ({ data: r.Data!, partitionKey: r.PartitionKey!, samples: 0 }));
  for (const batch of toPutBatches(entries)) {
    let pending = batch;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const out = await kinesis.send(
        new PutRecordsCommand({ StreamName: streamName, Records: pending.map((e) => ({ Data: e.data, PartitionKey: e.partitionKey })) }),
      );
      const refused = pending.filter((_, i) => out.Records?.[i]?.ErrorCode);
      if (refused.length && attempt >= 5) {
        const first = out.Records!.find((r) => r.ErrorCode)!;
        throw new Error(
          `Kinesis refused ${refused.length} records after ${attempt} tries (${first.ErrorCode}: ${first.ErrorMessage}); the message stays in the queue`,
        );
      }
      pending = refused;
      if (pending.length) await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}
