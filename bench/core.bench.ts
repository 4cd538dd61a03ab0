/**
 * Area `core`: the wire record codec, the first step of every scored sample.
 * Baseline in the same run: the same records in wire version 1's form (gzip JSON, features as
 * base64 float32 text), gunzipped and parsed by JSON.parse, without any validation: the ratio is
 * what reading and validating version 2 costs against merely parsing version 1.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { HOST_FEATURE_SET } from '../core/features.js';
import { HOST_METRICS } from '../core/host-metrics.js';
import { encodeWireRecord, readWireRecord, WIRE_VERSION, type WireRecord } from '../core/wire.js';
import { median, type BenchArea } from './types.js';

const SAMPLES_PER_RECORD = 6;
const RECORDS = 2000;
const ROUNDS = 5;

function records(): WireRecord[] {
  return Array.from({ length: RECORDS }, (_, r) => {
    const record: WireRecord = {
      v: WIRE_VERSION,
      host: `host-${r}`,
      tags: { env: 'prod', role: 'web' },
      fs: HOST_FEATURE_SET.version,
      samples: Array.from({ length: SAMPLES_PER_RECORD }, (_, i) => ({
        seq: i,
        t: Date.UTC(2026, 10, 21) + i * 10_000,
        m: Object.fromEntries(HOST_METRICS.map((m) => [m, Math.random() * 100])),
        f: HOST_FEATURE_SET.names.map(() => Math.random() * 4 - 2),
      })),
    };
    return record;
  });
}

/** A record as wire version 1 sent it: gzip JSON, each feature vector as base64 of float32. */
function asVersion1(record: WireRecord): Uint8Array {
  const samples = record.samples.map((s) => ({ ...s, f: Buffer.from(Float32Array.from(s.f).buffer).toString('base64') }));
  return gzipSync(JSON.stringify({ ...record, v: 1, samples }), { level: 6 });
}

function timeMs(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const area: BenchArea = {
  area: 'core',
  description: `wire decode of ${RECORDS} records x ${SAMPLES_PER_RECORD} samples, vs gunzip+JSON.parse of the same records as wire version 1`,
  async run() {
    const data = records().map(encodeWireRecord);
    const version1 = records().map(asVersion1);
    const decode: number[] = [];
    const baseline: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      baseline.push(timeMs(() => version1.forEach((d) => JSON.parse(gunzipSync(d).toString('utf8')))));
      decode.push(timeMs(() => data.forEach((d) => readWireRecord(d))));
    }
    const ratios = decode.map((d, i) => d / baseline[i]!);
    return [
      {
        metric: 'wire_decode_samples_per_s',
        value: Math.round((RECORDS * SAMPLES_PER_RECORD) / (median(decode) / 1000)),
        unit: 'samples/s',
        note: 'decode + validate, median of 5 rounds',
      },
      {
        metric: 'wire_validation_cost_ratio',
        value: median(ratios),
        unit: 'x',
        note: 'decode+validate time / gunzip+JSON.parse time of version 1, paired per round',
      },
      {
        metric: 'wire_bytes_per_sample',
        value: Math.round(data.reduce((n, d) => n + d.length, 0) / (RECORDS * SAMPLES_PER_RECORD)),
        unit: 'bytes',
        note: `binary, ${SAMPLES_PER_RECORD} samples a record`,
      },
      {
        metric: 'wire_v1_bytes_per_sample',
        value: Math.round(version1.reduce((n, d) => n + d.length, 0) / (RECORDS * SAMPLES_PER_RECORD)),
        unit: 'bytes',
        note: `the same as version 1's gzip JSON`,
      },
    ];
  },
};
export default area;
