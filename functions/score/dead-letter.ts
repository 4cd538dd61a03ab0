/**
 * The dead-letter queue (SQS): records that cannot be scored, and results a sink refused for good,
 * each as one JSON message with the reason, the shard, the sequence number and the payload.
 * A payload too large for a message is replaced by a pointer to the record in the stream
 * (stream ARN, shard, sequence number) and its first bytes.
 * Messages the queue did not take after retries come back as failures: their Kinesis records are
 * reported as batch item failures, so they are delivered and dead-lettered again, never lost.
 */
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetterReason } from './dead-letter-reasons.js';
import * as z from 'zod';
import { DEFAULT_RETRY_POLICY, isTransientAwsError, withRetries, type RetryPolicy } from '../sinks/retry.js';
import { errorText } from '../sinks/sink.js';
import type { RecordOrigin } from './records.js';

/** SQS takes 256 KiB per message and per SendMessageBatch; keep room for the envelope. */
const MAX_MESSAGE_BYTES = 250 * 1024;
const MAX_PAYLOAD_BASE64_CHARS = 200 * 1024;
const PAYLOAD_HEAD_CHARS = 1024;
const MAX_BATCH_ENTRIES = 10;

export interface DeadLetter {
  /** One of the reasons `vigil dead-letters` knows (functions/score/dead-letter-reasons.ts). */
  readonly reason: DeadLetterReason;
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

/**
 * What identifies a letter across deliveries of its record: shard, sequence number, reason and the
 * sink that refused it (a record has one letter per reason and sink).
 */
export function letterKey(letter: DeadLetter): string {
  const sink = letter.details?.sink;
  return `${letter.origin.shardId}/${letter.origin.sequenceNumber}/${letter.reason}/${typeof sink === 'string' ? sink : ''}`;
}

/** Letters this instance sent, remembered so a redelivered record is not dead-lettered twice; bounded. */
const SENT_MEMORY = 20_000;

export class DeadLetterQueue {
  /** Keys of letters the queue took (letterKey), oldest first. */
  private readonly sentKeys = new Set<string>();

  constructor(
    private readonly client: SQSClient,
    readonly queueUrl: string,
    private readonly retry: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  /**
   * Sends the letters in record order, one SendMessageBatch after the other, and stops at the
   * first letter the queue did not take after retries: the letters of later records are then not
   * sent (reported failed; their records are delivered again from the failed one). Letters this
   * instance already sent for a record delivered again are not sent twice (they count as sent).
   * Together: each record is dead-lettered once, unless a redelivery lands on another instance
   * after a batch call that SQS took in part.
   */
  async send(letters: readonly DeadLetter[], now = new Date()): Promise<DeadLetterResult> {
    const order = letters.map((_, i) => i).sort((a, b) => letters[a]!.origin.index - letters[b]!.origin.index || a - b);
    const groups: { entries: SendMessageBatchRequestEntry[]; bytes: number }[] = [];
    for (const i of order) {
      if (this.sentKeys.has(letterKey(letters[i]!))) continue;
      const body = JSON.stringify(deadLetterBody(letters[i]!, now));
      const bytes = Buffer.byteLength(body);
      let group = groups[groups.length - 1];
      if (!group || group.entries.length === MAX_BATCH_ENTRIES || group.bytes + bytes > MAX_MESSAGE_BYTES) groups.push((group = { entries: [], bytes: 0 }));
      group.entries.push({ Id: String(i), MessageBody: body });
      group.bytes += bytes;
    }
    const failed: number[] = [];
    let error: string | undefined;
    for (const [g, group] of groups.entries()) {
      const result = await this.sendGroup(group.entries);
      const notTaken = new Set(result.failed);
      for (const entry of group.entries) if (!notTaken.has(Number(entry.Id))) this.remember(letterKey(letters[Number(entry.Id)]!));
      if (result.failed.length) {
        failed.push(...result.failed, ...groups.slice(g + 1).flatMap((later) => later.entries.map((e) => Number(e.Id))));
        error = result.error;
        break;
      }
    }
    return { sent: letters.length - failed.length, failed, ...(error ? { error: `SendMessageBatch to ${this.queueUrl} failed after retries: ${error}` } : {}) };
  }

  private remember(key: string): void {
    this.sentKeys.add(key);
    if (this.sentKeys.size > SENT_MEMORY) this.sentKeys.delete(this.sentKeys.values().next().value!);
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
