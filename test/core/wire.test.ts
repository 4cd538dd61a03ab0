import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeFeatures, decodeWireRecord, encodeFeatures, encodeWireRecord, WIRE_MAX_BYTES, WireRecordError, type WireRecord } from '../../core/wire.js';

const T0 = Date.UTC(2026, 10, 21, 12);

function record(overrides: Partial<WireRecord> = {}): WireRecord {
  return {
    v: 1,
    host: 'web-01.eu',
    tags: { env: 'prod', role: 'web' },
    fs: 1,
    samples: [
      { seq: 41, t: T0, m: { cpu_pct: 12.5, mem_used_pct: 40 }, f: [0.125, -2, 2 ** 34] },
      { seq: 42, t: T0 + 10_000, m: { cpu_pct: 99, mem_used_pct: 41 }, f: [0, 0, 0] },
    ],
    ...overrides,
  };
}

/**
 * Encodes without validation, as a foreign or broken sender would; feature arrays of numbers
 * become their wire text (base64 float32), anything else is sent as it is.
 */
function raw(value: unknown): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value);
  const text = JSON.stringify(value, (key, v: unknown) => (key === 'f' && Array.isArray(v) && v.every((x) => typeof x === 'number') ? encodeFeatures(v as number[]) : v));
  return Buffer.from(text);
}

function rejection(data: Uint8Array): WireRecordError {
  try {
    decodeWireRecord(data);
  } catch (error) {
    expect(error).toBeInstanceOf(WireRecordError);
    return error as WireRecordError;
  }
  throw new Error('expected the record to be rejected');
}

describe('wire record round trip', () => {
  it('decodes what it encodes, compressed and plain', () => {
    const r = record();
    expect(decodeWireRecord(encodeWireRecord(r))).toEqual(r);
    expect(decodeWireRecord(encodeWireRecord(r, { compress: false }))).toEqual(r);
  });

  it('keeps a record without tags without inventing any', () => {
    const { tags: _tags, ...untagged } = record();
    expect(decodeWireRecord(encodeWireRecord(untagged))).toEqual(untagged);
  });

  it('compresses a typical minute of samples to well under one 25 KB PUT payload unit', () => {
    const samples = Array.from({ length: 6 }, (_, i) => ({
      seq: i,
      t: T0 + i * 10_000,
      m: Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`metric_${k}`, Math.random() * 100])),
      f: Array.from({ length: 50 }, () => Math.random() * 4 - 2),
    }));
    expect(encodeWireRecord(record({ samples })).length).toBeLessThan(25_000 / 4);
  });
});

describe('features on the wire', () => {
  it('travel as base64 of little-endian float32 and come back as float32 values', () => {
    const r = record({ samples: [{ seq: 1, t: T0, m: {}, f: [0.1, 1 / 3, -7] }] });
    const json = JSON.parse(Buffer.from(encodeWireRecord(r, { compress: false })).toString('utf8')) as { samples: { f: string }[] };
    const bytes = Buffer.from(json.samples[0]!.f, 'base64');
    expect([bytes.readFloatLE(0), bytes.readFloatLE(4), bytes.readFloatLE(8)]).toEqual([Math.fround(0.1), Math.fround(1 / 3), -7]);
    expect(decodeWireRecord(encodeWireRecord(r)).samples[0]!.f).toEqual([Math.fround(0.1), Math.fround(1 / 3), -7]);
  });

  it('keeps every decoded vector intact while many more are decoded (they share buffer memory)', () => {
    const vectors = Array.from({ length: 500 }, (_, i) => Array.from({ length: 1 + (i % 70) }, (_, k) => Math.fround(i * 1000 + k + 0.25)));
    const decoded = vectors.map((v) => decodeFeatures(encodeFeatures(v)));
    decoded.forEach((d, i) => expect(Array.from(d as Float32Array)).toEqual(vectors[i]));
  });

  it('refuses to encode a feature beyond the float32 range, naming sample and feature', () => {
    const r = record({ samples: [{ seq: 1, t: T0, m: {}, f: [0] }, { seq: 2, t: T0, m: {}, f: [1e39] }] });
    expect(() => encodeWireRecord(r)).toThrow(/samples\[1\]\.f\[0\]: 1e\+39 does not fit a float32/);
  });

  it('rejects a non-finite feature, naming the sample and the feature index', () => {
    const bits = Buffer.alloc(12);
    bits.writeFloatLE(1, 0);
    bits.writeFloatLE(Number.NaN, 4);
    bits.writeFloatLE(2, 8);
    const bad = { ...record(), samples: [record().samples[0], { seq: 42, t: T0, m: {}, f: bits.toString('base64') }] };
    const error = rejection(raw(bad));
    expect(error.kind).toBe('invalid');
    expect(error.message).toContain('samples[1].f: feature 1 is NaN, expected a finite number');
  });

  it('rejects feature text that is not base64 or not whole float32 values, and features as a JSON array', () => {
    const withF = (f: unknown): Uint8Array => raw({ ...record(), samples: [{ seq: 1, t: T0, m: {}, f: 'AAAAAAAAAAAAAAAA' }, { seq: 2, t: T0, m: {}, f }] });
    expect(rejection(withF('AAA*AAAAAAAAAAAA')).message).toContain('samples[1].f: features must be base64 of little-endian float32 values; this text of 16 characters is not base64');
    expect(rejection(withF('AAAAAAA=')).message).toContain('samples[1].f: features must be base64 of little-endian float32 values; 5 bytes is not a whole number of them');
    expect(rejection(Buffer.from(JSON.stringify({ ...record(), samples: [{ seq: 1, t: T0, m: {}, f: [1, 2] }] }))).message).toContain('samples[0].f: expected features as base64 float32 text');
  });
});

