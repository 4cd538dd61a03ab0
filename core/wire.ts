/**
 * The wire record: what the agent puts on Kinesis and the scoring function reads.
 * Several samples of one host travel in one Kinesis record (partition key = host id) to keep PUT
 * payload units down. A sample's identity is (host, seq): a redelivered sample carries the same
 * identity.
 *
 * In memory a record is a WireRecord (validated by WireRecordSchema). On the wire it is binary,
 * little-endian, uncompressed: the numbers travel as the doubles and float32 values they are, so
 * the scoring function reads them without parsing text or inflating gzip (version 1, gzip JSON,
 * spent more CPU there than the model), and a record is smaller than version 1's gzip JSON.
 *
 *   offset  size  field
 *   0       2     magic "VG"
 *   2       1     wire version (WIRE_VERSION, 3; version 2 is read too, see below)
 *   3       1     flags, 0 (reserved)
 *   4       2     feature-set version `fs` (1..65535)
 *   6       2     features per sample F
 *   8       2     samples S (1..WIRE_MAX_SAMPLES)
 *   10      1     metric names M
 *   11      1     tags T (0..WIRE_MAX_TAGS)
 *   12            host: u8 byte length, UTF-8
 *                 T tags: u8 key length, key, u16 value length, value (UTF-8)
 *                 M metric names: u8 length, name (ASCII)
 *                 S samples: f64 seq, f64 t, M f64 metric values (NaN: not measured in this sample)
 *                 S x F float32 features, sample after sample
 *                 S x M x 2 float32 band: per sample, per metric name, the long normal and the
 *                 long scale the sample's features were computed with (features/pipeline.ts);
 *                 NaN for both where the agent has none (the metric's first sample)
 *
 * Version 3 added the band, so the scoring function can store the band the model judged each
 * value against (core/band.ts). Version 2 (the same layout without the band) is still read, for
 * one release, so agents not yet upgraded keep being scored: their samples have no band.
 *
 * readWireRecordInto is the one decoder: it checks every rule of WireRecordSchema, by hand on the
 * hot path (host ids, tag sets and metric names by the shared schemas, once per distinct header),
 * and its errors name the field, the value and the fix.
 */
import * as z from 'zod';
import { BandValues, FeatureRows } from './feature-rows.js';
import { METRIC_NAME_PATTERN } from './host-metrics.js';

export const WIRE_VERSION = 3;
/** The previous version, still read (its records carry no band) so that older agents keep being scored. */
export const WIRE_VERSION_WITHOUT_BAND = 2;
export type WireVersion = typeof WIRE_VERSION | typeof WIRE_VERSION_WITHOUT_BAND;
/** Far under Kinesis's 1 MiB record limit, so one record never risks the limit. */
export const WIRE_MAX_BYTES = 256 * 1024;
export const WIRE_MAX_SAMPLES = 1000;
export const WIRE_MAX_TAGS = 8;
/** The header fields' widths bound these. */
export const WIRE_MAX_METRICS = 255;
export const WIRE_MAX_FEATURE_SET_VERSION = 0xffff;
export const WIRE_MAX_FEATURES = 0xffff;
/** Names a tag may not take: they are dimensions or labels of their own. */
export const RESERVED_TAG_KEYS = ['host', 'metric', 'severity', 'model_version', 'measure_name', 'time', 'job', 'instance'];
/** Bytes of one feature on the wire (float32, what the model reads). */
export const WIRE_FEATURE_BYTES = 4;
/** Bytes of one metric's band in a sample (float32 normal and scale). */
export const WIRE_BAND_BYTES = 8;

const MAGIC_0 = 0x56; // 'V'
const MAGIC_1 = 0x47; // 'G'
const HEADER_BYTES = 12;
/** seq and t, as doubles. */
const SAMPLE_FIXED_BYTES = 16;

