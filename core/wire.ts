/**
 * The wire record: what the agent puts on Kinesis and the scoring function reads.
 * Several samples of one host travel in one Kinesis record (partition key = host id) to keep PUT
 * payload units down. Encoded as JSON, gzip-compressed by default; decoding accepts both.
 * A sample's identity is (host, seq): a redelivered sample carries the same identity.
 * In memory a sample's feature vector is a number array; on the wire it travels as base64 of
 * little-endian float32 values (what the model reads): a quarter of the JSON numbers' length,
 * and the scoring function reads it without parsing numbers.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { METRIC_NAME_PATTERN } from './host-metrics.js';

export const WIRE_VERSION = 1;
/** Far under Kinesis's 1 MiB record limit, so one record never risks the limit. */
export const WIRE_MAX_BYTES = 256 * 1024;
/** Bound on a decompressed record, so a crafted gzip cannot exhaust memory. */
export const WIRE_MAX_DECODED_BYTES = 4 * 1024 * 1024;
export const WIRE_MAX_SAMPLES = 1000;
export const WIRE_MAX_TAGS = 8;
/** Names a tag may not take: they are dimensions or labels of their own. */
export const RESERVED_TAG_KEYS = ['host', 'metric', 'severity', 'model_version', 'measure_name', 'time', 'job', 'instance'];

const finite = z.number({ error: 'expected a finite number' }).refine(Number.isFinite, 'expected a finite number');
const MIN_TIME_MS = Date.UTC(2000, 0, 1);
const MAX_TIME_MS = Date.UTC(2100, 0, 1);

export const HostIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'host id must be 1-128 characters of letters, digits and . _ : - starting with a letter or digit');

const TAG_KEY_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;

/** Keys are checked one by one (not as a zod key schema) so an error names the offending key. */
export const TagsSchema = z
  .record(z.string(), z.string().min(1, 'tag values must not be empty').max(128, 'tag values must be at most 128 characters'))
  .superRefine((tags, ctx) => {
    const keys = Object.keys(tags);
    if (keys.length > WIRE_MAX_TAGS) ctx.addIssue({ code: 'custom', input: keys.length, message: `at most ${WIRE_MAX_TAGS} tags` });
    for (const key of keys) {
      if (!TAG_KEY_PATTERN.test(key)) ctx.addIssue({ code: 'custom', path: [key], input: key, message: 'tag keys must be lower snake case, 1-32 characters' });
      else if (RESERVED_TAG_KEYS.includes(key)) ctx.addIssue({ code: 'custom', path: [key], input: key, message: `tag key is reserved (${RESERVED_TAG_KEYS.join(', ')})` });
    }
  });

/** Bytes of one feature on the wire (float32). */
export const WIRE_FEATURE_BYTES = 4;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A feature vector as it travels: base64 of little-endian float32. Throws when a value does not fit float32. */
export function encodeFeatures(features: readonly number[], sampleIndex = 0): string {
  const bytes = Buffer.alloc(features.length * WIRE_FEATURE_BYTES);
  features.forEach((value, i) => {
    if (!Number.isFinite(Math.fround(value))) {
      throw new WireRecordError('invalid', `cannot encode wire record: samples[${sampleIndex}].f[${i}]: ${value} does not fit a float32 (the model's input type): fix the feature pipeline`);
    }
    bytes.writeFloatLE(value, i * WIRE_FEATURE_BYTES);
  });
  return bytes.toString('base64');
}

/**
 * A feature vector from its wire text, or the reason it is not one (naming the feature index).
 * Base64 as Node reads it; a text whose decoded length disagrees with its own length (stray
 * characters) is refused rather than read short.
 */
export function decodeFeatures(text: string): Float32Array | string {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = text.length % 4 === 0 ? Buffer.from(text, 'base64') : undefined;
  if (!bytes || bytes.length !== (text.length / 4) * 3 - padding) return `features must be base64 of little-endian float32 values; this text of ${text.length} characters is not base64`;
  if (bytes.length % WIRE_FEATURE_BYTES !== 0) return `features must be base64 of little-endian float32 values; ${bytes.length} bytes is not a whole number of them`;
  const count = bytes.length / WIRE_FEATURE_BYTES;
  let features: Float32Array;
  if (LITTLE_ENDIAN && bytes.byteOffset % WIRE_FEATURE_BYTES === 0) {
    // A view of the decoded bytes (Node's buffer pool keeps them aligned): no copy, no new ArrayBuffer per sample.
    features = new Float32Array(bytes.buffer, bytes.byteOffset, count);
  } else {
    features = new Float32Array(count);
    for (let i = 0; i < count; i++) features[i] = bytes.readFloatLE(i * WIRE_FEATURE_BYTES);
  }
  for (let i = 0; i < features.length; i++) {
    if (!Number.isFinite(features[i]!)) return `feature ${i} is ${features[i]}, expected a finite number: the sender's feature pipeline is broken`;
  }
  return features;
}

