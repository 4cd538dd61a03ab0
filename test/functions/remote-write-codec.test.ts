/** The remote-write encoder: protobuf + snappy that decodes back to the same series, grouped and in time order. */
import { describe, expect, it } from 'vitest';
import { toSeries, type Series } from '../../core/alert-series.js';
import { encodeLabels, encodeWriteRequest, WriteRequestWriter } from '../../functions/sinks/remote-write-codec.js';
import { decodeWriteMetadata, decodeWriteRequest } from '../../functions/sinks/remote-write-decode.js';

const sortKey = (s: Series): string => `${JSON.stringify(Object.entries(s.labels).sort())}@${s.timestamp}`;

describe('encodeWriteRequest', () => {
  it('carries the HELP and TYPE (gauge) of each series name once, in the order the series come', () => {
    const at = 1_795_000_000_000;
    const sample = {
      host: 'web-1',
      tags: {},
      seq: 1,
      time: at,
      metrics: { cpu_pct: 50, gpu_temp: 70 },
      score: 0.9,
      anomaly: true,
      severity: 'high' as const,
      confidence: 0.8,
      topMetric: 'cpu_pct',
      rankedMetrics: ['cpu_pct'],
      modelVersion: 'v1',
      recordVersion: 1,
    };
    const series = [...toSeries(sample, 0.6, at + 1000, at), ...toSeries({ ...sample, host: 'web-2' }, 0.6, at + 1000, at)];
    const metadata = decodeWriteMetadata(encodeWriteRequest(series));
    expect(metadata.map((m) => m.name)).toEqual([...new Set(series.map((s) => s.labels.__name__))]);
    expect(metadata.every((m) => m.type === 2 && m.help.length > 10)).toBe(true);
    expect(metadata.find((m) => m.name === 'vigil_host_cpu_busy_ratio')?.help).toBe('Busy share of all CPUs (0..1).');
    expect(metadata.find((m) => m.name === 'vigil_host_gpu_temp')?.help).toBe('Raw metric gpu_temp of the host, as its agent sent it.');
  });

  it('round-trips series with their labels, values and millisecond timestamps', () => {
    const series: Series[] = [
      { labels: { __name__: 'up', host: 'b', env: 'x' }, value: 1.5, timestamp: 1_795_000_000_123 },
      { labels: { host: 'b', __name__: 'up', env: 'x' }, value: -2, timestamp: 1_795_000_000_001 },
      { labels: { __name__: 'up', host: 'a' }, value: 0, timestamp: 0 },
      { labels: { __name__: 'üñí', host: 'a' }, value: Number.MAX_VALUE, timestamp: 4_102_444_800_000 },
    ];
    const decoded = decodeWriteRequest(encodeWriteRequest(series));
    expect(decoded.map(sortKey).sort()).toEqual(series.map(sortKey).sort());
    expect(decoded.find((s) => s.timestamp === 1_795_000_000_001)?.value).toBe(-2);
    expect(decoded.find((s) => s.labels.__name__ === 'üñí')?.value).toBe(Number.MAX_VALUE);
  });

  it('round-trips labels of any UTF-8 text and of lengths past one varint byte', () => {
    const series: Series[] = [
      { labels: { __name__: 'm', host: 'h', team: '日本語 🚀', note: 'x'.repeat(200), long_name_for_a_tag: 'é'.repeat(70) }, value: 1, timestamp: 5 },
      { labels: { __name__: 'm', host: 'h' }, value: 2, timestamp: 6 },
    ];
    const decoded = decodeWriteRequest(encodeWriteRequest(series));
    expect(decoded.map(sortKey).sort()).toEqual(series.map(sortKey).sort());
  });

  it('groups one label set into one time series, samples in time order, labels sorted by name', () => {
    const series: Series[] = [3, 1, 2].map((t) => ({ labels: { z: '1', __name__: 'm', a: '2' }, value: t, timestamp: t }));
    const decoded = decodeWriteRequest(encodeWriteRequest(series));
    expect(decoded.map((s) => s.timestamp)).toEqual([1, 2, 3]);
    expect(Object.keys(decoded[0]!.labels)).toEqual(['__name__', 'a', 'z']);
  });

  it('merges a label set given in different label orders into one time series, in time order', () => {
    const series: Series[] = [
      { labels: { __name__: 'm', host: 'a' }, value: 1, timestamp: 1 },
      { labels: { host: 'a', __name__: 'm' }, value: 2, timestamp: 2 },
      { labels: { __name__: 'm', host: 'a' }, value: 3, timestamp: 3 },
      { labels: { host: 'a', __name__: 'm' }, value: 4, timestamp: 4 },
      { labels: { __name__: 'm', host: 'a', extra: 'x' }, value: 5, timestamp: 0 },
    ];
    const decoded = decodeWriteRequest(encodeWriteRequest(series));
    expect(decoded.filter((s) => !s.labels.extra).map((s) => s.timestamp)).toEqual([1, 2, 3, 4]);
    expect(decoded.filter((s) => s.labels.extra).map((s) => s.value)).toEqual([5]);
  });

  it('refuses a timestamp remote write cannot carry, naming the series', () => {
    expect(() => encodeWriteRequest([{ labels: { __name__: 'm' }, value: 1, timestamp: 1.5 }])).toThrow(/series \{"__name__":"m"\} has the timestamp 1.5/);
  });

  it('carries everything toSeries makes of a scored sample', () => {
    const series = toSeries(
      {
        host: 'web-1',
        tags: { env: 'prod' },
        seq: 1,
        time: 1_795_000_000_000,
        metrics: { cpu_pct: 99, mem_used_pct: 40 },
        score: 0.7,
        anomaly: true,
        severity: 'high',
        confidence: 0.9,
        topMetric: 'cpu_pct',
        rankedMetrics: ['cpu_pct'],
        modelVersion: 'm1',
        recordVersion: 1,
      },
      0.6,
      1_795_000_001_000,
      1_790_000_000_000,
    );
    expect(decodeWriteRequest(encodeWriteRequest(series)).map(sortKey).sort()).toEqual(series.map(sortKey).sort());
  });
});