const finite = z.number({ error: 'expected a finite number' }).refine(Number.isFinite, 'expected a finite number');
const MIN_TIME_MS = Date.UTC(2000, 0, 1);
const MAX_TIME_MS = Date.UTC(2100, 0, 1);

export const HostIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'host id must be 1-128 characters of letters, digits and . _ : - starting with a letter or digit');

const TAG_KEY_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;
const TAG_KEY_RULE = 'tag keys must be lower snake case, 1-32 characters';

/** Keys are checked one by one (not as a zod key schema) so an error names the offending key. */
export const TagsSchema = z
  .record(z.string(), z.string().min(1, 'tag values must not be empty').max(128, 'tag values must be at most 128 characters'))
  .superRefine((tags, ctx) => {
    const keys = Object.keys(tags);
    if (keys.length > WIRE_MAX_TAGS) ctx.addIssue({ code: 'custom', input: keys.length, message: `at most ${WIRE_MAX_TAGS} tags` });
    for (const key of keys) {
      if (!TAG_KEY_PATTERN.test(key)) ctx.addIssue({ code: 'custom', path: [key], input: key, message: TAG_KEY_RULE });
      else if (RESERVED_TAG_KEYS.includes(key))
        ctx.addIssue({ code: 'custom', path: [key], input: key, message: `tag key is reserved (${RESERVED_TAG_KEYS.join(', ')})` });
    }
  });

/** A sample in memory (what the agent builds and spools). */
export const WireSampleSchema = z.strictObject({
  /** Per-host sequence number: with the host id, the sample's identity. */
  seq: z.number().int('expected an integer').nonnegative('expected 0 or more'),
  /** Sample time, epoch milliseconds. */
  t: z.number().int('expected integer epoch milliseconds').min(MIN_TIME_MS, 'time before 2000').max(MAX_TIME_MS, 'time after 2100'),
  /** Raw metric values by name. */
  m: z.record(z.string(), finite).superRefine((metrics, ctx) => {
    for (const name of Object.keys(metrics)) {
      if (!METRIC_NAME_PATTERN.test(name))
        ctx.addIssue({ code: 'custom', path: [name], input: name, message: 'metric names must be lower snake case, 1-63 characters' });
    }
  }),
  /** The feature vector, ordered as the feature set `fs` names it; float32 on the wire. */
  f: z.array(finite).max(WIRE_MAX_FEATURES, `at most ${WIRE_MAX_FEATURES} features`),
  /**
   * Per metric: [long normal, long scale] its features were computed with (features/pipeline.ts),
   * float32 on the wire; wire version 3. Left out for a metric the agent has no normal for yet.
   */
  b: z
    .record(z.string(), z.tuple([finite, finite.refine((scale) => scale > 0, 'expected a scale > 0')]))
    .superRefine((band, ctx) => {
      for (const name of Object.keys(band)) {
        if (!METRIC_NAME_PATTERN.test(name))
          ctx.addIssue({ code: 'custom', path: [name], input: name, message: 'metric names must be lower snake case, 1-63 characters' });
      }
    })
    .optional(),
});

/** A record of samples; every sample carries the same number of features. */
export const WireRecordSchema = z
  .strictObject({
    v: z.union([z.literal(WIRE_VERSION), z.literal(WIRE_VERSION_WITHOUT_BAND)]),
    host: HostIdSchema,
    tags: TagsSchema.optional(),
    /** Feature-set version the vectors were computed with (core/features.ts). */
    fs: z.number().int().positive().max(WIRE_MAX_FEATURE_SET_VERSION),
    samples: z.array(WireSampleSchema).min(1, 'a record carries at least one sample').max(WIRE_MAX_SAMPLES, `at most ${WIRE_MAX_SAMPLES} samples`),
  })
  .superRefine((record, ctx) => {
    const width = record.samples[0]?.f.length;
    record.samples.forEach((s, i) => {
      if (record.v === WIRE_VERSION_WITHOUT_BAND && s.b !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['samples', i, 'b'],
          message: `wire version ${WIRE_VERSION_WITHOUT_BAND} carries no band: encode version ${WIRE_VERSION}`,
        });
      }
      if (s.f.length !== width) {
        ctx.addIssue({
          code: 'custom',
          path: ['samples', i, 'f'],
          input: s.f.length,
          message: `every sample needs the same number of features (${width} in samples[0])`,
        });
      }
    });
  });

