/**
 * Reading a Kinesis batch: each record becomes an accepted wire record or a rejection with the
 * dead-letter reason. Pure; a bad record never throws the batch.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { FEATURE_SET_VERSION } from '../../core/features.js';
import type { BatchOrigin } from '../sinks/sink.js';
import { BandValues, FeatureRows } from '../../core/feature-rows.js';
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

/** A batch's shard and sequence range (Lambda hands a function one shard's records per batch). */
export function batchOrigin(records: readonly KinesisStreamRecord[]): BatchOrigin {
  const first = originOf(records[0]!, 0);
  return { shardId: first.shardId, firstSequence: first.sequenceNumber, lastSequence: records[records.length - 1]!.kinesis.sequenceNumber };
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

/**
 * Each record's bytes, decoded into one buffer reused record after record (and batch after batch):
 * the reader keeps nothing of them (texts and features are copied out), and a new buffer per record
 * made V8 collect garbage for the memory outside its heap.
 */
let decoded = Buffer.allocUnsafe(64 * 1024);

function decodeBase64(data: string): Buffer {
  // Base64 decodes to at most 3 bytes per 4 characters.
  const most = Math.ceil((data.length * 3) / 4);
  if (decoded.length < most) decoded = Buffer.allocUnsafe(Math.max(most, 2 * decoded.length));
  return decoded.subarray(0, decoded.write(data, 'base64'));
}

/** Decodes and validates every record; checks feature-set version and width against the model's. */
export function readBatch(records: readonly KinesisStreamRecord[], modelFeatureCount: number): ReadBatch {
  const accepted: AcceptedRecord[] = [];
  const rejected: RejectedRecord[] = [];
  // Every record carries at least one sample; the rows grow (doubling) as more are read.
  const rows = new FeatureRows(modelFeatureCount, Math.max(64, records.length * 2));
  // Each sample's band: 10 metrics' normal and scale for vigil's agent.
  const bands = new BandValues(Math.max(64, records.length * 20));
  for (let index = 0; index < records.length; index++) {
    const r = records[index]!;
    const firstRow = rows.rows;
    const firstBand = bands.length;
    let record: WireRecordHead;
    try {
      record = readWireRecordInto(decodeBase64(r.kinesis.data), rows, bands);
    } catch (error) {
      if (error instanceof WireRecordError) rejected.push(rejection(r, index, error.kind, error.message));
      else rejected.push(rejection(r, index, 'garbage', `wire record could not be read: ${(error as Error).message}`));
      continue;
    }
    if (record.fs !== FEATURE_SET_VERSION) {
      rows.truncate(firstRow);
      bands.truncate(firstBand);
      rejected.push(
        rejection(
          r,
          index,
          'feature_set_version',
          `record of host ${record.host} carries feature-set version ${record.fs}, this scoring function computes version ${FEATURE_SET_VERSION}: run agent and scoring function from the same vigil release`,
        ),
      );
    } else if (record.width !== modelFeatureCount) {
      rejected.push(
        rejection(
          r,
          index,
          'feature_count',
          `record of host ${record.host} carries ${record.width} features per sample, the model takes ${modelFeatureCount}: run agent and model from the same vigil release`,
        ),
      );
    } else {
      accepted.push({ index, record });
    }
  }
  return { accepted, rejected, features: rows.matrix() };
}

function rejection(r: KinesisStreamRecord, index: number, reason: RejectReason, message: string): RejectedRecord {
  return { origin: originOf(r, index), reason, message, dataBase64: r.kinesis.data };
}
