import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BandValues, FeatureRows } from '../../core/feature-rows.js';
import { HOST_FEATURE_SET } from '../../core/features.js';
import {
  decodeWireRecord,
  encodeWireRecord,
  readWireRecord,
  readWireRecordInto,
  WIRE_MAX_BYTES,
  WIRE_MAX_SAMPLES,
  WIRE_VERSION,
  WIRE_VERSION_WITHOUT_BAND,
  WireRecordError,
  type WireRecord,
} from '../../core/wire.js';

const T0 = Date.UTC(2026, 10, 21, 12);

function record(overrides: Partial<WireRecord> = {}): WireRecord {
  return {
    v: WIRE_VERSION,
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

interface RawRecord {
  version?: number;
  flags?: number;
  fs?: number;
  host?: string;
  tags?: [string, string][];
  metrics?: string[];
  samples?: { seq: number; t: number; m: number[] }[];
  /** Per sample, its features (every row must have `width` values). */
  features?: number[][];
  width?: number;
  /** Version 3: per sample, normal and scale per metric (NaN for none); all NaN when left out. */
  bands?: number[][];
}

/**
 * A record written straight from the layout core/wire.ts documents, without validation, as a
 * foreign or broken sender would.
 */
function raw(r: RawRecord = {}): Buffer {
  const metrics = r.metrics ?? ['cpu_pct', 'mem_used_pct'];
  const samples = r.samples ?? [
    { seq: 1, t: T0, m: [12.5, 40] },
    { seq: 2, t: T0 + 10_000, m: [13, 41] },
  ];
  const width = r.width ?? 3;
  const features = r.features ?? samples.map(() => [0.5, 1, -1]);
  const text = (s: string, lengthBytes: 1 | 2): Buffer => {
    const bytes = Buffer.from(s, 'utf8');
    const length = Buffer.alloc(lengthBytes);
    if (lengthBytes === 1) length.writeUInt8(bytes.length);
    else length.writeUInt16LE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const header = Buffer.alloc(12);
  header.write('VG', 0, 'latin1');
  header[2] = r.version ?? WIRE_VERSION;
  header[3] = r.flags ?? 0;
  header.writeUInt16LE(r.fs ?? 1, 4);
  header.writeUInt16LE(width, 6);
  header.writeUInt16LE(samples.length, 8);
  header[10] = metrics.length;
  const tags = r.tags ?? [['env', 'prod']];
  header[11] = tags.length;
  const parts = [header, text(r.host ?? 'web-1', 1), ...tags.flatMap(([k, v]) => [text(k, 1), text(v, 2)]), ...metrics.map((m) => text(m, 1))];
  for (const s of samples) {
    const b = Buffer.alloc(16 + 8 * s.m.length);
    b.writeDoubleLE(s.seq, 0);
    b.writeDoubleLE(s.t, 8);
    s.m.forEach((v, k) => b.writeDoubleLE(v, 16 + 8 * k));
    parts.push(b);
  }
  for (const row of features) parts.push(Buffer.from(Float32Array.from(row).buffer));
  if ((r.version ?? WIRE_VERSION) === WIRE_VERSION) {
    const bands = r.bands ?? samples.map(() => metrics.flatMap(() => [Number.NaN, Number.NaN]));
    for (const row of bands) parts.push(Buffer.from(Float32Array.from(row).buffer));
  }
  return Buffer.concat(parts);
}

function rejection(data: Uint8Array): WireRecordError {
  try {
    readWireRecord(data);
  } catch (error) {
    expect(error).toBeInstanceOf(WireRecordError);
    return error as WireRecordError;
  }
  throw new Error('expected the record to be rejected');
}

describe('the band (wire version 3)', () => {
  const banded = (): WireRecord =>
    record({
      samples: [
        { seq: 1, t: T0, m: { cpu_pct: 12.5, mem_used_pct: 40 }, f: [1, 2, 3], b: { cpu_pct: [10.25, 0.5], mem_used_pct: [39, 0.125] } },
        // A metric with a band but no value in this sample (not measured), and one without a band yet.
        { seq: 2, t: T0 + 10_000, m: { mem_used_pct: 41, swap_used_pct: 0 }, f: [1, 2, 3], b: { cpu_pct: [10.5, 0.5] } },
      ],
    });

  it("carries each metric's normal and scale as float32, and reads back what it carried", () => {
    const r = banded();
    expect(decodeWireRecord(encodeWireRecord(r))).toEqual(r);
    const read = readWireRecord(encodeWireRecord(r));
    expect(read.band?.metrics).toEqual(['cpu_pct', 'mem_used_pct', 'swap_used_pct']);
    expect(Array.from(read.band!.values.subarray(read.band!.at, read.band!.at + 12))).toEqual([10.25, 0.5, 39, 0.125, NaN, NaN, 10.5, 0.5, NaN, NaN, NaN, NaN]);
    // A batch's records append their bands to one array, one after another.
    const bands = new BandValues(4);
    const rows = new FeatureRows(3);
    const first = readWireRecordInto(encodeWireRecord(r), rows, bands);
    const second = readWireRecordInto(encodeWireRecord(r), rows, bands);
    expect([first.band!.at, second.band!.at, bands.length]).toEqual([0, 12, 24]);
    expect(Array.from(second.band!.values.subarray(12, 24))).toEqual(Array.from(read.band!.values.subarray(read.band!.at, read.band!.at + 12)));
    expect(Array.from(first.band!.values.subarray(0, 4))).toEqual([10.25, 0.5, 39, 0.125]);
    const odd = record({ samples: [{ seq: 1, t: T0, m: { cpu_pct: 1 }, f: [1], b: { cpu_pct: [0.1, 0.3] } }] });
    expect(decodeWireRecord(encodeWireRecord(odd)).samples[0]!.b).toEqual({ cpu_pct: [Math.fround(0.1), Math.fround(0.3)] });
  });

  it('adds 8 bytes a metric and sample to version 2', () => {
    const r = banded();
    const v2 = { ...r, v: WIRE_VERSION_WITHOUT_BAND, samples: r.samples.map(({ b: _b, ...s }) => s) } as WireRecord;
    expect(encodeWireRecord(r).length - encodeWireRecord(v2).length).toBe(2 * 3 * 8);
  });

  it('reads version 2 records (agents of the previous release): the same samples, without a band', () => {
    const r = banded();
    const v2 = { ...r, v: WIRE_VERSION_WITHOUT_BAND, samples: r.samples.map(({ b: _b, ...s }) => s) } as WireRecord;
    const bytes = encodeWireRecord(v2);
    expect(bytes[2]).toBe(2);
    expect(decodeWireRecord(bytes)).toEqual(v2);
    const rows = new FeatureRows(3);
    const head = readWireRecordInto(bytes, rows);
    expect(head.v).toBe(2);
    expect(head.band).toBeUndefined();
    expect(rows.rows).toBe(2);
    // A version 2 record written from the layout alone (no band block) reads too.
    expect(decodeWireRecord(raw({ version: 2 })).samples.map((s) => s.m)).toEqual([
      { cpu_pct: 12.5, mem_used_pct: 40 },
      { cpu_pct: 13, mem_used_pct: 41 },
    ]);
  });

  it('refuses to encode a band into version 2, and a band that does not fit float32 or has no positive scale', () => {
    const r = banded();
    expect(() => encodeWireRecord({ ...r, v: WIRE_VERSION_WITHOUT_BAND })).toThrow(/samples\[0\]\.b: wire version 2 carries no band/);
    const bad = (b: [number, number]) => record({ samples: [{ seq: 1, t: T0, m: { cpu_pct: 1 }, f: [1], b: { cpu_pct: b } }] });
    expect(() => encodeWireRecord(bad([1, 0]))).toThrow(/samples\[0\]\.b\.cpu_pct\[1\]: expected a scale > 0/);
    expect(() => encodeWireRecord(bad([1e39, 1]))).toThrow(/samples\[0\]\.b\.cpu_pct: \[1e\+39, 1\] does not fit float32/);
  });

  it('rejects a band that is half there, infinite or with a scale of 0 or less, naming sample and metric', () => {
    for (const band of [
      [1, Number.NaN],
      [Number.NaN, 1],
      [Number.POSITIVE_INFINITY, 1],
      [1, 0],
      [1, -2],
    ]) {
      const bytes = raw({
        bands: [
          [5, 1, 40, 2],
          [5, 1, ...band],
        ],
      });
      const error = rejection(bytes);
      expect(error.kind).toBe('invalid');
      expect(error.message).toContain('samples[1].b.mem_used_pct');
      expect(error.message).toContain("the sender's feature pipeline is broken");
    }
    // The feature rows and the batch's bands are left as they were.
    const rows = new FeatureRows(3);
    const bands = new BandValues();
    expect(() =>
      readWireRecordInto(
        raw({
          bands: [
            [5, 1, 40, 2],
            [5, 1, 1, 0],
          ],
        }),
        rows,
        bands,
      ),
    ).toThrow(WireRecordError);
    expect([rows.rows, bands.length]).toEqual([0, 0]);
    // So are they when the band is good and a feature is not.
    expect(() =>
      readWireRecordInto(
        raw({
          bands: [
            [5, 1, 40, 2],
            [5, 1, 41, 2],
          ],
          features: [
            [1, 2, 3],
            [1, Number.NaN, 3],
          ],
        }),
        rows,
        bands,
      ),
    ).toThrow(/samples\[1\]\.f: feature 1 is NaN/);
    expect([rows.rows, bands.length]).toEqual([0, 0]);
  });
});

describe('wire record round trip', () => {
  it('decodes what it encodes', () => {
    const r = record();
    expect(decodeWireRecord(encodeWireRecord(r))).toEqual(r);
  });

  it('keeps a record without tags without inventing any', () => {
    const { tags: _tags, ...untagged } = record();
    expect(decodeWireRecord(encodeWireRecord(untagged))).toEqual(untagged);
  });

  it('keeps a metric a sample did not measure absent, not zero', () => {
    const r = record({
      samples: [
        { seq: 1, t: T0, m: { cpu_pct: 1 }, f: [1] },
        { seq: 2, t: T0 + 1, m: { mem_used_pct: 2 }, f: [2] },
        { seq: 3, t: T0 + 2, m: {}, f: [3] },
      ],
    });
    expect(decodeWireRecord(encodeWireRecord(r))).toEqual(r);
  });

  it('reads the layout it documents: a record written from the layout alone decodes', () => {
    expect(decodeWireRecord(raw())).toEqual({
      v: WIRE_VERSION,
      host: 'web-1',
      tags: { env: 'prod' },
      fs: 1,
      samples: [
        { seq: 1, t: T0, m: { cpu_pct: 12.5, mem_used_pct: 40 }, f: [0.5, 1, -1] },
        { seq: 2, t: T0 + 10_000, m: { cpu_pct: 13, mem_used_pct: 41 }, f: [0.5, 1, -1] },
      ],
    });
    expect(Buffer.from(encodeWireRecord(decodeWireRecord(raw()))).equals(raw())).toBe(true);
  });

  it('carries the most metric names a record may have, and refuses one more', () => {
    const names = Array.from({ length: 255 }, (_, i) => `metric_${String(i).padStart(3, '0')}_${'x'.repeat(50)}`);
    const r = record({ samples: [{ seq: 1, t: T0, m: Object.fromEntries(names.map((n, i) => [n, i])), f: [1] }] });
    for (let i = 0; i < 2; i++) expect(decodeWireRecord(encodeWireRecord(r))).toEqual(r);
    const tooMany = record({ samples: [{ seq: 1, t: T0, m: Object.fromEntries([...names, 'one_more'].map((n, i) => [n, i])), f: [1] }] });
    expect(() => encodeWireRecord(tooMany)).toThrow(/256 distinct metric names, at most 255/);
  });

  it('gives the features as one float32 matrix, one row per sample', () => {
    const read = readWireRecord(encodeWireRecord(record()));
    expect(read.width).toBe(3);
    expect(Array.from(read.features)).toEqual([0.125, -2, 2 ** 34, 0, 0, 0]);
    expect(read.samples).toEqual([
      { seq: 41, t: T0, m: { cpu_pct: 12.5, mem_used_pct: 40 } },
      { seq: 42, t: T0 + 10_000, m: { cpu_pct: 99, mem_used_pct: 41 } },
    ]);
  });

  it('fits a typical minute of samples (6 samples, the agent’s metrics, their bands and its features) in a sixth of one 25 KB PUT payload unit', () => {
    const samples = Array.from({ length: 6 }, (_, i) => ({
      seq: i,
      t: T0 + i * 10_000,
      m: Object.fromEntries(HOST_FEATURE_SET.metrics.map((metric) => [metric, Math.random() * 100])),
      f: Array.from({ length: HOST_FEATURE_SET.names.length }, () => Math.random() * 4 - 2),
      b: Object.fromEntries(HOST_FEATURE_SET.metrics.map((metric): [string, [number, number]] => [metric, [Math.random() * 100, 1 + Math.random()]])),
    }));
    expect(encodeWireRecord(record({ samples })).length).toBeLessThan(25_000 / 6);
  });
});

describe('features on the wire', () => {
  it('travel as float32 and come back as the float32 values', () => {
    const r = record({ samples: [{ seq: 1, t: T0, m: {}, f: [0.1, 1 / 3, -7] }] });
    expect(decodeWireRecord(encodeWireRecord(r)).samples[0]!.f).toEqual([Math.fround(0.1), Math.fround(1 / 3), -7]);
  });

  it('refuses to encode a feature beyond the float32 range, naming sample and feature', () => {
    const r = record({
      samples: [
        { seq: 1, t: T0, m: {}, f: [0] },
        { seq: 2, t: T0, m: {}, f: [1e39] },
      ],
    });
    expect(() => encodeWireRecord(r)).toThrow(/samples\[1\]\.f\[0\]: 1e\+39 does not fit a float32/);
  });

  it('refuses to encode NaN', () => {
    const bad = record();
    bad.samples[0]!.f[1] = Number.NaN;
    expect(() => encodeWireRecord(bad)).toThrow(/samples\[0\]\.f\[1\]: expected a finite number \(got NaN\)/);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('rejects a %s feature, naming the sample and the feature index', (name, value) => {
    const error = rejection(
      raw({
        features: [
          [1, 2, 3],
          [1, value, 3],
        ],
      }),
    );
    expect(error.kind).toBe('invalid');
    expect(error.message).toContain(`samples[1].f: feature 1 is ${name}, expected a finite number`);
  });

  it('refuses to encode ragged feature vectors', () => {
    const ragged = record();
    ragged.samples[1]!.f = [1];
    expect(() => encodeWireRecord(ragged)).toThrow(/samples\[1\]\.f: every sample needs the same number of features/);
  });
});

describe('wire record rejections', () => {
  it('names version 1 (gzip or plain JSON) as an unsupported version, with the fix', () => {
    const json = Buffer.from(JSON.stringify({ v: 1, host: 'h', fs: 1, samples: [] }));
    for (const data of [json, gzipSync(json)]) {
      const error = rejection(data);
      expect(error.kind).toBe('unsupported_version');
      expect(error.message).toMatch(/wire version 1; this reader takes version 3: run agent and scoring function from the same vigil release/);
    }
  });

  it('rejects another version or unknown flags with what it found', () => {
    expect(rejection(raw({ version: 4 }))).toMatchObject({
      kind: 'unsupported_version',
      message: expect.stringContaining('wire version 4 is not supported (this reader takes versions 2 and 3)'),
    });
    expect(rejection(raw({ flags: 1 }))).toMatchObject({ kind: 'unsupported_version', message: expect.stringContaining('flags 0x1') });
  });

  it('rejects bytes without the header as garbage, showing how they start', () => {
    const error = rejection(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    expect(error.kind).toBe('garbage');
    expect(error.message).toContain('0xdeadbeef');
    expect(rejection(Buffer.alloc(0)).kind).toBe('garbage');
  });

  it('rejects every truncation of a valid record, and bytes after it, as garbage', () => {
    const data = raw();
    for (let length = 0; length < data.length; length++) expect(rejection(data.subarray(0, length)).kind).toBe('garbage');
    expect(rejection(Buffer.concat([data, Buffer.from([0])])).message).toMatch(/bytes where its header promises/);
  });

  it('never fails with anything but a WireRecordError on corrupted bytes', () => {
    const data = raw();
    let seed = 7;
    const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
    for (let trial = 0; trial < 3000; trial++) {
      const bad = Buffer.from(data);
      for (let flips = 1 + (next() % 3); flips > 0; flips--) bad[next() % bad.length] = next() % 256;
      try {
        readWireRecord(bad);
      } catch (error) {
        expect(error).toBeInstanceOf(WireRecordError);
      }
    }
  });

  it.each<[string, RawRecord, string]>([
    ['a bad host', { host: '../etc' }, 'host: host id must be 1-128 characters'],
    ['an empty host', { host: '' }, 'host: host id must'],
    ['a reserved tag key', { tags: [['host', 'x']] }, 'tags.host: tag key is reserved'],
    ['an upper-case tag key', { tags: [['Env', 'x']] }, 'tags.Env: tag keys must be lower snake case'],
    ['a __proto__ tag key', { tags: [['__proto__', 'x']] }, 'tags.__proto__: tag keys must be lower snake case'],
    [
      'a tag key twice',
      {
        tags: [
          ['env', 'a'],
          ['env', 'b'],
        ],
      },
      'tags.env: tag key appears twice',
    ],
    ['an empty tag value', { tags: [['env', '']] }, 'tags.env: tag values must not be empty'],
    ['too many tags', { tags: Array.from({ length: 9 }, (_, i): [string, string] => [`t${i}`, 'x']) }, 'tags: at most 8 tags'],
    ['a bad metric name', { metrics: ['CPU%'], samples: [{ seq: 1, t: T0, m: [1] }] }, 'm.CPU%: metric names must be lower snake case'],
    ['a metric name twice', { metrics: ['cpu_pct', 'cpu_pct'] }, 'm.cpu_pct: metric name appears twice'],
    [
      'an infinite metric',
      { samples: [{ seq: 1, t: T0, m: [1, Number.POSITIVE_INFINITY] }] },
      'samples[0].m.mem_used_pct: expected a finite number (got Infinity)',
    ],
    ['a negative seq', { samples: [{ seq: -1, t: T0, m: [1, 2] }] }, 'samples[0].seq: expected an integer of 0 or more (got -1)'],
    ['a fraction seq', { samples: [{ seq: 1.5, t: T0, m: [1, 2] }] }, 'samples[0].seq: expected an integer of 0 or more (got 1.5)'],
    ['a seq beyond safe integers', { samples: [{ seq: 2 ** 60, t: T0, m: [1, 2] }] }, 'samples[0].seq'],
    ['a time before 2000', { samples: [{ seq: 1, t: 5, m: [1, 2] }] }, 'samples[0].t: time before 2000 (got 5)'],
    ['a time after 2100', { samples: [{ seq: 1, t: Date.UTC(2100, 0, 1) + 1, m: [1, 2] }] }, 'samples[0].t: time after 2100'],
    ['a fraction time', { samples: [{ seq: 1, t: T0 + 0.5, m: [1, 2] }] }, 'samples[0].t: expected integer epoch milliseconds'],
    ['feature-set version 0', { fs: 0 }, 'fs: expected a feature-set version of 1 or more (got 0)'],
    ['no samples', { samples: [], features: [] }, 'samples: a record carries at least one sample'],
  ])('rejects %s as invalid, naming the field, the value and the rule', (_name, r, message) => {
    const error = rejection(raw(r));
    expect(error.kind).toBe('invalid');
    expect(error.message).toContain(message);
  });

  it('takes the edges of the rules: times at 2000 and 2100, seq 0 and the largest safe integer, no metrics, no features', () => {
    const edges = [
      { seq: 0, t: Date.UTC(2000, 0, 1), m: [] },
      { seq: Number.MAX_SAFE_INTEGER, t: Date.UTC(2100, 0, 1), m: [] },
    ];
    expect(readWireRecord(raw({ metrics: [], samples: edges, width: 0, features: [[], []] })).samples).toEqual(edges.map(({ seq, t }) => ({ seq, t, m: {} })));
  });

  it('rejects more samples than a record may carry', () => {
    const samples = Array.from({ length: WIRE_MAX_SAMPLES + 1 }, (_, i) => ({ seq: i, t: T0, m: [] }));
    expect(rejection(raw({ metrics: [], samples, width: 0, features: samples.map(() => []) })).message).toContain('samples: at most 1000 samples (got 1001)');
  });

  it('rejects an oversize record on both sides', () => {
    expect(rejection(new Uint8Array(WIRE_MAX_BYTES + 1)).kind).toBe('oversize');
    const samples = Array.from({ length: 1000 }, (_, i) => ({ seq: i, t: T0 + i, m: { cpu_pct: Math.random() }, f: Array.from({ length: 60 }, Math.random) }));
    expect(() => encodeWireRecord(record({ samples }))).toThrow(WireRecordError);
    expect(() => encodeWireRecord(record({ samples }))).toThrow(/over the 262144-byte limit/);
  });

  it('refuses to encode an invalid record, naming the field', () => {
    expect(() => encodeWireRecord({ ...record(), host: '../etc' })).toThrow(/cannot encode wire record: host: host id must/);
    expect(() => encodeWireRecord({ ...record(), fs: 70_000 })).toThrow(/fs: /);
  });
});

describe('readWireRecordInto', () => {
  it("appends each record's features to the rows, growing them, in order", () => {
    const rows = new FeatureRows(3, 1);
    const first = readWireRecordInto(encodeWireRecord(record()), rows);
    readWireRecordInto(raw(), rows);
    expect(first).toEqual({
      v: WIRE_VERSION,
      host: 'web-01.eu',
      tags: { env: 'prod', role: 'web' },
      fs: 1,
      width: 3,
      samples: record().samples.map(({ f: _f, ...s }) => s),
      // No sample had a band: the block is there, NaN throughout.
      band: { metrics: ['cpu_pct', 'mem_used_pct'], values: new Float32Array(8).fill(Number.NaN), at: 0 },
    });
    expect(rows.rows).toBe(4);
    expect(Array.from(rows.matrix())).toEqual([0.125, -2, 2 ** 34, 0, 0, 0, 0.5, 1, -1, 0.5, 1, -1]);
  });

  it('reads a record of another width without its features, for the caller to refuse, and still checks them', () => {
    const rows = new FeatureRows(4);
    expect(readWireRecordInto(raw(), rows).width).toBe(3);
    expect(rows.rows).toBe(0);
    expect(() =>
      readWireRecordInto(
        raw({
          features: [
            [1, 2, 3],
            [1, Number.NaN, 3],
          ],
        }),
        rows,
      ),
    ).toThrow(/samples\[1\]\.f: feature 1 is NaN/);
  });

  it('leaves the rows as they were when it refuses a record', () => {
    const rows = new FeatureRows(3);
    readWireRecordInto(raw(), rows);
    for (const bad of [
      raw({
        features: [
          [1, 2, 3],
          [1, 2, Number.POSITIVE_INFINITY],
        ],
      }),
      raw({ samples: [{ seq: 1, t: 5, m: [1, 2] }], features: [[1, 2, 3]] }),
      raw().subarray(0, 40),
    ]) {
      expect(() => readWireRecordInto(bad, rows)).toThrow(WireRecordError);
      expect(rows.rows).toBe(2);
    }
    readWireRecordInto(
      raw({
        features: [
          [7, 8, 9],
          [7, 8, 9],
        ],
      }),
      rows,
    );
    expect(Array.from(rows.matrix().subarray(6))).toEqual([7, 8, 9, 7, 8, 9]);
  });
});