describe('wire record rejections', () => {
  it('rejects an unknown version with the version found and the fix', () => {
    const error = rejection(raw({ ...record(), v: 2 }));
    expect(error.kind).toBe('unsupported_version');
    expect(error.message).toContain('wire version 2 is not supported');
  });

  it('rejects a record without a version', () => {
    const { v: _v, ...noVersion } = record();
    expect(rejection(raw(noVersion)).kind).toBe('unsupported_version');
  });

  it('names a missing field', () => {
    const { host: _host, ...noHost } = record();
    const error = rejection(raw(noHost));
    expect(error.kind).toBe('invalid');
    expect(error.message).toMatch(/host: .*got undefined|host: /);
  });

  it('names the field, the value and the rule for a non-finite number', () => {
    // JSON cannot carry Infinity; a sender that writes it produces null or a huge literal.
    const error = rejection(raw('{"v":1,"host":"h","fs":1,"samples":[{"seq":0,"t":1790000000000,"m":{"cpu_pct":1e999},"f":[1]}]}'));
    expect(error.kind).toBe('invalid');
    expect(error.message).toContain('samples[0].m.cpu_pct: expected a finite number');
    expect(error.message).toContain('Infinity');
  });

  it('refuses to encode NaN rather than sending null', () => {
    const bad = record();
    bad.samples[0]!.f[1] = Number.NaN;
    expect(() => encodeWireRecord(bad)).toThrow(/samples\[0\]\.f\[1\]: expected a finite number \(got NaN\)/);
  });

  it('names a wrong type with the value given', () => {
    const bad = { ...record(), samples: [{ seq: 'one', t: T0, m: {}, f: [] }] };
    expect(rejection(raw(bad)).message).toContain('samples[0].seq');
    expect(rejection(raw(bad)).message).toContain('"one"');
  });

  it('rejects unknown fields, bad host ids, reserved tag keys and ragged feature vectors', () => {
    expect(rejection(raw({ ...record(), extra: 1 })).message).toContain('extra');
    expect(rejection(raw({ ...record(), host: '../etc' })).message).toContain('host: host id must');
    expect(rejection(raw({ ...record(), tags: { host: 'x' } })).message).toContain('tags.host: tag key is reserved');
    expect(rejection(raw({ ...record(), tags: { Env: 'x' } })).message).toContain('tags.Env: tag keys must be lower snake case');
    const ragged = record();
    ragged.samples[1]!.f = [1];
    expect(rejection(raw(ragged)).message).toContain('samples[1].f: every sample needs the same number of features');
  });

  it('rejects a record without samples and a time outside 2000..2100', () => {
    expect(rejection(raw({ ...record(), samples: [] })).message).toContain('at least one sample');
    const old = record();
    old.samples[0]!.t = 5;
    expect(rejection(raw(old)).message).toContain('samples[0].t: time before 2000');
  });

  it('rejects an oversize record on both sides', () => {
    expect(rejection(new Uint8Array(WIRE_MAX_BYTES + 1)).kind).toBe('oversize');
    const samples = Array.from({ length: 1000 }, (_, i) => ({ seq: i, t: T0 + i, m: { cpu_pct: Math.random() }, f: Array.from({ length: 60 }, Math.random) }));
    expect(() => encodeWireRecord(record({ samples }), { compress: false })).toThrow(WireRecordError);
    expect(() => encodeWireRecord(record({ samples }), { compress: false })).toThrow(/over the 262144-byte limit/);
  });

  it('rejects garbage bytes, broken gzip and a gzip bomb as garbage', () => {
    expect(rejection(Buffer.from([0xde, 0xad, 0xbe, 0xef])).kind).toBe('garbage');
    expect(rejection(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01])).kind).toBe('garbage');
    expect(rejection(gzipSync(Buffer.alloc(8 * 1024 * 1024, 32))).kind).toBe('garbage');
    expect(rejection(raw('not json')).message).toContain('not JSON');
  });
});
