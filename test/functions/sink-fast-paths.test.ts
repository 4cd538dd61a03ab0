/**
 * The sinks' fast paths build exactly what the reference mappings build: RemoteWriteEncoder the
 * bytes of encodeWriteRequest(toSeries(...)), WriteRecordsBodyWriter request bodies whose records
 * are those of toTimestreamRecord, on generated samples that vary hosts, tag sets and their key
 * order, metric sets, anomalies and time order.
 */
import { describe, expect, it } from 'vitest';
import { lagCarriers, toSeries } from '../../core/alert-series.js';
import { SEVERITIES } from '../../core/manifest.js';
import type { ScoredSample } from '../../core/scored-sample.js';
import type { _Record } from '@aws-sdk/client-timestream-write';
import { timestreamCommonAttributes, toTimestreamRecord } from '../../core/stored-result.js';
import { encodeWriteRequest } from '../../functions/sinks/remote-write-codec.js';
import { decodeWriteRequest } from '../../functions/sinks/remote-write-decode.js';
import { RemoteWriteEncoder } from '../../functions/sinks/remote-write-samples.js';
import { requestsByHost } from '../../functions/sinks/prometheus.js';
import type { SinkBatch } from '../../functions/sinks/sink.js';
import { WriteRecordsBodyWriter } from '../../functions/sinks/timestream-body.js';
import { seededRandom } from '../../models/forest/random.js';

const T0 = Date.UTC(2026, 10, 21);
// Tag keys whose locale order differs from code-point order ('a_b' / 'ab'), in two key orders.
// Values JSON must escape ('"', '\\', a control character) and non-ASCII text.
const TAG_SETS: Record<string, string>[] = [
  {},
  { env: 'prod', role: 'web' },
  { role: 'web', env: 'prod' },
  { ab: '1', a_b: '2', zone: 'ü-1' },
  { env: 'staging' },
  { team: 'a "b" \\ c\t' },
];
const METRICS = ['cpu_pct', 'mem_used_pct', 'disk_used_pct', 'net_rx_bps', 'a_b', 'ab'];

function generatedSamples(count: number, seed: number): ScoredSample[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const host = `host-${Math.floor(random() * 7)}`;
    const metrics: Record<string, number> = {};
    // Mostly the same metric set in the same order; sometimes fewer, sometimes another order.
    const names = random() < 0.8 ? METRICS : [...METRICS].sort(() => random() - 0.5).slice(0, 2 + Math.floor(random() * 4));
    for (const name of names) metrics[name] = random() < 0.1 ? Math.round(random() * 100) : random() * 10 ** Math.floor(random() * 10);
    const severity = random() < 0.2 ? pick(SEVERITIES.slice(1)) : 'normal';
    const first = Math.floor(random() * names.length);
    const ranked = [...names.slice(first), ...names.slice(0, first)];
    return {
      host,
      tags: { ...pick(TAG_SETS) },
      seq: i,
      // Unique per sample (odd seconds counting down, even ones up), often out of order within a host.
      time: T0 + (random() < 0.3 ? 2 * (count - i) + 1 : 2 * i) * 1000,
      metrics,
      score: Math.fround(random()),
      anomaly: severity !== 'normal',
      severity,
      confidence: random(),
      topMetric: ranked[0]!,
      rankedMetrics: ranked,
      // Which way the top metric went, as the scoring gives it to most anomalies.
      ...(severity !== 'normal' && random() < 0.8 ? { topDirection: random() < 0.5 ? ('above' as const) : ('below' as const) } : {}),
      modelVersion: random() < 0.9 ? 'v2' : 'v1',
      recordVersion: 1_795_000_000_000,
      // The model's band of most samples (from agents of this release), some bounds missing.
      band:
        random() < 0.8
          ? {
              metrics: names,
              bounds: Float64Array.from(names.flatMap(() => (random() < 0.1 ? [Number.NaN, random()] : [random() * 10, 10 + random() * 100]))),
              at: 0,
            }
          : undefined,
    };
  });
}

function sinkBatch(samples: ScoredSample[]): SinkBatch {
  return { samples, store: samples.map(() => true), threshold: 0.6, modelCreatedMs: T0 - 3_600_123, scoredAt: T0 + 5_000_000 };
}