const sampleFields = {
  /** Per-host sequence number: with the host id, the sample's identity. */
  seq: z.number().int('expected an integer').nonnegative('expected 0 or more'),
  /** Sample time, epoch milliseconds. */
  t: z.number().int('expected integer epoch milliseconds').min(MIN_TIME_MS, 'time before 2000').max(MAX_TIME_MS, 'time after 2100'),
  /** Raw metric values by name. */
  m: z.record(z.string(), finite).superRefine((metrics, ctx) => {
    for (const name of Object.keys(metrics)) {
      if (!METRIC_NAME_PATTERN.test(name)) ctx.addIssue({ code: 'custom', path: [name], input: name, message: 'metric names must be lower snake case, 1-63 characters' });
    }
  }),
};

/** A sample in memory (what the agent builds and spools). */
export const WireSampleSchema = z.strictObject({
  ...sampleFields,
  /** The feature vector, ordered as the feature set `fs` names it. */
  f: z.array(finite),
});

/** A sample as it travels: its features as base64 float32 text, read back into numbers. */
const WireSampleOnWireSchema = z.strictObject({
  ...sampleFields,
  f: z.string({ error: 'expected features as base64 float32 text' }).transform((text, ctx) => {
    const features = decodeFeatures(text);
    if (typeof features === 'string') {
      ctx.addIssue({ code: 'custom', input: text, message: features });
      return z.NEVER;
    }
    return Array.from(features);
  }),
});

/** A record of samples of either form; every sample carries the same number of features. */
function recordSchema<S extends z.ZodType<{ f: number[] }, unknown>>(sample: S) {
  return z
    .strictObject({
      v: z.literal(WIRE_VERSION),
      host: HostIdSchema,
      tags: TagsSchema.optional(),
      /** Feature-set version the vectors were computed with (core/features.ts). */
      fs: z.number().int().positive(),
      samples: z.array(sample).min(1, 'a record carries at least one sample').max(WIRE_MAX_SAMPLES, `at most ${WIRE_MAX_SAMPLES} samples`),
    })
    .superRefine((record, ctx) => {
      const samples = record.samples as readonly { f: number[] }[];
      const width = samples[0]?.f.length;
      samples.forEach((s, i) => {
        if (s.f.length !== width) {
          ctx.addIssue({ code: 'custom', path: ['samples', i, 'f'], input: s.f.length, message: `every sample needs the same number of features (${width} in samples[0])` });
        }
      });
    });
}

export const WireRecordSchema = recordSchema(WireSampleSchema);
const WireRecordOnWireSchema = recordSchema(WireSampleOnWireSchema);

export type WireSample = z.infer<typeof WireSampleSchema>;
export type WireRecord = z.infer<typeof WireRecordSchema>;

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
export function encodeWireRecord(record: WireRecord, options: { compress?: boolean } = {}): Uint8Array {
  const checked = WireRecordSchema.safeParse(record, { reportInput: true });
  if (!checked.success) throw new WireRecordError('invalid', `cannot encode wire record: ${describeIssues(checked.error.issues)}`);
  const onWire = { ...checked.data, samples: checked.data.samples.map((sample, i) => ({ ...sample, f: encodeFeatures(sample.f, i) })) };
  const json = Buffer.from(JSON.stringify(onWire));
  const bytes = options.compress === false ? json : gzipSync(json, { level: 6 });
  if (bytes.length > WIRE_MAX_BYTES) {
    throw new WireRecordError('oversize', `wire record is ${bytes.length} bytes, over the ${WIRE_MAX_BYTES}-byte limit: send fewer samples per record`);
  }
  return bytes;
}

/** Decodes and validates one Kinesis record's data. Throws WireRecordError with the reason. */
export function decodeWireRecord(data: Uint8Array): WireRecord {
  if (data.length > WIRE_MAX_BYTES) {
    throw new WireRecordError('oversize', `wire record is ${data.length} bytes, over the ${WIRE_MAX_BYTES}-byte limit: the sender must split it`);
  }
  let text: string;
  try {
    const isGzip = data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
    text = Buffer.from(isGzip ? gunzipSync(data, { maxOutputLength: WIRE_MAX_DECODED_BYTES }) : data).toString('utf8');
  } catch (cause) {
    throw new WireRecordError('garbage', `wire record is not valid gzip (${(cause as Error).message}): it was not written by a vigil agent`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new WireRecordError('garbage', `wire record is not JSON (starts with ${JSON.stringify(text.slice(0, 20))}): it was not written by a vigil agent`, { cause });
  }
  const version = typeof parsed === 'object' && parsed !== null ? (parsed as { v?: unknown }).v : undefined;
  if (version !== WIRE_VERSION) {
    throw new WireRecordError(
      'unsupported_version',
      `wire version ${JSON.stringify(version)} is not supported (this reader takes version ${WIRE_VERSION}): run agent and scoring function from the same vigil release`,
    );
  }
  const checked = WireRecordOnWireSchema.safeParse(parsed, { reportInput: true });
  if (!checked.success) throw new WireRecordError('invalid', `invalid wire record: ${describeIssues(checked.error.issues)}`);
  return checked.data;
}
