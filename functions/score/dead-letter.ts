/**
 * The dead-letter queue (SQS): records that cannot be scored, and results a sink refused for good,
 * each as one JSON message with the reason, the shard, the sequence number and the payload.
 * A payload too large for a message is replaced by a pointer to the record in the stream
 * (stream ARN, shard, sequence number) and its first bytes.
 * Messages the queue did not take after retries come back as failures: their Kinesis records are
 * reported as batch item failures, so they are delivered and dead-lettered again, never lost.
 */
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { DEFAULT_RETRY_POLICY, inParallel, isTransientAwsError, withRetries, type RetryPolicy } from '../sinks/retry.js';
import { errorText } from '../sinks/sink.js';
import type { RecordOrigin } from './records.js';

/** SQS takes 256 KiB per message and per SendMessageBatch; keep room for the envelope. */
const MAX_MESSAGE_BYTES = 250 * 1024;
const MAX_PAYLOAD_BASE64_CHARS = 200 * 1024;
const PAYLOAD_HEAD_CHARS = 1024;
const MAX_BATCH_ENTRIES = 10;

export interface DeadLetter {
  readonly reason: string;
  readonly message: string;
  readonly origin: RecordOrigin;
  /** The record's data (base64), when the record itself is the problem. */
  readonly payloadBase64?: string;
  /** Extra facts, e.g. the sink and the samples it refused. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** One dead-letter message's JSON body: what deadLetterBody writes and `vigil dead-letters` reads back. */
export const DeadLetterBodySchema = z.object({
  reason: z.string(),
  message: z.string(),
  shardId: z.string(),
  sequenceNumber: z.string(),
  partitionKey: z.string(),
  eventSourceARN: z.string(),
  approximateArrivalTimestamp: z.number(),
  deadLetteredAt: z.string(),
  payload: z.string().optional(),
  payloadEncoding: z.literal('base64').optional(),
  payloadTruncated: z.object({ head: z.string(), base64Chars: z.number(), readFrom: z.string() }).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type DeadLetterBody = z.infer<typeof DeadLetterBodySchema>;

export function deadLetterBody(letter: DeadLetter, now: Date): DeadLetterBody {
  const { origin, payloadBase64 } = letter;
  const body = {
    reason: letter.reason,
    message: letter.message,
    shardId: origin.shardId,
    sequenceNumber: origin.sequenceNumber,
    partitionKey: origin.partitionKey,
    eventSourceARN: origin.eventSourceARN,
    approximateArrivalTimestamp: origin.approximateArrivalTimestamp,
    deadLetteredAt: now.toISOString(),
    ...(letter.details ? { details: letter.details } : {}),
  };
  if (payloadBase64 === undefined) return body;
  if (payloadBase64.length <= MAX_PAYLOAD_BASE64_CHARS) return { ...body, payload: payloadBase64, payloadEncoding: 'base64' };
  return {
    ...body,
    payloadTruncated: {
      head: payloadBase64.slice(0, PAYLOAD_HEAD_CHARS),
      base64Chars: payloadBase64.length,
      readFrom: `GetShardIterator AT_SEQUENCE_NUMBER ${origin.sequenceNumber} on ${origin.shardId} of ${origin.eventSourceARN} (within the stream's retention)`,
    },
  };
}

export interface DeadLetterResult {
  readonly sent: number;
  /** Letters the queue did not take: by index into the letters given. */
  readonly failed: readonly number[];
  readonly error?: string;
}

export class DeadLetterQueue {
  constructor(
    private readonly client: SQSClient,
    readonly queueUrl: string,
    private readonly retry: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  async send(letters: readonly DeadLetter[], now = new Date()): Promise<DeadLetterResult> {
    const groups: { entries: SendMessageBatchRequestEntry[]; bytes: number }[] = [];
    letters.forEach((letter, i) => {
      const body = JSON.stringify(deadLetterBody(letter, now));
      const bytes = Buffer.byteLength(body);
      let group = groups[groups.length - 1];
      if (!group || group.entries.length === MAX_BATCH_ENTRIES || group.bytes + bytes > MAX_MESSAGE_BYTES) groups.push((group = { entries: [], bytes: 0 }));
      group.entries.push({ Id: String(i), MessageBody: body });
      group.bytes += bytes;
    });
    const results = await inParallel(
      groups.map((g) => () => this.sendGroup(g.entries)),
      4,
    );
    const failed = results.flatMap((r) => r.failed);
    const error = results.map((r) => r.error).find((e) => e !== undefined);
    return { sent: letters.length - failed.length, failed, ...(error ? { error: `SendMessageBatch to ${this.queueUrl} failed after retries: ${error}` } : {}) };
  }

  /** Sends a group, retrying the entries SQS failed; returns the indices still not sent. */
  private async sendGroup(entries: SendMessageBatchRequestEntry[]): Promise<{ failed: number[]; error?: string }> {
    let pending = entries;
    try {
      await withRetries(
        async () => {
          const out = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }));
          const failedIds = new Set((out.Failed ?? []).map((f) => f.Id));
          pending = pending.filter((e) => failedIds.has(e.Id));
          if (pending.length) {
            const first = out.Failed![0]!;
            throw Object.assign(new Error(`SQS did not take ${pending.length} messages: ${first.Code}: ${first.Message}`), { $retryable: !first.SenderFault });
          }
        },
        isTransientAwsError,
        this.retry,
      );
      return { failed: [] };
    } catch (error) {
      return { failed: pending.map((e) => Number(e.Id)), error: errorText(error) };
    }
  }
}
