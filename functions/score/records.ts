/**
 * Reading a Kinesis batch: each record becomes an accepted wire record or a rejection with the
 * dead-letter reason. Pure; a bad record never throws the batch.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { FEATURE_SET_VERSION } from '../../core/features.js';
import { readWireRecord, WireRecordError, type ReadWireRecord, type WireErrorKind } from '../../core/wire.js';

export type RejectReason = WireErrorKind | 'feature_set_version' | 'feature_count';

/** Where a record came from: what a dead letter and a batch item failure name. */
export interface RecordOrigin {
  /** Position in the event's Records. */
  readonly index: number;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly eventSourceARN: string;
  readonly approximateArrivalTimestamp: number;
}

export interface AcceptedRecord {
  readonly origin: RecordOrigin;
  readonly record: ReadWireRecord;
}

export interface RejectedRecord {
  readonly origin: RecordOrigin;
  readonly reason: RejectReason;
  readonly message: string;
  /** The record's data as Lambda delivered it (base64). */
  readonly dataBase64: string;
}

export interface ReadBatch {
  readonly accepted: AcceptedRecord[];
  readonly rejected: RejectedRecord[];
  /** The accepted samples' features, in their order: one row of the model's width per sample. */
  readonly features: Float32Array;
}

export function originOf(r: KinesisStreamRecord, index: number): RecordOrigin {
  // eventID is "<shardId>:<sequenceNumber>".
  const colon = r.eventID.lastIndexOf(':');
  return {
    index,
    shardId: colon > 0 ? r.eventID.slice(0, colon) : r.eventID,
    sequenceNumber: r.kinesis.sequenceNumber,
    partitionKey: r.kinesis.partitionKey,
    eventSourceARN: r.eventSourceARN,
    approximateArrivalTimestamp: r.kinesis.approximateArrivalTimestamp,
  };
}

/** Decodes and validates every record; checks feature-set version and width against the model's. */
export function readBatch(records: readonly KinesisStreamRecord[], modelFeatureCount: number): ReadBatch {
  const accepted: AcceptedRecord[] = [];
  const rejected: RejectedRecord[] = [];
  let rows = 0;
  records.forEach((r, index) => {
    const origin = originOf(r, index);
    const reject = (reason: RejectReason, message: string): void => {
      rejected.push({ origin, reason, message, dataBase64: r.kinesis.data });
    };
    let record: ReadWireRecord;
    try {
      record = readWireRecord(Buffer.from(r.kinesis.data, 'base64'));
    } catch (error) {
      if (error instanceof WireRecordError) return reject(error.kind, error.message);
      return reject('garbage', `wire record could not be read: ${(error as Error).message}`);
    }
    if (record.fs !== FEATURE_SET_VERSION) {
      return reject(
        'feature_set_version',
        `record of host ${record.host} carries feature-set version ${record.fs}, this scoring function computes version ${FEATURE_SET_VERSION}: run agent and scoring function from the same vigil release`,
      );
    }
    if (record.width !== modelFeatureCount) {
      return reject(
        'feature_count',
        `record of host ${record.host} carries ${record.width} features per sample, the model takes ${modelFeatureCount}: run agent and model from the same vigil release`,
      );
    }
    accepted.push({ origin, record });
    rows += record.samples.length;
  });
  const features = new Float32Array(rows * modelFeatureCount);
  let at = 0;
  for (const { record } of accepted) {
    features.set(record.features, at);
    at += record.features.length;
  }
  return { accepted, rejected, features };
}