describe('RemoteWriteEncoder', () => {
  it.each([1, 2, 3])('writes the same request bytes as encodeWriteRequest of toSeries (seed %i)', (seed) => {
    const batch = sinkBatch(generatedSamples(400, seed));
    const carriers = lagCarriers(batch.samples);
    const encoder = new RemoteWriteEncoder(batch);
    const requests = requestsByHost(batch, 37);
    expect(requests.length).toBeGreaterThan(5);
    for (const indices of requests) {
      const reference = encodeWriteRequest(
        indices.flatMap((i) => toSeries(batch.samples[i]!, batch.threshold, batch.scoredAt, batch.modelCreatedMs, carriers[i])),
      );
      expect(Buffer.from(encoder.encode(indices)).equals(Buffer.from(reference))).toBe(true);
      // Again, from label sets kept since the previous batch.
      expect(Buffer.from(new RemoteWriteEncoder(batch).encode(indices)).equals(Buffer.from(reference))).toBe(true);
    }
  });

  it.each([4, 5])('writes the same request bytes as the reference when some samples write their detail series and some only the flag (seed %i)', (seed) => {
    const batch = sinkBatch(generatedSamples(400, seed));
    const random = seededRandom(seed);
    const detail = batch.samples.map(() => random() < 0.3);
    const carriers = lagCarriers(batch.samples, detail);
    const encoder = new RemoteWriteEncoder(batch, detail);
    for (const indices of requestsByHost(batch, 37)) {
      const reference = encodeWriteRequest(
        indices.flatMap((i) => toSeries(batch.samples[i]!, batch.threshold, batch.scoredAt, batch.modelCreatedMs, carriers[i], detail[i])),
      );
      expect(Buffer.from(encoder.encode(indices)).equals(Buffer.from(reference))).toBe(true);
    }
    const flagOnly = decodeWriteRequest(encoder.encode([detail.findIndex((d, i) => !d && !carriers[i])]));
    expect(flagOnly.map((s) => s.labels.__name__).filter((name) => name !== 'vigil_anomaly_top_metric')).toEqual(['vigil_anomaly']);
  });

  it.each([6, 7])('writes the same request bytes as the reference when samples write some of their band points (seed %i)', (seed) => {
    const batch = sinkBatch(generatedSamples(400, seed));
    const random = seededRandom(seed);
    const detail = batch.samples.map(() => random() < 0.3);
    const band = batch.samples.map((s) => (random() < 0.5 ? false : Uint8Array.from(s.band?.metrics ?? [], () => (random() < 0.5 ? 1 : 0))));
    const carriers = lagCarriers(batch.samples, detail);
    const encoder = new RemoteWriteEncoder(batch, detail, band);
    let bandPoints = 0;
    for (const indices of requestsByHost(batch, 37)) {
      const series = indices.flatMap((i) =>
        toSeries(batch.samples[i]!, batch.threshold, batch.scoredAt, batch.modelCreatedMs, carriers[i], detail[i], band[i]),
      );
      bandPoints += series.filter((x) => /_band_(lower|upper)/.test(x.labels.__name__!)).length;
      expect(Buffer.from(encoder.encode(indices)).equals(Buffer.from(encodeWriteRequest(series)))).toBe(true);
    }
    expect(bandPoints).toBeGreaterThan(100);
  });

  it('stays equal to the reference when more hosts pass than it keeps label sets for', () => {
    const samples = generatedSamples(2_600, 8).map((s, i) => ({ ...s, host: `fleet-${i}` }));
    const batch = sinkBatch(samples);
    const carriers = lagCarriers(batch.samples);
    const encoder = new RemoteWriteEncoder(batch);
    for (const indices of requestsByHost(batch, 500)) {
      const reference = encodeWriteRequest(
        indices.flatMap((i) => toSeries(batch.samples[i]!, batch.threshold, batch.scoredAt, batch.modelCreatedMs, carriers[i])),
      );
      expect(Buffer.from(encoder.encode(indices)).equals(Buffer.from(reference))).toBe(true);
    }
  });

  it('merges a host whose records give its tags in another key order, as the reference does', () => {
    const [a, b] = generatedSamples(2, 9);
    const samples = [
      { ...a!, host: 'h', tags: { env: 'prod', role: 'web' } },
      { ...b!, host: 'h', tags: { role: 'web', env: 'prod' } },
    ];
    const batch = sinkBatch(samples);
    const decoded = decodeWriteRequest(new RemoteWriteEncoder(batch).encode([0, 1]));
    expect(decoded).toEqual(
      decodeWriteRequest(
        encodeWriteRequest(samples.flatMap((s, i) => toSeries(s, batch.threshold, batch.scoredAt, batch.modelCreatedMs, lagCarriers(samples)[i]))),
      ),
    );
    expect(decoded.filter((s) => s.labels.__name__ === 'vigil_anomaly_score')).toHaveLength(2);
  });

  it('refuses a sample time remote write cannot carry, naming the sample', () => {
    const [sample] = generatedSamples(1, 4);
    expect(() => new RemoteWriteEncoder(sinkBatch([{ ...sample!, time: 1.5 }])).encode([0])).toThrow(/sample host-\d seq 0 has the time 1.5/);
  });
});

