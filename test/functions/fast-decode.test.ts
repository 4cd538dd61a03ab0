/** The fast wire decoder agrees with core/wire.ts's decodeWireRecord on valid and invalid records. */
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeWireRecord, encodeFeatures, encodeWireRecord, WIRE_MAX_SAMPLES, WireRecordError, type WireRecord } from '../../core/wire.js';
import { conformsToWireRecord, decodeWireRecordFast, FeatureRows, gunzipRecords } from '../../functions/score/fast-decode.js';
import { sample, WIDTH, wireRecord } from './fixtures.js';

function outcome(decode: (data: Uint8Array) => unknown, data: Uint8Array): unknown {
  try {
    return { ok: decode(data) };
  } catch (error) {
    expect(error).toBeInstanceOf(WireRecordError);
    return { kind: (error as WireRecordError).kind, message: (error as Error).message };
  }
}

type Json = Record<string, unknown>;
/** A valid record as it travels (features as base64 float32 text), to mutate. */
const valid = (): Json => JSON.parse(Buffer.from(encodeWireRecord(wireRecord('web-1', [sample(1), sample(2, { anomalous: 'cpu_pct' })], { env: 'prod' }), { compress: false })).toString('utf8')) as Json;
const nanBits = Buffer.from(new Float32Array([1, Number.NaN]).buffer).toString('base64');
const firstSample = (r: Json): Json => (r.samples as Json[])[0]!;

/** Each mutation breaks (or stretches) one rule of the wire schema. */
const mutations: Record<string, (r: Json) => void> = {
  'unknown record key': (r) => (r.extra = 1),
  'wrong version': (r) => (r.v = 2),
  'missing version': (r) => delete r.v,
  'bad host': (r) => (r.host = '-bad host'),
  'numeric host': (r) => (r.host = 42),
  'reserved tag': (r) => (r.tags = { host: 'x' }),
  'upper-case tag key': (r) => (r.tags = { Env: 'x' }),
  'empty tag value': (r) => (r.tags = { env: '' }),
  'too many tags': (r) => (r.tags = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`t${i}`, 'x']))),
  'tags null': (r) => (r.tags = null),
  'tags array': (r) => (r.tags = ['env']),
  'tag value number': (r) => (r.tags = { env: 1 }),
  'fs zero': (r) => (r.fs = 0),
  'fs fraction': (r) => (r.fs = 1.5),
  'fs string': (r) => (r.fs = '1'),
  'no samples': (r) => (r.samples = []),
  'samples not array': (r) => (r.samples = {}),
  'too many samples': (r) => (r.samples = Array.from({ length: WIRE_MAX_SAMPLES + 1 }, () => firstSample(r))),
  'sample not object': (r) => ((r.samples as unknown[])[1] = 5),
  'unknown sample key': (r) => (firstSample(r).x = 1),
  'missing seq': (r) => delete firstSample(r).seq,
  'negative seq': (r) => (firstSample(r).seq = -1),
  'fraction seq': (r) => (firstSample(r).seq = 1.5),
  'huge seq': (r) => (firstSample(r).seq = 2 ** 60),
  'time before 2000': (r) => (firstSample(r).t = 5),
  'time after 2100': (r) => (firstSample(r).t = Date.UTC(2101, 0, 1)),
  'time at 2000-01-01': (r) => (firstSample(r).t = Date.UTC(2000, 0, 1)),
  'time just before 2000': (r) => (firstSample(r).t = Date.UTC(2000, 0, 1) - 1),
  'time at 2100-01-01': (r) => (firstSample(r).t = Date.UTC(2100, 0, 1)),
  'time just after 2100': (r) => (firstSample(r).t = Date.UTC(2100, 0, 1) + 1),
  'seq zero': (r) => (firstSample(r).seq = 0),
  'largest safe seq': (r) => (firstSample(r).seq = Number.MAX_SAFE_INTEGER),
  'time as string': (r) => (firstSample(r).t = String(firstSample(r).t)),
  'time fraction': (r) => (firstSample(r).t = Date.UTC(2026, 0, 1) + 0.5),
  'metric bad name': (r) => (firstSample(r).m = { 'CPU%': 1 }),
  'metric string value': (r) => (firstSample(r).m = { cpu_pct: '1' }),
  'metric null value': (r) => (firstSample(r).m = { cpu_pct: null }),
  'metrics array': (r) => (firstSample(r).m = [1]),
  'empty metrics': (r) => (firstSample(r).m = {}),
  'features as a JSON array': (r) => (firstSample(r).f = [0.1, 0.2]),
  'features null': (r) => (firstSample(r).f = null),
  'features not base64': (r) => (firstSample(r).f = 'AAA*AAAA'),
  'features with a space': (r) => (firstSample(r).f = 'AAAA AAA'),
  'features not whole float32 values': (r) => (firstSample(r).f = 'AAAAAAA='),
  'feature NaN': (r) => (r.samples as Json[]).forEach((s) => (s.f = nanBits)),
  'feature infinite': (r) => (firstSample(r).f = Buffer.from(new Float32Array(60).fill(Number.POSITIVE_INFINITY).buffer).toString('base64')),
  'ragged features': (r) => ((r.samples as Json[])[1]!.f = encodeFeatures([1, 2])),
  'empty features everywhere': (r) => (r.samples as Json[]).forEach((s) => (s.f = '')),
  'proto key in metrics': (r) => (firstSample(r).m = JSON.parse('{"__proto__": 1}') as Json),
};

