/**
 * Reading the dead-letter queue back (functions/score/dead-letter.ts writes it): what each letter
 * says, what its record holds when the payload can be read, and redriving records whose cause has
 * been fixed (an agent or model of the matching release deployed, a sink's refusal resolved) back
 * onto the stream, where the scoring function takes them again.
 *
 * Letters are hidden while they are read and made visible again at once, unless redriven: a
 * letter is deleted only after Kinesis took its record, so nothing is lost when a step fails.
 */
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { toPutBatches, type KinesisEntry } from '../../core/kinesis-records.js';
import { readWireRecord } from '../../core/wire.js';
import { DeadLetterBodySchema, type DeadLetterBody } from './dead-letter.js';

/** What a readable payload holds. */
export interface RecordSummary {
  readonly host: string;
  readonly samples: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Epoch ms of the first sample. */
  readonly firstTime: number;
}

export interface ReceivedLetter {
  readonly messageId: string;
  readonly receiptHandle: string;
  /** The letter; absent when the message is not a vigil dead letter (`problem` says why). */
  readonly body?: DeadLetterBody;
  readonly problem?: string;
  /** The payload's record, or why it cannot be read (for a bad record, the reason it was dead-lettered). */
  readonly record?: RecordSummary | { readonly error: string };
}

/** SQS limits: 10 messages per receive and per batch call. */
const SQS_BATCH = 10;

/**
 * Up to `max` letters, each hidden for `hideSeconds` so that every receive returns new ones; hand
 * them back with releaseLetters (or delete them) within that time.
 */
export async function receiveDeadLetters(sqs: SQSClient, queueUrl: string, max: number, hideSeconds = 120): Promise<ReceivedLetter[]> {
  const letters: ReceivedLetter[] = [];
  while (letters.length < max) {
    const got = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(SQS_BATCH, max - letters.length),
        VisibilityTimeout: hideSeconds,
        WaitTimeSeconds: 1,
      }),
    );
    const messages = got.Messages ?? [];
    if (messages.length === 0) break;
    for (const m of messages) letters.push(readLetter(m.MessageId!, m.ReceiptHandle!, m.Body ?? ''));
  }
  return letters;
}

function readLetter(messageId: string, receiptHandle: string, text: string): ReceivedLetter {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { messageId, receiptHandle, problem: `not a vigil dead letter: the body is not JSON (starts with ${JSON.stringify(text.slice(0, 40))})` };
  }
  const checked = DeadLetterBodySchema.safeParse(json);
  if (!checked.success)
    return {
      messageId,
      receiptHandle,
      problem: `not a vigil dead letter: ${checked.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`,
    };
  const body = checked.data;
  if (body.payload === undefined) return { messageId, receiptHandle, body };
  try {
    const record = readWireRecord(Buffer.from(body.payload, 'base64'));
    const seqs = record.samples.map((s) => s.seq);
    return {
      messageId,
      receiptHandle,
      body,
      record: { host: record.host, samples: seqs.length, firstSeq: Math.min(...seqs), lastSeq: Math.max(...seqs), firstTime: record.samples[0]!.t },
    };
  } catch (error) {
    return { messageId, receiptHandle, body, record: { error: (error as Error).message } };
  }
}

