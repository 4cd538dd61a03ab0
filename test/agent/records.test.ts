/** Packing samples into wire records and PutRecords calls, and the retry delays. */
import { describe, expect, it } from 'vitest';
import { decodeWireRecord, WIRE_VERSION, type WireSample } from '../../core/wire.js';
import { backoffDelay } from '../../agent/sender/backoff.js';
import { PUT_RECORDS_MAX_BYTES, PUT_UNIT_BYTES, putUnits, toEntries, toPutBatches, type KinesisEntry } from '../../core/kinesis-records.js';
import { roundForWire, toWireSample } from '../../core/wire-sample.js';

const T0 = Date.UTC(2026, 0, 1);
const sample = (seq: number, width = 60): WireSample => ({
  seq,
  t: T0 + seq * 10_000,
  m: { cpu_pct: seq % 100 },
  f: Array.from({ length: width }, (_, i) => Math.sin(seq * 7 + i) * 1000),
});

describe('toEntries', () => {
  it('packs consecutive samples of a host into records keyed by the host, order kept', () => {
    const entries = toEntries(
      { host: 'web-1', tags: { env: 'prod' }, fs: 1 },
      Array.from({ length: 7 }, (_, i) => sample(i)),
      3,
    );
    expect(entries.map((e) => e.samples)).toEqual([3, 3, 1]);
    expect(entries.every((e) => e.partitionKey === 'web-1')).toBe(true);
    const decoded = entries.map((e) => decodeWireRecord(e.data));
    expect(decoded.flatMap((r) => r.samples.map((s) => s.seq))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(decoded[0]).toMatchObject({ v: WIRE_VERSION, host: 'web-1', tags: { env: 'prod' }, fs: 1 });
  });

  it('splits a record that would exceed one 25 KB PUT payload unit', () => {
    const noisy = Array.from({ length: 200 }, (_, i) => ({ ...sample(i, 400), f: Array.from({ length: 400 }, () => Math.random()) }));
    const entries = toEntries({ host: 'h', fs: 1 }, noisy, 200);
    expect(entries.length).toBeGreaterThan(1);
    expect(entries.every((e) => e.data.length <= PUT_UNIT_BYTES && putUnits(e) === 1)).toBe(true);
    expect(entries.reduce((n, e) => n + e.samples, 0)).toBe(200);
  });
});

describe('toPutBatches', () => {
  const entry = (bytes: number): KinesisEntry => ({ data: new Uint8Array(bytes), partitionKey: 'h', samples: 1 });
  it('at most 500 entries per call', () => {
    expect(toPutBatches(Array.from({ length: 1001 }, () => entry(10))).map((b) => b.length)).toEqual([500, 500, 1]);
  });
  it('at most 5 MiB per call, counting partition keys', () => {
    const batches = toPutBatches(Array.from({ length: 30 }, () => entry(256 * 1024)));
    expect(batches.length).toBe(2);
    for (const b of batches) expect(b.reduce((n, e) => n + e.data.length + 1, 0)).toBeLessThanOrEqual(PUT_RECORDS_MAX_BYTES);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, with jitter between a tenth and all of the ceiling', () => {
    const options = { baseMs: 100, throttledBaseMs: 500, capMs: 2_000 };
    expect(backoffDelay(1, false, options, () => 1)).toBe(100);
    expect(backoffDelay(3, false, options, () => 1)).toBe(400);
    expect(backoffDelay(20, false, options, () => 1)).toBe(2_000);
    expect(backoffDelay(20, false, options, () => 0)).toBe(200);
    expect(backoffDelay(1, true, options, () => 1)).toBe(500);
  });
});

describe('wire samples', () => {
  it('round metrics to 7 significant digits, features to float32, and drop non-finite metric values', () => {
    expect(roundForWire(123456.789)).toBe(123456.8);
    expect(roundForWire(0.000123456789)).toBe(0.0001234568);
    const wire = toWireSample(5, T0, { cpu_pct: 12.345678912, load1_per_cpu: Number.NaN }, new Float64Array([1 / 3, 2]));
    expect(wire).toEqual({ seq: 5, t: T0, m: { cpu_pct: 12.34568 }, f: [Math.fround(1 / 3), 2] });
  });
  it('a sample outside the wire format is an error naming the field', () => {
    expect(() => toWireSample(1, 0, {}, new Float64Array(1))).toThrow(/t: time before 2000/);
  });
});
