/**
 * decodeWireRecord with a fast path for the hot loop of the scoring function.
 *
 * Validating every sample's 50 features through zod costs about as much as scoring them, so a
 * record is first checked by hand against the same rules (conservatively: anything unusual goes
 * to the slow path). A record the fast check cannot vouch for is decoded by core/wire.ts's
 * decodeWireRecord, which stays the one definition of the format and of every error message.
 * test/functions/fast-decode.test.ts keeps the two in agreement.
 */
import { gunzipSync } from 'node:zlib';
import { METRIC_NAME_PATTERN } from '../../core/host-metrics.js';
import {
  decodeWireRecord,
  HostIdSchema,
  TagsSchema,
  WIRE_MAX_BYTES,
  WIRE_MAX_DECODED_BYTES,
  WIRE_MAX_SAMPLES,
  WIRE_VERSION,
  type WireRecord,
} from '../../core/wire.js';

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
const tagSets = new CheckedValues((v) => TagsSchema.safeParse(v).success);

export function decodeWireRecordFast(data: Uint8Array): WireRecord {
  const parsed = data.length <= WIRE_MAX_BYTES ? tryParse(data) : undefined;
  if (parsed !== undefined && conformsToWireRecord(parsed)) return parsed;
  // Slow path: the shared decoder throws the precise WireRecordError (or accepts an unusual record).
  return decodeWireRecord(data);
}

function tryParse(data: Uint8Array): unknown {
  try {
    const isGzip = data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
    const text = Buffer.from(isGzip ? gunzipSync(data, { maxOutputLength: WIRE_MAX_DECODED_BYTES }) : data).toString('utf8');
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True only when the record certainly passes WireRecordSchema unchanged. */
export function conformsToWireRecord(value: unknown): value is WireRecord {
  if (!isPlainObject(value)) return false;
  for (const key in value) if (!RECORD_KEYS.has(key)) return false;
  if (value.v !== WIRE_VERSION) return false;
  if (typeof value.host !== 'string' || !hosts.ok(value.host, value.host)) return false;
  if (value.tags !== undefined && !(isPlainObject(value.tags) && tagSets.ok(JSON.stringify(value.tags), value.tags))) return false;
  const fs = value.fs;
  if (typeof fs !== 'number' || !Number.isSafeInteger(fs) || fs <= 0) return false;
  const samples = value.samples;
  if (!Array.isArray(samples) || samples.length < 1 || samples.length > WIRE_MAX_SAMPLES) return false;
  const first: unknown = samples[0];
  const width = isPlainObject(first) && Array.isArray(first.f) ? first.f.length : -1;
  for (const sample of samples as unknown[]) {
    if (!conformsToSample(sample, width)) return false;
  }
  return true;
}

function conformsToSample(sample: unknown, width: number): boolean {
  if (!isPlainObject(sample)) return false;
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
    if (typeof v !== 'number' || !Number.isFinite(v) || !METRIC_NAME_PATTERN.test(name)) return false;
  }
  const f = sample.f;
  if (!Array.isArray(f) || f.length !== width) return false;
  for (let i = 0; i < f.length; i++) {
    const v: unknown = f[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) return false;
  }
  return true;
}
