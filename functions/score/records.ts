/**
 * Reading a Kinesis batch: each record becomes an accepted wire record or a rejection with the
 * dead-letter reason. Pure; a bad record never throws the batch.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { FEATURE_SET_VERSION } from '../../core/features.js';
import { FeatureRows } from '../../core/feature-rows.js';
import { readWireRecordInto, WireRecordError, type WireErrorKind, type WireRecordHead } from '../../core/wire.js';

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
  /** Position in the event's Records (originOf gives the rest, when a failure must name it). */
  readonly index: number;
  /** Its features are in the batch's feature rows (ReadBatch.features). */
  readonly record: WireRecordHead;
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
  // Every record carries at least one sample; the rows grow (doubling) as more are read.
  const rows = new FeatureRows(modelFeatureCount, Math.max(64, records.length * 2));
  records.forEach((r, index) => {
    const reject = (reason: RejectReason, message: string): void => {
      rejected.push({ origin: originOf(r, index), reason, message, dataBase64: r.kinesis.data });
    };
    const firstRow = rows.rows;
    let record: WireRecordHead;
    try {
      record = readWireRecordInto(Buffer.from(r.kinesis.data, 'base64'), rows);
    } catch (error) {
      if (error instanceof WireRecordError) return reject(error.kind, error.message);
      return reject('garbage', `wire record could not be read: ${(error as Error).message}`);
    }
    if (record.fs !== FEATURE_SET_VERSION) {
      rows.truncate(firstRow);
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
    accepted.push({ index, record });
  });
  return { accepted, rejected, features: rows.matrix() };
}
