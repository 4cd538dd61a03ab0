/**
 * decodeWireRecord with a fast path for the hot loop of the scoring function.
 *
 * Validating every sample through zod costs about as much as scoring it, so a record is first
 * checked by hand against the same rules (conservatively: anything unusual goes to the slow path),
 * and each sample's features are read from their base64 float32 text straight into the batch's
 * feature rows (FeatureRows: the matrix the model scores), without an array per sample. A record
 * the fast check cannot vouch for is decoded by decodeWireRecord, which stays the one definition of
 * the format and of every error message. test/functions/fast-decode.test.ts keeps the two in
 * agreement.
 *
 * The gzip records of a batch are inflated by one zlib call (gunzipRecords): a gunzip per record
 * costs a zlib stream and a 16 KiB buffer each, more than inflating a small record.
 */
import { crc32, gunzipSync } from 'node:zlib';
import { METRIC_NAME_PATTERN } from '../../core/host-metrics.js';
import {
  decodeFeatures,
  decodeWireRecord,
  WIRE_FEATURE_BYTES,
  HostIdSchema,
  TagsSchema,
  WIRE_MAX_BYTES,
  WIRE_MAX_DECODED_BYTES,
  WIRE_MAX_SAMPLES,
  WIRE_VERSION,
  type WireRecord,
  type WireSample,
} from '../../core/wire.js';

/**
 * A decoded wire record as the scoring function uses it. The fast path reads features into the
 * batch's FeatureRows, so its samples carry none; a record from the slow path carries them too.
 */
export type ScoringSample = Omit<WireSample, 'f'> & { readonly f?: ArrayLike<number> };
export type ScoringRecord = Omit<WireRecord, 'samples'> & { readonly samples: ScoringSample[] };

const RECORD_KEYS = new Set(['v', 'host', 'tags', 'fs', 'samples']);
const SAMPLE_KEYS = 4; // seq, t, m, f
// The sample time bounds of WireSampleSchema (2000-01-01 to 2100-01-01); the agreement test pins them.
const MIN_TIME_MS = Date.UTC(2000, 0, 1);
const MAX_TIME_MS = Date.UTC(2100, 0, 1);

/**
 * Host ids and tag sets repeat across a fleet's records: each distinct one is checked by the shared
 * zod schema once and remembered (bounded, so a flood of distinct values cannot grow it forever).
 */
class CheckedValues {
  private readonly seen = new Map<string, boolean>();
  constructor(
    private readonly check: (value: unknown) => boolean,
    private readonly limit = 10_000,
  ) {}
  ok(key: string, value: unknown): boolean {
    let ok = this.seen.get(key);
    if (ok === undefined) {
      ok = this.check(value);
      if (this.seen.size >= this.limit) this.seen.clear();
      this.seen.set(key, ok);
    }
    return ok;
  }
}
const hosts = new CheckedValues((v) => HostIdSchema.safeParse(v).success);
const metricNames = new CheckedValues((v) => METRIC_NAME_PATTERN.test(v as string));
const tagSets = new CheckedValues((v) => TagsSchema.safeParse(v).success);

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The feature rows of a batch, row-major float32, `width` values per sample, grown as records are
 * read: what the model scores, in the order of the samples read.
 */
export class FeatureRows {
  rows = 0;
  private data: Float32Array;
  private bytes: Buffer;

  constructor(
    readonly width: number,
    capacityRows = 1024,
  ) {
    this.data = new Float32Array(Math.max(1, capacityRows) * width);
    this.bytes = Buffer.from(this.data.buffer);
  }

  /**
   * Appends one row from its wire text (base64 of little-endian float32, core/wire.ts), when the
   * text is exactly one row of finite values by decodeFeatures's rules; else appends nothing and
   * answers false.
   */
  appendBase64(text: string): boolean {
    const { width } = this;
    const size = width * WIRE_FEATURE_BYTES;
    const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
    if (text.length % 4 !== 0 || (text.length / 4) * 3 - padding !== size) return false;
    if (!LITTLE_ENDIAN) {
      const features = decodeFeatures(text);
      if (typeof features === 'string') return false;
      this.append(features);
      return true;
    }
    this.reserve();
    // Node's base64 decoder, as Buffer.from(text, 'base64') in decodeFeatures: fewer bytes than the
    // text's length promises means characters it skipped, which decodeFeatures refuses too.
    if (this.bytes.write(text, this.rows * size, size, 'base64') !== size) return false;
    const data = this.data;
    const start = this.rows * width;
    for (let i = start; i < start + width; i++) if (!Number.isFinite(data[i]!)) return false;
    this.rows++;
    return true;
  }

  append(values: ArrayLike<number>): void {
    this.reserve();
    this.data.set(values, this.rows * this.width);
    this.rows++;
  }

  /** Drops the rows from `rows` on (those of a record refused after it was read). */
  truncate(rows: number): void {
    this.rows = Math.min(this.rows, rows);
  }

  /** The rows so far, as one matrix (a view: appending may move later rows elsewhere). */
  matrix(): Float32Array {
    return this.data.subarray(0, this.rows * this.width);
  }

  private reserve(): void {
    if ((this.rows + 1) * this.width <= this.data.length) return;
    const bigger = new Float32Array(this.data.length * 2);
    bigger.set(this.data);
    this.data = bigger;
    this.bytes = Buffer.from(bigger.buffer);
  }
}

/**
 * Decodes one record. Its samples' features are appended to `rows` when they have its width (a
 * record refused later must truncate them); `inflated` is the record's data already gunzipped
 * (gunzipRecords), when it was.
 */
