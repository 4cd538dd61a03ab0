/** The fast wire decoder agrees with core/wire.ts's decodeWireRecord on valid and invalid records. */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeWireRecord, encodeFeatures, encodeWireRecord, WIRE_MAX_SAMPLES, WireRecordError } from '../../core/wire.js';
import { conformsToWireRecord, decodeWireRecordFast } from '../../functions/score/fast-decode.js';
import { sample, wireRecord } from './fixtures.js';

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

/** The fast decoder with its Float32Array features as arrays, to compare with decodeWireRecord. */
function asArrays(decode: typeof decodeWireRecordFast): (data: Uint8Array) => unknown {
  return (data) => {
    const record = decode(data);
    return { ...record, samples: record.samples.map((s) => ({ ...s, f: Array.from(s.f) })) };
  };
}

describe('decodeWireRecordFast', () => {
  it('takes the fast path for a valid record and returns what decodeWireRecord returns, features as float32', () => {
    const data = gzipSync(Buffer.from(JSON.stringify(valid())));
    expect(conformsToWireRecord(valid())).toBe(true);
    const fast = decodeWireRecordFast(data);
    expect(fast.samples.every((s) => s.f instanceof Float32Array)).toBe(true);
    expect({ ...fast, samples: fast.samples.map((s) => ({ ...s, f: Array.from(s.f) })) }).toEqual(decodeWireRecord(data));
  });

  it.each(Object.entries(mutations))('agrees with decodeWireRecord on: %s', (_name, mutate) => {
    const record = valid();
    mutate(record);
    for (const data of [gzipSync(Buffer.from(JSON.stringify(record))), Buffer.from(JSON.stringify(record))]) {
      expect(outcome(asArrays(decodeWireRecordFast), data)).toEqual(outcome(decodeWireRecord, data));
    }
  });

  it.each([
    ['garbage bytes', Buffer.from([0x00, 0xff, 0x13])],
    ['broken gzip', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01])],
    ['JSON that is not an object', Buffer.from('[1,2,3]')],
    ['oversize', Buffer.alloc(300 * 1024, 0x20)],
  ])('agrees with decodeWireRecord on %s', (_name, data) => {
    const fast = outcome(decodeWireRecordFast, data);
    expect(fast).toEqual(outcome(decodeWireRecord, data));
    expect(fast).toHaveProperty('kind');
  });
});