export type WireSample = z.infer<typeof WireSampleSchema>;
export type WireRecord = z.infer<typeof WireRecordSchema>;

/** A record as readWireRecordInto reads it: the samples without their features, which go to feature rows, and without their bands. */
export interface WireRecordHead {
  readonly v: WireVersion;
  readonly host: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly fs: number;
  readonly samples: Omit<WireSample, 'f' | 'b'>[];
  /** Features per sample. */
  readonly width: number;
  /** Version 3: the samples' bands, `band.metrics.length` x 2 values a sample (normal, scale; NaN: none). */
  readonly band?: RecordBand;
}

/** A record's bands: from `at` in `values`, per sample, per metric of `metrics`, the long normal then the long scale. */
export interface RecordBand {
  readonly metrics: readonly string[];
  readonly values: Float32Array;
  readonly at: number;
}

/** A record with its features as one matrix: samples.length rows of `width` values. */
export type ReadWireRecord = WireRecordHead & { readonly features: Float32Array };

export type WireErrorKind = 'garbage' | 'oversize' | 'unsupported_version' | 'invalid';

/** A record that cannot be read. `kind` is the dead-letter reason code, the message says what and the fix. */
export class WireRecordError extends Error {
  override readonly name = 'WireRecordError';
  constructor(
    readonly kind: WireErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `samples[2].m.cpu_pct: expected a finite number (got "abc")`, one line per problem. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 10)
    .map((issue) => {
      const path = issue.path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
      const got = 'input' in issue && issue.input !== undefined ? ` (got ${preview(issue.input)})` : '';
      return `${path || '(record)'}: ${issue.message}${got}`;
    })
    .concat(issues.length > 10 ? [`… and ${issues.length - 10} more problems`] : [])
    .join('; ');
}

