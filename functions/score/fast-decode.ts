/**
 * decodeWireRecord with a fast path for the hot loop of the scoring function.
 *
 * Validating every sample through zod costs about as much as scoring it, so a record is first
 * checked by hand against the same rules (conservatively: anything unusual goes to the slow path),
 * and each sample's features are read from their base64 float32 text straight into a Float32Array
 * (core/wire.ts decodeFeatures). A record the fast check cannot vouch for is decoded by
 * decodeWireRecord, which stays the one definition of the format and of every error message.
 * test/functions/fast-decode.test.ts keeps the two in agreement.
 */
import { gunzipSync } from 'node:zlib';
import { METRIC_NAME_PATTERN } from '../../core/host-metrics.js';
import {
  decodeFeatures,
  decodeWireRecord,
  HostIdSchema,
  TagsSchema,
  WIRE_MAX_BYTES,
  WIRE_MAX_DECODED_BYTES,
  WIRE_MAX_SAMPLES,
  WIRE_VERSION,
  type WireRecord,
  type WireSample,
} from '../../core/wire.js';

/** A decoded wire record as the scoring function uses it: the fast path reads features into a Float32Array. */
export type ScoringSample = Omit<WireSample, 'f'> & { readonly f: ArrayLike<number> };
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

export function decodeWireRecordFast(data: Uint8Array): ScoringRecord {
  const parsed = data.length <= WIRE_MAX_BYTES ? tryParse(data) : undefined;
  const fast = parsed === undefined ? undefined : readWireRecord(parsed);
  if (fast) return fast;
  // Slow path: the shared decoder throws the precise WireRecordError (or accepts an unusual record).
  return decodeWireRecord(data);
}

function tryParse(data: Uint8Array): unknown {
  try {
    const isGzip = data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
    const bytes = isGzip ? gunzipSync(data, { maxOutputLength: WIRE_MAX_DECODED_BYTES }) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True only when the record certainly passes decodeWireRecord's schema. */
export function conformsToWireRecord(value: unknown): boolean {
  return readWireRecord(value) !== undefined;
}

/** The record with its features read, when it certainly passes decodeWireRecord's schema; else undefined. */
function readWireRecord(value: unknown): ScoringRecord | undefined {
  if (!isPlainObject(value) || !conformsToHeader(value)) return undefined;
  const samples = value.samples as unknown[];
  const read: ScoringSample[] = [];
  let width = -1;
  for (const sample of samples) {
    if (!isPlainObject(sample) || !conformsToSample(sample) || typeof sample.f !== 'string') return undefined;
    const f = decodeFeatures(sample.f);
    if (typeof f === 'string' || (width >= 0 && f.length !== width)) return undefined;
    width = f.length;
    read.push({ seq: sample.seq as number, t: sample.t as number, m: sample.m as Record<string, number>, f });
  }
  const record = value as unknown as ScoringRecord;
  return { ...record, samples: read };
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
