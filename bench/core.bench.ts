/**
 * Area `core`: the wire record codec, the first step of every scored sample.
 * Baseline in the same run: plain gunzip + JSON.parse of the same bytes (what decoding costs
 * without validation), so the ratio is the price of the schema check.
 */
import { gunzipSync } from 'node:zlib';
import { HOST_FEATURE_SET } from '../core/features.js';
import { HOST_METRICS } from '../core/host-metrics.js';
import { decodeWireRecord, encodeWireRecord, type WireRecord } from '../core/wire.js';
import { median, type BenchArea } from './types.js';

const SAMPLES_PER_RECORD = 6;
const RECORDS = 2000;
const ROUNDS = 5;

function records(): Uint8Array[] {
  return Array.from({ length: RECORDS }, (_, r) => {
    const record: WireRecord = {
      v: 1,
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
    return encodeWireRecord(record);
  });
}

function timeMs(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const area: BenchArea = {
  area: 'core',
  description: `wire decode of ${RECORDS} gzip records x ${SAMPLES_PER_RECORD} samples, vs gunzip+JSON.parse`,
  async run() {
    const data = records();
    const decode: number[] = [];
    const baseline: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      baseline.push(timeMs(() => data.forEach((d) => JSON.parse(gunzipSync(d).toString('utf8')))));
      decode.push(timeMs(() => data.forEach((d) => decodeWireRecord(d))));
    }
    const ratios = decode.map((d, i) => d / baseline[i]!);
    return [
      { metric: 'wire_decode_samples_per_s', value: Math.round((RECORDS * SAMPLES_PER_RECORD) / (median(decode) / 1000)), unit: 'samples/s', note: 'decode + validate, median of 5 rounds' },
      { metric: 'wire_validation_cost_ratio', value: median(ratios), unit: 'x', note: 'decode+validate time / gunzip+JSON.parse time, paired per round' },
      { metric: 'wire_bytes_per_sample', value: Math.round(data.reduce((n, d) => n + d.length, 0) / (RECORDS * SAMPLES_PER_RECORD)), unit: 'bytes', note: `gzip JSON, ${SAMPLES_PER_RECORD} samples a record` },
    ];
  },
};
export default area;