export function decodeWireRecordFast(data: Uint8Array, rows: FeatureRows, inflated?: Uint8Array): ScoringRecord {
  const before = rows.rows;
  const parsed = data.length <= WIRE_MAX_BYTES ? tryParse(inflated ?? data, inflated !== undefined) : undefined;
  const fast = parsed === undefined ? undefined : readWireRecord(parsed, rows);
  if (fast) return fast;
  rows.truncate(before);
  // Slow path: the shared decoder throws the precise WireRecordError (or accepts an unusual record).
  const record = decodeWireRecord(data);
  if (record.samples[0]!.f.length === rows.width) for (const sample of record.samples) rows.append(sample.f);
  return record;
}

function tryParse(data: Uint8Array, inflated: boolean): unknown {
  try {
    const isGzip = !inflated && data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
    const bytes = isGzip ? gunzipSync(data, { maxOutputLength: WIRE_MAX_DECODED_BYTES }) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Bytes of a gzip member's header and trailer at the least. */
const GZIP_MIN_BYTES = 18;

/**
 * The gunzipped bytes of each record that is one plain gzip member, inflated by one zlib call for
 * the batch (gunzip reads concatenated members as one stream); undefined for the others, and for
 * all when the call fails or any record's output disagrees with its trailer's length and CRC-32,
 * so that each is decoded on its own, with its own error.
 */
export function gunzipRecords(datas: readonly Uint8Array[]): (Buffer | undefined)[] {
  const result = new Array<Buffer | undefined>(datas.length).fill(undefined);
  const members: Uint8Array[] = [];
  const sizes: number[] = [];
  const at: number[] = [];
  let total = 0;
  for (let i = 0; i < datas.length; i++) {
    const data = datas[i]!;
    if (data.length < GZIP_MIN_BYTES || data.length > WIRE_MAX_BYTES || data[0] !== 0x1f || data[1] !== 0x8b) continue;
    // ISIZE: the member's output length (mod 2^32) as its trailer states it.
    const size = readUint32LE(data, data.length - 4);
    if (size === 0 || size > WIRE_MAX_DECODED_BYTES) continue;
    members.push(data);
    sizes.push(size);
    at.push(i);
    total += size;
  }
  if (members.length < 2) return result;
  let out: Buffer;
  try {
    // At most the stated total: a member whose output exceeds its ISIZE fails the call.
    out = gunzipSync(Buffer.concat(members), { maxOutputLength: total, chunkSize: Math.max(64, total) });
  } catch {
    return result;
  }
  if (out.length !== total) return result;
  let offset = 0;
  for (let k = 0; k < members.length; k++) {
    const data = members[k]!;
    const bytes = out.subarray(offset, (offset += sizes[k]!));
    // A record of several members, or with bytes after its member, would shift the outputs.
    if (crc32(bytes) !== readUint32LE(data, data.length - 8)) return result.fill(undefined);
    result[at[k]!] = bytes;
  }
  return result;
}

function readUint32LE(data: Uint8Array, at: number): number {
  return (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True only when the record certainly passes decodeWireRecord's schema. */
export function conformsToWireRecord(value: unknown): boolean {
  // Any width, as long as every sample has the first one's.
  const samples = isPlainObject(value) && Array.isArray(value.samples) ? value.samples : [];
  const text = isPlainObject(samples[0]) ? samples[0].f : undefined;
  if (typeof text !== 'string') return false;
  const width = ((text.length / 4) * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0)) / WIRE_FEATURE_BYTES;
  return Number.isInteger(width) && readWireRecord(value, new FeatureRows(width, samples.length)) !== undefined;
}

/**
 * The record without its features, which are appended to `rows`, when it certainly passes
 * decodeWireRecord's schema and its features have the rows' width; else undefined (some rows may
 * have been appended: the caller truncates them).
 */
function readWireRecord(value: unknown, rows: FeatureRows): ScoringRecord | undefined {
  if (!isPlainObject(value) || !conformsToHeader(value)) return undefined;
  const samples = value.samples as unknown[];
  const read: ScoringSample[] = new Array<ScoringSample>(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i];
    if (!isPlainObject(sample) || !conformsToSample(sample) || typeof sample.f !== 'string' || !rows.appendBase64(sample.f)) return undefined;
    read[i] = { seq: sample.seq as number, t: sample.t as number, m: sample.m as Record<string, number> };
  }
  const record = value as unknown as ScoringRecord;
  return record.tags === undefined ? { v: record.v, host: record.host, fs: record.fs, samples: read } : { v: record.v, host: record.host, tags: record.tags, fs: record.fs, samples: read };
}

function conformsToHeader(value: Record<string, unknown>): boolean {
  for (const key in value) if (!RECORD_KEYS.has(key)) return false;
  if (value.v !== WIRE_VERSION) return false;
  if (typeof value.host !== 'string' || !hosts.ok(value.host, value.host)) return false;
  if (value.tags !== undefined && !(isPlainObject(value.tags) && tagSets.ok(JSON.stringify(value.tags), value.tags))) return false;
  const fs = value.fs;
  if (typeof fs !== 'number' || !Number.isSafeInteger(fs) || fs <= 0) return false;
  const samples = value.samples;
  return Array.isArray(samples) && samples.length >= 1 && samples.length <= WIRE_MAX_SAMPLES;
}

/** Every field but the features, which the caller reads. */
function conformsToSample(sample: Record<string, unknown>): boolean {
  let keys = 0;
  for (const key in sample) {
    if (key !== 'seq' && key !== 't' && key !== 'm' && key !== 'f') return false;
    keys++;
  }
  if (keys !== SAMPLE_KEYS) return false;
  const { seq, t } = sample;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return false;
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < MIN_TIME_MS || t > MAX_TIME_MS) return false;
  const m = sample.m;
  if (!isPlainObject(m)) return false;
  for (const name in m) {
    const v = m[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || !metricNames.ok(name, name)) return false;
  }
  return true;
}