/**
 * The fast decoder with each sample's features read back from the feature rows (those of its own
 * width, as the scoring function reads a record for a model of that width), to compare with
 * decodeWireRecord.
 */
function fastDecode(data: Uint8Array, width = WIDTH, inflated?: Uint8Array): WireRecord {
  const rows = new FeatureRows(width, 2);
  const record = decodeWireRecordFast(data, rows, inflated);
  const matrix = rows.matrix();
  if (rows.rows === 0) return record as WireRecord;
  expect(rows.rows).toBe(record.samples.length);
  return { ...record, samples: record.samples.map((s, i) => ({ seq: s.seq, t: s.t, m: s.m, f: Array.from(matrix.subarray(i * width, (i + 1) * width)) })) };
}

describe('decodeWireRecordFast', () => {
  it('takes the fast path for a valid record and returns what decodeWireRecord returns, features in the rows', () => {
    const data = gzipSync(Buffer.from(JSON.stringify(valid())));
    expect(conformsToWireRecord(valid())).toBe(true);
    const rows = new FeatureRows(WIDTH);
    const fast = decodeWireRecordFast(data, rows);
    expect(fast.samples.every((s) => s.f === undefined)).toBe(true);
    expect(rows.rows).toBe(2);
    expect(fastDecode(data)).toEqual(decodeWireRecord(data));
  });

  it('appends to rows already read, growing them, and truncates what a refused record added', () => {
    const data = gzipSync(Buffer.from(JSON.stringify(valid())));
    const rows = new FeatureRows(WIDTH, 1);
    for (let i = 0; i < 5; i++) decodeWireRecordFast(data, rows);
    expect(rows.rows).toBe(10);
    const expected = decodeWireRecord(data).samples.map((s) => s.f);
    expect(Array.from(rows.matrix().subarray(8 * WIDTH))).toEqual(expected.flat());
    rows.truncate(4);
    expect(rows.matrix()).toHaveLength(4 * WIDTH);
  });

  it('reads a record of another width without rows, for the caller to refuse', () => {
    const data = gzipSync(Buffer.from(JSON.stringify(valid())));
    const rows = new FeatureRows(WIDTH - 1);
    const record = decodeWireRecordFast(data, rows);
    expect(rows.rows).toBe(0);
    expect(record).toEqual(decodeWireRecord(data));
  });

  it.each(Object.entries(mutations))('agrees with decodeWireRecord on: %s', (_name, mutate) => {
    const record = valid();
    mutate(record);
    const gzip = gzipSync(Buffer.from(JSON.stringify(record)));
    for (const data of [gzip, Buffer.from(JSON.stringify(record))]) {
      expect(outcome(fastDecode, data)).toEqual(outcome(decodeWireRecord, data));
    }
    // Gunzipped with the rest of its batch.
    expect(outcome((data) => fastDecode(data, WIDTH, gunzipSync(data)), gzip)).toEqual(outcome(decodeWireRecord, gzip));
  });

  it.each([
    ['garbage bytes', Buffer.from([0x00, 0xff, 0x13])],
    ['broken gzip', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01])],
    ['JSON that is not an object', Buffer.from('[1,2,3]')],
    ['oversize', Buffer.alloc(300 * 1024, 0x20)],
  ])('agrees with decodeWireRecord on %s', (_name, data) => {
    const fast = outcome(fastDecode, data);
    expect(fast).toEqual(outcome(decodeWireRecord, data));
    expect(fast).toHaveProperty('kind');
  });
});

describe('gunzipRecords', () => {
  const json = (host: string): Buffer => Buffer.from(JSON.stringify({ ...valid(), host }));
  const gzip = (host: string): Buffer => gzipSync(json(host));

  /** Every record it inflated, it inflated as gunzip of that record alone would. */
  function expectFaithful(datas: Uint8Array[]): (Buffer | undefined)[] {
    const out = gunzipRecords(datas);
    expect(out).toHaveLength(datas.length);
    out.forEach((bytes, i) => {
      if (bytes) expect(bytes.equals(gunzipSync(datas[i]!))).toBe(true);
    });
    return out;
  }

  it('inflates the gzip records of a batch, leaving the others to be read on their own', () => {
    const out = expectFaithful([gzip('a'), json('b'), gzip('c'), gzip('d')]);
    expect(out.map((b) => b !== undefined)).toEqual([true, false, true, true]);
  });

  it('leaves every record to be read on its own when one is broken', () => {
    const broken = gzip('b');
    broken[broken.length - 12] = broken[broken.length - 12]! ^ 0xff;
    expect(expectFaithful([gzip('a'), broken, gzip('c')]).every((b) => b === undefined)).toBe(true);
  });

  it('never shifts outputs between records: several members, bytes after the member, a false length', () => {
    const twoMembers = Buffer.concat([gzip('b1'), gzip('b2')]);
    const zeroPadded = Buffer.concat([gzip('c'), Buffer.alloc(7)]);
    const trailing = Buffer.concat([gzip('d'), Buffer.from('{"x":1}')]);
    const falseLength = gzip('e');
    falseLength.writeUInt32LE(falseLength.readUInt32LE(falseLength.length - 4) + 3, falseLength.length - 4);
    for (const odd of [twoMembers, zeroPadded, trailing, falseLength]) {
      const out = expectFaithful([gzip('a'), odd, gzip('f')]);
      expect(out[1]).toBeUndefined();
    }
  });
});