function preview(value: unknown): string {
  const text = typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Validates and encodes a record. Throws WireRecordError when the record is invalid or too large. */
export function encodeWireRecord(record: WireRecord): Uint8Array {
  const checked = WireRecordSchema.safeParse(record, { reportInput: true });
  if (!checked.success) throw new WireRecordError('invalid', `cannot encode wire record: ${describeIssues(checked.error.issues)}`);
  const { v, host, fs, samples } = checked.data;
  const tags = Object.entries(checked.data.tags ?? {});
  // Every metric any sample carries (a value or a band), in order of first appearance; a sample without one sends NaN.
  const metrics = [...new Set(samples.flatMap((s) => [...Object.keys(s.m), ...Object.keys(s.b ?? {})]))];
  const bandBytes = v === WIRE_VERSION ? WIRE_BAND_BYTES : 0;
  if (metrics.length > WIRE_MAX_METRICS)
    throw new WireRecordError(
      'invalid',
      `cannot encode wire record: ${metrics.length} distinct metric names, at most ${WIRE_MAX_METRICS} fit a record: send fewer metrics`,
    );
  const width = samples[0]!.f.length;
  // The header's texts with the bytes of their length: host, tag keys and values, metric names.
  const texts: [Buffer, 1 | 2][] = [
    [Buffer.from(host), 1],
    ...tags.flatMap(([key, value]): [Buffer, 1 | 2][] => [
      [Buffer.from(key), 1],
      [Buffer.from(value), 2],
    ]),
    ...metrics.map((name): [Buffer, 1 | 2] => [Buffer.from(name), 1]),
  ];
  const size =
    texts.reduce((n, [text, lengthBytes]) => n + lengthBytes + text.length, HEADER_BYTES) +
    samples.length * (SAMPLE_FIXED_BYTES + (8 + bandBytes) * metrics.length + WIRE_FEATURE_BYTES * width);
  if (size > WIRE_MAX_BYTES)
    throw new WireRecordError('oversize', `wire record is ${size} bytes, over the ${WIRE_MAX_BYTES}-byte limit: send fewer samples per record`);
  const out = Buffer.alloc(size);
  out[0] = MAGIC_0;
  out[1] = MAGIC_1;
  out[2] = v;
  out[3] = 0;
  out.writeUInt16LE(fs, 4);
  out.writeUInt16LE(width, 6);
  out.writeUInt16LE(samples.length, 8);
  out[10] = metrics.length;
  out[11] = tags.length;
  let at = HEADER_BYTES;
  for (const [text, lengthBytes] of texts) {
    at = lengthBytes === 1 ? out.writeUInt8(text.length, at) : out.writeUInt16LE(text.length, at);
    at += text.copy(out, at);
  }
  for (const s of samples) {
    at = out.writeDoubleLE(s.seq, at);
    at = out.writeDoubleLE(s.t, at);
    for (const name of metrics) at = out.writeDoubleLE(Object.hasOwn(s.m, name) ? s.m[name]! : Number.NaN, at);
  }
  samples.forEach((s, i) => {
    s.f.forEach((value, k) => {
      if (!Number.isFinite(Math.fround(value))) {
        throw new WireRecordError(
          'invalid',
          `cannot encode wire record: samples[${i}].f[${k}]: ${value} does not fit a float32 (the model's input type): fix the feature pipeline`,
        );
      }
      at = out.writeFloatLE(value, at);
    });
  });
  if (v === WIRE_VERSION) {
    samples.forEach((s, i) => {
      for (const name of metrics) {
        const band = s.b?.[name];
        if (band && !(Number.isFinite(Math.fround(band[0])) && Math.fround(band[1]) > 0 && Number.isFinite(Math.fround(band[1])))) {
          throw new WireRecordError(
            'invalid',
            `cannot encode wire record: samples[${i}].b.${name}: [${band.join(', ')}] does not fit float32 with a scale > 0: fix the feature pipeline`,
          );
        }
        at = out.writeFloatLE(band ? band[0] : Number.NaN, at);
        at = out.writeFloatLE(band ? band[1] : Number.NaN, at);
      }
    });
  }
  return out;
}

/** Decodes and validates one record, its features as a number array per sample. Throws WireRecordError with the reason. */
export function decodeWireRecord(data: Uint8Array): WireRecord {
  const { features, width, samples, band, ...head } = readWireRecord(data);
  return {
    ...head,
    ...(head.tags ? { tags: { ...head.tags } } : {}),
    samples: samples.map((s, i) => {
      const f = Array.from(features.subarray(i * width, (i + 1) * width));
      if (!band) return { ...s, f };
      const b: Record<string, [number, number]> = {};
      const M = band.metrics.length;
      band.metrics.forEach((name, k) => {
        const normal = band.values[band.at + (i * M + k) * 2]!;
        if (!Number.isNaN(normal)) b[name] = [normal, band.values[band.at + (i * M + k) * 2 + 1]!];
      });
      // A sample whose agent had no band for any metric reads back as it was written: without one.
      return Object.keys(b).length > 0 ? { ...s, f, b } : { ...s, f };
    }),
  };
}

/**
 * What a record's header names (host, tags, metric names) repeats across a fleet's records: each
 * distinct one is checked by the shared zod schemas once and remembered, by its bytes. Bounded in
 * count and in key length (about 20 MB at most), so a flood of distinct or huge headers cannot
 * grow it without end; a longer header is read each time.
 */
class Remembered<T> {
  private readonly seen = new Map<string, T>();
  constructor(
    private readonly limit = 10_000,
    private readonly maxKeyLength = 2_048,
  ) {}
  get(key: string, read: () => T): T {
    if (key.length > this.maxKeyLength) return read();
    let value = this.seen.get(key);
    if (value === undefined) {
      value = read();
      if (this.seen.size >= this.limit) this.seen.clear();
      this.seen.set(key, value);
    }
    return value;
  }
}
type Checked<T> = { readonly ok: T } | { readonly error: string };
interface Header {
  readonly host: string;
  readonly tags: Readonly<Record<string, string>> | undefined;
  readonly metrics: readonly string[];
}
const headers = new Remembered<Checked<Header>>();

/** Decodes and validates one record, its features as one float32 matrix. Throws WireRecordError with the reason. */
export function readWireRecord(data: Uint8Array): ReadWireRecord {
  const rows = new FeatureRows(data.length >= HEADER_BYTES ? data[6]! | (data[7]! << 8) : 0, 1);
  const head = readWireRecordInto(data, rows);
  return { ...head, features: rows.matrix() };
}

/**
 * Decodes and validates one record. Its samples' features are appended to `rows` when they have
 * the rows' width; a record of another width is read (and checked) without them, for the caller to
 * refuse. A version-3 record's bands are appended to `bands` (a batch's, or the record's own).
 * Throws WireRecordError with the dead-letter reason and a message that names the field, the value
 * and the fix; `rows` and `bands` are then as they were.
 */
export function readWireRecordInto(data: Uint8Array, rows: FeatureRows, bands: BandValues = new BandValues(0)): WireRecordHead {
  if (data.length > WIRE_MAX_BYTES) {
    throw new WireRecordError('oversize', `wire record is ${data.length} bytes, over the ${WIRE_MAX_BYTES}-byte limit: the sender must split it`);
  }
  checkFormat(data);
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const fs = bytes.readUInt16LE(4);
  const width = bytes.readUInt16LE(6);
  const count = bytes.readUInt16LE(8);
  const metricCount = bytes[10]!;
  const tagCount = bytes[11]!;
  // The texts: host, tags, metric names; each length read before it is used.
  let at = skipText(bytes, HEADER_BYTES, 1, 'host');
  for (let i = 0; i < tagCount; i++) at = skipText(bytes, skipText(bytes, at, 1, `tag ${i}'s key`), 2, `tag ${i}'s value`);
  for (let i = 0; i < metricCount; i++) at = skipText(bytes, at, 1, `metric name ${i}`);
  const version = bytes[2] as WireVersion;
  const bandBytes = version === WIRE_VERSION ? count * metricCount * WIRE_BAND_BYTES : 0;
  const expected = at + count * (SAMPLE_FIXED_BYTES + 8 * metricCount) + count * width * WIRE_FEATURE_BYTES + bandBytes;
  if (bytes.length !== expected) {
    throw new WireRecordError(
      'garbage',
      `wire record is ${bytes.length} bytes where its header promises ${expected}: it is truncated or was not written by a vigil agent`,
    );
  }
  if (fs === 0) invalid(`fs: expected a feature-set version of 1 or more (got 0)`);
  if (count === 0) invalid('samples: a record carries at least one sample (got 0)');
  if (count > WIRE_MAX_SAMPLES) invalid(`samples: at most ${WIRE_MAX_SAMPLES} samples (got ${count})`);
  if (tagCount > WIRE_MAX_TAGS) invalid(`tags: at most ${WIRE_MAX_TAGS} tags (got ${tagCount})`);
  // The metric and tag counts are part of the key: the same bytes split into other texts are another header.
  const header = headers.get(bytes.toString('latin1', 10, at), () => readHeader(bytes, tagCount, metricCount));
  if ('error' in header) invalid(header.error);
  const { host, tags, metrics: names } = header.ok;

  const samples = new Array<Omit<WireSample, 'f' | 'b'>>(count);
  for (let i = 0; i < count; i++) {
    const seq = bytes.readDoubleLE(at);
    const t = bytes.readDoubleLE(at + 8);
    at += SAMPLE_FIXED_BYTES;
    if (!Number.isSafeInteger(seq) || seq < 0) invalid(`samples[${i}].seq: expected an integer of 0 or more (got ${seq})`);
    if (!Number.isSafeInteger(t)) invalid(`samples[${i}].t: expected integer epoch milliseconds (got ${t})`);
    if (t < MIN_TIME_MS) invalid(`samples[${i}].t: time before 2000 (got ${t})`);
    if (t > MAX_TIME_MS) invalid(`samples[${i}].t: time after 2100 (got ${t})`);
    const m: Record<string, number> = {};
    for (let k = 0; k < metricCount; k++, at += 8) {
      const value = bytes.readDoubleLE(at);
      if (Number.isFinite(value)) m[names[k]!] = value;
      else if (value === value) invalid(`samples[${i}].m.${names[k]}: expected a finite number (got ${value})`);
    }
    samples[i] = { seq, t, m };
  }

  // The band first: a bad band throws before the features are appended, so `rows` stays as it was.
  const bandsBefore = bands.length;
  const band = version === WIRE_VERSION ? readBand(bytes, at + count * width * WIRE_FEATURE_BYTES, count, names, bands) : undefined;
  const bad = width === rows.width ? rows.appendLittleEndian(bytes, at, count) : firstNonFinite(bytes, at, count * width);
  if (bad !== undefined) {
    bands.truncate(bandsBefore);
    const value = bytes.readFloatLE(at + bad * WIRE_FEATURE_BYTES);
    invalid(`samples[${Math.floor(bad / width)}].f: feature ${bad % width} is ${value}, expected a finite number: the sender's feature pipeline is broken`);
  }
  // One object shape whatever the version (band undefined in version 2): the scoring loop reads many.
  return tags === undefined ? { v: version, host, fs, samples, width, band } : { v: version, host, tags, fs, samples, width, band };
}

/** The band block of a version-3 record, appended to `bands`: both values NaN (none) or a finite normal and a finite scale > 0. */
function readBand(bytes: Buffer, at: number, count: number, metrics: readonly string[], bands: BandValues): RecordBand {
  const n = count * metrics.length * 2;
  const { values, at: start } = bands.append(bytes, at, n);
  for (let k = 0; k < n; k += 2) {
    const normal = values[start + k]!;
    const scale = values[start + k + 1]!;
    if (normal !== normal && scale !== scale) continue;
    if (!Number.isFinite(normal) || !(scale > 0) || !Number.isFinite(scale)) {
      bands.truncate(start);
      const sample = Math.floor(k / 2 / metrics.length);
      invalid(
        `samples[${sample}].b.${metrics[(k / 2) % metrics.length]}: [${normal}, ${scale}] is not a band (a finite normal and a finite scale > 0, or NaN for both): the sender's feature pipeline is broken`,
      );
    }
  }
  return { metrics, values, at: start };
}

function firstNonFinite(bytes: Buffer, at: number, count: number): number | undefined {
  for (let k = 0; k < count; k++) if (!Number.isFinite(bytes.readFloatLE(at + k * WIRE_FEATURE_BYTES))) return k;
  return undefined;
}

function invalid(problem: string): never {
  throw new WireRecordError('invalid', `invalid wire record: ${problem}`);
}

/** Magic and version; version 1 (gzip or plain JSON) is named as such. */
function checkFormat(data: Uint8Array): void {
  if (data.length >= 2 && ((data[0] === 0x1f && data[1] === 0x8b) || data[0] === 0x7b)) {
    throw new WireRecordError(
      'unsupported_version',
      `wire record is ${data[0] === 0x7b ? 'JSON' : 'gzip'}, the format of wire version 1; this reader takes version ${WIRE_VERSION}: run agent and scoring function from the same vigil release`,
    );
  }
  if (data.length < HEADER_BYTES || data[0] !== MAGIC_0 || data[1] !== MAGIC_1) {
    const start = Buffer.from(data.subarray(0, 4)).toString('hex');
    throw new WireRecordError(
      'garbage',
      `wire record of ${data.length} bytes does not start with the vigil wire header (starts with 0x${start}): it was not written by a vigil agent`,
    );
  }
  if (data[2] !== WIRE_VERSION && data[2] !== WIRE_VERSION_WITHOUT_BAND) {
    throw new WireRecordError(
      'unsupported_version',
      `wire version ${data[2]} is not supported (this reader takes versions ${WIRE_VERSION_WITHOUT_BAND} and ${WIRE_VERSION}): run agent and scoring function from the same vigil release`,
    );
  }
  if (data[3] !== 0)
    throw new WireRecordError(
      'unsupported_version',
      `wire record flags 0x${data[3]!.toString(16)} are not supported (this reader knows none): run agent and scoring function from the same vigil release`,
    );
}

/** The offset after a length-prefixed text, checking that it fits the record. */
function skipText(bytes: Buffer, at: number, lengthBytes: 1 | 2, what: string): number {
  if (at + lengthBytes > bytes.length)
    throw new WireRecordError('garbage', `wire record ends inside its header (at ${what}): it is truncated or was not written by a vigil agent`);
  const end = at + lengthBytes + (lengthBytes === 1 ? bytes[at]! : bytes.readUInt16LE(at));
  if (end > bytes.length)
    throw new WireRecordError('garbage', `wire record ends inside its header (in ${what}): it is truncated or was not written by a vigil agent`);
  return end;
}

/** Host, tags and metric names from the header's texts (already bounds-checked), validated by the shared schemas. */
function readHeader(bytes: Buffer, tagCount: number, metricCount: number): Checked<Header> {
  let at = HEADER_BYTES;
  const host = bytes.toString('utf8', at + 1, (at += 1 + bytes[at]!));
  const hostChecked = HostIdSchema.safeParse(host, { reportInput: true });
  if (!hostChecked.success) return { error: describeIssues(hostChecked.error.issues.map((issue) => ({ ...issue, path: ['host'] }))) };
  let tags: Record<string, string> | undefined;
  if (tagCount > 0) {
    const entries: [string, string][] = [];
    for (let i = 0; i < tagCount; i++) {
      const key = bytes.toString('utf8', at + 1, (at += 1 + bytes[at]!));
      const value = bytes.toString('utf8', at + 2, (at += 2 + bytes.readUInt16LE(at)));
      // Checked here too: the schema never sees a key like __proto__, which no object keeps as a key.
      if (!TAG_KEY_PATTERN.test(key)) return { error: `tags.${key}: ${TAG_KEY_RULE} (got ${JSON.stringify(key)})` };
      if (entries.some(([k]) => k === key)) return { error: `tags.${key}: tag key appears twice` };
      entries.push([key, value]);
    }
    tags = Object.fromEntries(entries);
    const checked = TagsSchema.safeParse(tags, { reportInput: true });
    if (!checked.success) return { error: describeIssues(checked.error.issues.map((issue) => ({ ...issue, path: ['tags', ...issue.path] }))) };
  }
  const metrics: string[] = [];
  for (let i = 0; i < metricCount; i++) {
    const name = bytes.toString('utf8', at + 1, (at += 1 + bytes[at]!));
    if (!METRIC_NAME_PATTERN.test(name)) return { error: `m.${name}: metric names must be lower snake case, 1-63 characters (got ${JSON.stringify(name)})` };
    if (metrics.includes(name)) return { error: `m.${name}: metric name appears twice in the record's header` };
    metrics.push(name);
  }
  return { ok: { host, tags: tags && Object.freeze(tags), metrics: Object.freeze(metrics) } };
}