interface WriteRecordsBody {
  DatabaseName: string;
  TableName: string;
  CommonAttributes: _Record;
  Records: _Record[];
}
const parsed = (body: Uint8Array): WriteRecordsBody => JSON.parse(Buffer.from(body).toString('utf8')) as WriteRecordsBody;

describe('WriteRecordsBodyWriter', () => {
  it('writes bodies whose records, with the common attributes, equal toTimestreamRecord', () => {
    const samples = generatedSamples(500, 5).map((s, i) => ({ ...s, recordVersion: 1_795_000_000_000 + Math.floor(i / 150) }));
    // A small first buffer, so bodies are written across its growth.
    const writer = new WriteRecordsBodyWriter('vigil', 'host_scores', 1);
    const bodies: { version: number; body: Uint8Array; samples: typeof samples }[] = [];
    for (let start = 0; start < samples.length; start += 50) {
      const group = samples.slice(start, start + 50);
      writer.begin(group[0]!.recordVersion);
      for (const sample of group) writer.record({ ...sample, recordVersion: group[0]!.recordVersion });
      bodies.push({ version: group[0]!.recordVersion, body: writer.end(), samples: group });
    }
    for (const { version, body, samples: group } of bodies) {
      const request = parsed(body);
      expect(request.DatabaseName).toBe('vigil');
      expect(request.TableName).toBe('host_scores');
      expect(request.CommonAttributes).toEqual(timestreamCommonAttributes(version));
      expect(request.Records.map((r) => ({ ...request.CommonAttributes, ...r }))).toEqual(
        group.map((s) => toTimestreamRecord({ ...s, recordVersion: version })),
      );
    }
  });

  it('leaves out of each record exactly what the common attributes carry', () => {
    const [sample] = generatedSamples(1, 7);
    const writer = new WriteRecordsBodyWriter('vigil', 'host_scores', 1);
    writer.begin(sample!.recordVersion);
    writer.record(sample!);
    const [record] = parsed(writer.end()).Records;
    const common = timestreamCommonAttributes(sample!.recordVersion);
    expect(Object.keys(record!).sort()).toEqual(
      Object.keys(toTimestreamRecord(sample!))
        .filter((key) => !(key in common))
        .sort(),
    );
  });

  it('sorts tag dimensions as the reference does, whatever the key order', () => {
    const [sample] = generatedSamples(1, 6);
    const writer = new WriteRecordsBodyWriter('vigil', 'host_scores', 1);
    writer.begin(sample!.recordVersion);
    for (const tags of [
      { ab: '1', a_b: '2' },
      { a_b: '2', ab: '1' },
      { a_b: '3', ab: '1' },
    ])
      writer.record({ ...sample!, tags });
    const [first, second, third] = parsed(writer.end()).Records;
    expect(second!.Dimensions).toEqual(first!.Dimensions);
    expect(first!.Dimensions).toEqual(toTimestreamRecord({ ...sample!, tags: { ab: '1', a_b: '2' } }).Dimensions);
    expect(third!.Dimensions).toContainEqual({ Name: 'a_b', Value: '3' });
  });

  it('stays equal to the reference when more hosts pass than it keeps record heads for', () => {
    const samples = generatedSamples(10_100, 11).map((s, i) => ({ ...s, host: `fleet-${i}` }));
    const writer = new WriteRecordsBodyWriter('vigil', 'host_scores', samples.length);
    const version = samples[0]!.recordVersion;
    const records: _Record[] = [];
    for (let start = 0; start < samples.length; start += 100) {
      writer.begin(version);
      for (const sample of samples.slice(start, start + 100)) writer.record(sample);
      records.push(...parsed(writer.end()).Records);
    }
    writer.release();
    expect(records.map((r) => ({ ...timestreamCommonAttributes(version), ...r }))).toEqual(samples.map(toTimestreamRecord));
  });

  it('hands its buffer to the next writer once released, and is then done', () => {
    const [a, b] = generatedSamples(2, 10);
    const first = new WriteRecordsBodyWriter('vigil', 'host_scores', 1);
    first.begin(a!.recordVersion);
    first.record(a!);
    const firstBody = first.end();
    first.release();
    expect(() => first.begin(a!.recordVersion)).toThrow(/released/);
    const second = new WriteRecordsBodyWriter('vigil', 'host_scores', 1);
    second.begin(b!.recordVersion);
    second.record(b!);
    const secondBody = second.end();
    // The same memory: the first body may no longer be sent once its writer is released.
    expect(secondBody.buffer).toBe(firstBody.buffer);
    expect(parsed(secondBody).Records.map((r) => ({ ...timestreamCommonAttributes(b!.recordVersion), ...r }))).toEqual([toTimestreamRecord(b!)]);
  });
});