/** Makes letters visible again at once (they stay in the queue). */
export async function releaseLetters(sqs: SQSClient, queueUrl: string, letters: readonly ReceivedLetter[]): Promise<void> {
  for (let i = 0; i < letters.length; i += SQS_BATCH) {
    const entries = letters.slice(i, i + SQS_BATCH).map((l, k) => ({ Id: String(k), ReceiptHandle: l.receiptHandle, VisibilityTimeout: 0 }));
    await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
}

export interface RedriveResult {
  /** Records Kinesis took again. */
  readonly redriven: number;
  /**
   * Redriven letters SQS did not delete: they return to the queue after their hiding time, and a
   * second redrive scores their records again (harmless: the scoring function's writes are idempotent).
   */
  readonly notDeleted: number;
  /** Letters left in the queue, counted by why. */
  readonly left: Readonly<Record<string, number>>;
}

/**
 * Puts the records of the letters with one of `reasons` back on `streamName` under their partition
 * key, then deletes those letters. Letters of other reasons, without a payload (a sink's refused
 * results, or a record too large for a message) or that Kinesis did not take stay in the queue.
 */
export async function redriveDeadLetters(
  sqs: SQSClient,
  kinesis: KinesisClient,
  options: { readonly queueUrl: string; readonly streamName: string; readonly reasons: readonly string[]; readonly max: number },
): Promise<RedriveResult> {
  const letters = await receiveDeadLetters(sqs, options.queueUrl, options.max);
  const { chosen, keep, left } = sortLetters(letters, options.reasons, { needPayload: true });
  const count = (why: string): void => {
    left[why] = (left[why] ?? 0) + 1;
  };
  const put: ReceivedLetter[] = [];
  // Entries in the letters' order: toPutBatches keeps it, so each batch maps back to its letters.
  const entries: KinesisEntry[] = chosen.map((l) => ({
    data: Buffer.from(l.body!.payload!, 'base64'),
    partitionKey: l.body!.partitionKey,
    samples: l.record && 'samples' in l.record ? l.record.samples : 0,
  }));
  let next = 0;
  try {
    for (const batch of toPutBatches(entries)) {
      const batchLetters = chosen.slice(next, (next += batch.length));
      const out = await kinesis.send(
        new PutRecordsCommand({ StreamName: options.streamName, Records: batch.map((e) => ({ Data: e.data, PartitionKey: e.partitionKey })) }),
      );
      (out.Records ?? []).forEach((entry, i) => {
        if (entry.ErrorCode) {
          count(`Kinesis refused: ${entry.ErrorCode}`);
          keep.push(batchLetters[i]!);
        } else put.push(batchLetters[i]!);
      });
    }
  } catch (error) {
    // What was not put stays in the queue; what was put is deleted, then the error is reported.
    const unput = chosen.filter((l) => !put.includes(l) && !keep.includes(l));
    await finish(sqs, options.queueUrl, put, [...keep, ...unput]);
    throw new Error(
      `PutRecords to ${options.streamName} failed after ${put.length} records were put (their letters deleted): ${(error as Error).message}; ${unput.length} letters stay in the queue`,
      { cause: error },
    );
  }
  const notDeleted = await finish(sqs, options.queueUrl, put, keep);
  return { redriven: put.length, notDeleted, left };
}

/** The letters `reasons` choose, the others, and why each other one stays, counted. */
function sortLetters(
  letters: readonly ReceivedLetter[],
  reasons: readonly string[],
  { needPayload }: { readonly needPayload: boolean },
): { chosen: ReceivedLetter[]; keep: ReceivedLetter[]; left: Record<string, number> } {
  const left: Record<string, number> = {};
  const chosen: ReceivedLetter[] = [];
  const keep: ReceivedLetter[] = [];
  for (const letter of letters) {
    const why = !letter.body
      ? 'not a vigil dead letter'
      : !reasons.includes(letter.body.reason)
        ? `reason ${letter.body.reason} not chosen`
        : needPayload && letter.body.payload === undefined
          ? `reason ${letter.body.reason}, no payload to redrive`
          : undefined;
    if (why) {
      left[why] = (left[why] ?? 0) + 1;
      keep.push(letter);
    } else chosen.push(letter);
  }
  return { chosen, keep, left };
}

export interface LetterPlan {
  /** Letters the command would act on. */
  readonly chosen: number;
  /** Records (samples) in the chosen letters' payloads, where readable. */
  readonly samples: number;
  /** Letters it would leave in the queue, counted by why. */
  readonly left: Readonly<Record<string, number>>;
}

/**
 * What a redrive (`needPayload`) or a purge with these reasons would do, changing nothing: every
 * letter read is handed back at once.
 */
export async function planDeadLetters(
  sqs: SQSClient,
  options: { readonly queueUrl: string; readonly reasons: readonly string[]; readonly max: number; readonly needPayload: boolean },
): Promise<LetterPlan> {
  const letters = await receiveDeadLetters(sqs, options.queueUrl, options.max);
  const { chosen, left } = sortLetters(letters, options.reasons, options);
  await releaseLetters(sqs, options.queueUrl, letters);
  return { chosen: chosen.length, samples: chosen.reduce((n, l) => n + (l.record && 'samples' in l.record ? l.record.samples : 0), 0), left };
}

export interface PurgeResult {
  readonly purged: number;
  /** Chosen letters SQS did not delete: they return to the queue. */
  readonly notDeleted: number;
  readonly left: Readonly<Record<string, number>>;
}

/** Deletes the letters with one of `reasons` (records nobody will replay); every other letter stays. */
export async function purgeDeadLetters(
  sqs: SQSClient,
  options: { readonly queueUrl: string; readonly reasons: readonly string[]; readonly max: number },
): Promise<PurgeResult> {
  const letters = await receiveDeadLetters(sqs, options.queueUrl, options.max);
  const { chosen, keep, left } = sortLetters(letters, options.reasons, { needPayload: false });
  const notDeleted = await finish(sqs, options.queueUrl, chosen, keep);
  return { purged: chosen.length - notDeleted, notDeleted, left };
}

/** Deletes the letters whose records were put and hands back the others; answers how many were not deleted. */
async function finish(sqs: SQSClient, queueUrl: string, put: readonly ReceivedLetter[], keep: readonly ReceivedLetter[]): Promise<number> {
  let notDeleted = 0;
  for (let i = 0; i < put.length; i += SQS_BATCH) {
    const entries = put.slice(i, i + SQS_BATCH).map((l, k) => ({ Id: String(k), ReceiptHandle: l.receiptHandle }));
    const out = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    notDeleted += out.Failed?.length ?? 0;
  }
  await releaseLetters(sqs, queueUrl, keep);
  return notDeleted;
}
