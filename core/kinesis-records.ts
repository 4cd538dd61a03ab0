/**
 * Samples -> Kinesis entries: several samples of a host per wire record (partition key = host id),
 * each record kept within one 25 KB PUT payload unit when it can be, and the entries grouped into
 * PutRecords calls within the API limits (500 entries, 5 MiB).
 */
import { encodeWireRecord, WIRE_MAX_SAMPLES, WIRE_VERSION, WireRecordError, type WireSample } from './wire.js';

/** Kinesis bills PutRecords by 25 KB payload units per record. */
export const PUT_UNIT_BYTES = 25 * 1024;
export const PUT_RECORDS_MAX_ENTRIES = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;

export interface RecordHeader {
  readonly host: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** Feature-set version of the samples' vectors. */
  readonly fs: number;
}

export interface KinesisEntry {
  readonly data: Uint8Array;
  readonly partitionKey: string;
  /** Samples inside, for counting. */
  readonly samples: number;
}

/** Consecutive samples packed into as few records as fit in one PUT unit each; order kept. */
export function toEntries(header: RecordHeader, samples: readonly WireSample[], maxSamplesPerRecord = 60): KinesisEntry[] {
  const entries: KinesisEntry[] = [];
  const perRecord = Math.max(1, Math.min(maxSamplesPerRecord, WIRE_MAX_SAMPLES));
  for (let i = 0; i < samples.length; i += perRecord) pack(header, samples.slice(i, i + perRecord), entries);
  return entries;
}

function pack(header: RecordHeader, samples: readonly WireSample[], out: KinesisEntry[]): void {
  let data: Uint8Array | undefined;
  try {
    data = encodeWireRecord({
      v: WIRE_VERSION,
      host: header.host,
      ...(header.tags && Object.keys(header.tags).length > 0 ? { tags: { ...header.tags } } : {}),
      fs: header.fs,
      samples: [...samples],
    });
  } catch (error) {
    // Over the wire record limit: split like an over-unit record; anything else is the caller's to handle.
    if (!(error instanceof WireRecordError && error.kind === 'oversize' && samples.length > 1)) throw error;
  }
  if (data && (data.length <= PUT_UNIT_BYTES || samples.length === 1)) {
    out.push({ data, partitionKey: header.host, samples: samples.length });
    return;
  }
  const half = Math.ceil(samples.length / 2);
  pack(header, samples.slice(0, half), out);
  pack(header, samples.slice(half), out);
}

/** Splits entries into PutRecords calls within the per-call limits, order kept. */
export function toPutBatches(entries: readonly KinesisEntry[]): KinesisEntry[][] {
  const batches: KinesisEntry[][] = [];
  let current: KinesisEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entry.data.length + Buffer.byteLength(entry.partitionKey);
    if (current.length > 0 && (current.length >= PUT_RECORDS_MAX_ENTRIES || bytes + size > PUT_RECORDS_MAX_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** PUT payload units Kinesis bills for one record. */
export function putUnits(entry: Pick<KinesisEntry, 'data'>): number {
  return Math.max(1, Math.ceil(entry.data.length / PUT_UNIT_BYTES));
}
