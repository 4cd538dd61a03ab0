/**
 * The failure policy of a Kinesis batch, as pure decisions on what the batch came to (no I/O, no
 * metrics, no logs): which record delivery resumes from, which dead letters to send, what to
 * answer Lambda. processKinesisBatch does the I/O between them.
 *
 * Rules: a bad record is dead-lettered and the rest of the batch goes on; a sink that fails after
 * its retries, or a dead letter the queue did not take, makes the batch answer with the lowest
 * failed record's sequence number, so Lambda delivers again from there. Writes are idempotent, so
 * records after it that were already stored are rewritten, not duplicated; dead letters are only
 * sent for records before it, so none is sent twice.
 */
import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import type { ScoredSample } from '../../core/scored-sample.js';
import type { SinkOutcome } from '../sinks/sink.js';
import type { DeadLetter } from './dead-letter.js';
import { originOf, type RejectedRecord } from './records.js';
import type { ScoredBatch } from './score-batch.js';

/**
 * The first record (index into the event's Records) with a sample some sink failed to store
 * after its retries; `recordCount` when there is none. `recordIndex`: each sample's record.
 */
export function firstFailedRecord(recordCount: number, outcomes: readonly Pick<SinkOutcome, 'failed'>[], recordIndex: ArrayLike<number>): number {
  let first = recordCount;
  for (const outcome of outcomes) for (const i of outcome.failed) first = Math.min(first, recordIndex[i]!);
  return first;
}

/**
 * Results a sink refused for good, as dead letters: one per record, sink and kind, naming the sink
 * and the refused samples (what identifies them, not their metrics), with the record's payload so
 * `vigil dead-letters redrive` can put it back once the cause is fixed. Reason `sink_too_old` for
 * samples older than the sink takes any more, `sink_rejected` for any other refusal.
 */
export function refusedResults(
  outcomes: readonly Pick<SinkOutcome, 'sink' | 'rejected'>[],
  scored: Pick<ScoredBatch, 'samples' | 'recordIndex'>,
  records: readonly KinesisStreamRecord[],
): DeadLetter[] {
  const letters: DeadLetter[] = [];
  for (const outcome of outcomes) {
    for (const rejection of outcome.rejected) {
      const byRecord = new Map<number, number[]>();
      for (const i of rejection.indices) {
        const r = scored.recordIndex[i]!;
        byRecord.set(r, [...(byRecord.get(r) ?? []), i]);
      }
      for (const [recordIndex, indices] of byRecord) {
        letters.push({
          reason: rejection.kind === 'too_old' ? 'sink_too_old' : 'sink_rejected',
          message: rejection.reason,
          origin: originOf(records[recordIndex]!, recordIndex),
          payloadBase64: records[recordIndex]!.kinesis.data,
          details: {
            sink: outcome.sink,
            samples: indices.map((i) => {
              const s = scored.samples[i]!;
              return { host: s.host, seq: s.seq, time: s.time, score: s.score, severity: s.severity, modelVersion: s.modelVersion };
            }),
          },
        });
      }
    }
  }
  return letters;
}

/**
 * The dead letters to send: bad records (with their payload), then refused results; only those of
 * records before `firstFailed`, since the rest are delivered again and would be dead-lettered twice.
 */
export function lettersToSend(rejected: readonly RejectedRecord[], refused: readonly DeadLetter[], firstFailed: number): DeadLetter[] {
  return [...rejected.map((r): DeadLetter => ({ reason: r.reason, message: r.message, origin: r.origin, payloadBase64: r.dataBase64 })), ...refused].filter(
    (letter) => letter.origin.index < firstFailed,
  );
}

/**
 * The first failed record once the queue answered: a letter it did not take (`notTaken`, indices
 * into `letters`) fails its record, which is then delivered and dead-lettered again.
 */
export function firstFailedAfterLetters(firstFailed: number, letters: readonly DeadLetter[], notTaken: readonly number[]): number {
  let first = firstFailed;
  for (const i of notTaken) first = Math.min(first, letters[i]!.origin.index);
  return first;
}

export interface DeadLetterCounts {
  /** Bad records the queue took (letters with the record's payload). */
  readonly records: number;
  /** Refused results the queue took. */
  readonly results: number;
  /** Letters the queue did not take. */
  readonly notTaken: number;
}

export function deadLetterCounts(letters: readonly DeadLetter[], notTaken: readonly number[]): DeadLetterCounts {
  const missing = new Set(notTaken);
  let records = 0;
  let results = 0;
  letters.forEach((letter, i) => {
    if (missing.has(i)) return;
    if (letter.details?.sink !== undefined) results++;
    else records++;
  });
  return { records, results, notTaken: notTaken.length };
}

/**
 * What Lambda is answered: nothing when every record went through (`firstFailed` is past the last
 * one), else the first failed record, since Lambda delivers a Kinesis batch again from the lowest
 * sequence number it is given.
 */
export function batchAnswer(records: readonly KinesisStreamRecord[], firstFailed: number): KinesisStreamBatchResponse {
  const failed = records[firstFailed];
  return { batchItemFailures: failed ? [{ itemIdentifier: failed.kinesis.sequenceNumber }] : [] };
}

/**
 * Samples of a batch that claim the host and time of an earlier sample of the batch with other
 * values (sequence number or metrics): two hosts sharing one host id. Indices of the later ones.
 */
export function conflictingSamples(samples: readonly Pick<ScoredSample, 'host' | 'time' | 'seq' | 'metrics'>[]): number[] {
  const first = new Map<string, number>();
  const conflicts: number[] = [];
  samples.forEach((s, i) => {
    const key = `${s.host}\u0000${s.time}`;
    const seen = first.get(key);
    if (seen === undefined) first.set(key, i);
    else if (!sameSample(samples[seen]!, s)) conflicts.push(i);
  });
  return conflicts;
}

function sameSample(a: Pick<ScoredSample, 'seq' | 'metrics'>, b: Pick<ScoredSample, 'seq' | 'metrics'>): boolean {
  if (a.seq !== b.seq) return false;
  const keys = Object.keys(a.metrics);
  return keys.length === Object.keys(b.metrics).length && keys.every((k) => Object.is(a.metrics[k], b.metrics[k]));
}