describe('varints', () => {
  it('round-trips timestamps at every varint length boundary', () => {
    const timestamps = [
      0,
      127,
      128,
      2 ** 14 - 1,
      2 ** 14,
      2 ** 21,
      2 ** 28 - 1,
      2 ** 28,
      2 ** 28 + 127,
      2 ** 35 - 1,
      2 ** 35,
      2 ** 42 - 1,
      2 ** 42,
      2 ** 49,
      Number.MAX_SAFE_INTEGER,
    ];
    const series: Series[] = timestamps.map((timestamp, i) => ({ labels: { __name__: 'm', i: String(i) }, value: i, timestamp }));
    expect(decodeWriteRequest(encodeWriteRequest(series)).map((s) => s.timestamp)).toEqual(timestamps);
  });
});

describe('WriteRequestWriter', () => {
  const labels = (host: string): Uint8Array => encodeLabels({ __name__: 'm', host });

  it('writes each request whole, whether writers follow or overlap one another (buffers are reused)', () => {
    const big = new WriteRequestWriter();
    big.timeSeries(
      labels('a'),
      Array.from({ length: 20_000 }, (_, i) => i),
      Array.from({ length: 20_000 }, (_, i) => 1_795_000_000_000 + i),
    );
    const overlapping = new WriteRequestWriter();
    overlapping.timeSeries(labels('b'), [7], [5]);
    expect(decodeWriteRequest(big.finish())).toHaveLength(20_000);
    const next = new WriteRequestWriter();
    next.timeSeries(labels('c'), [1, 2], [10, 20]);
    expect(decodeWriteRequest(next.finish())).toEqual([
      { labels: { __name__: 'm', host: 'c' }, value: 1, timestamp: 10 },
      { labels: { __name__: 'm', host: 'c' }, value: 2, timestamp: 20 },
    ]);
    expect(decodeWriteRequest(overlapping.finish())).toEqual([{ labels: { __name__: 'm', host: 'b' }, value: 7, timestamp: 5 }]);
  });

  it('refuses to write to a finished request', () => {
    const writer = new WriteRequestWriter();
    writer.finish();
    expect(() => writer.timeSeries(labels('a'), [1], [1])).toThrow(/finished/);
  });
});
