import { HOST_FEATURE_SET } from '../../core/features.js';
import { describe, expect, it } from 'vitest';
import { measureSizes, timestreamWriteSize } from '../../cost/measure.js';
import { HOST_METRICS } from '../../core/host-metrics.js';
import { RESULT_MEASURES } from '../../core/stored-result.js';
import { DEFAULT_WRITE_POLICY, FULL_RESOLUTION } from '../../core/write-policy.js';

describe('measured sizes', () => {
  it("follows AWS's own worked example of a Timestream write size (83 bytes)", () => {
    const size = timestreamWriteSize({
      Dimensions: [
        { Name: 'region', Value: 'us-east-1' },
        { Name: 'az', Value: '1d' },
        { Name: 'vpc', Value: 'vpc-1a2b3c4d' },
        { Name: 'hostname', Value: 'host-24Gju' },
      ],
      MeasureName: 'cpu_utilization',
      MeasureValueType: 'MULTI',
      MeasureValues: [],
    });
    // The example's single value (8 bytes) is a multi-measure value here, counted with its name.
    expect(size + 8).toBe(83);
    expect(
      timestreamWriteSize({
        MeasureName: 'm',
        MeasureValues: [
          { Name: 'flag', Value: 'true', Type: 'BOOLEAN' },
          { Name: 'who', Value: 'héllo', Type: 'VARCHAR' },
        ],
      }),
    ).toBe(8 + 1 + 4 + 1 + 3 + 6);
  });

  it('encodes real samples: records grow with the samples they carry, less than linearly (the header is shared)', () => {
    const one = measureSizes({ intervalSeconds: 10, samplesPerRecord: 1, hosts: 3, recordsPerHost: 3, policy: DEFAULT_WRITE_POLICY });
    const six = measureSizes({ intervalSeconds: 10, samplesPerRecord: 6, hosts: 3, recordsPerHost: 3, policy: DEFAULT_WRITE_POLICY });
    expect(one.wireBytesPerRecord).toBeGreaterThan(200);
    expect(one.wireBytesPerRecord).toBeLessThan(2000);
    expect(six.wireBytesPerRecord).toBeGreaterThan(2 * one.wireBytesPerRecord);
    expect(six.wireBytesPerRecord).toBeLessThan(6 * one.wireBytesPerRecord);
    expect(six.samplesPerRecord).toBe(6);
    // A trained default model: ONNX trees plus the manifest, tens of kilobytes to a few megabytes.
    expect(one.modelBytes).toBeGreaterThan(10_000);
    expect(one.modelBytes).toBeLessThan(20_000_000);
  });

  it('counts the stored result and the Prometheus series the contracts produce for one sample', () => {
    const sizes = measureSizes({ intervalSeconds: 10, samplesPerRecord: 1, hosts: 2, recordsPerHost: 2, anomalyShare: 0.5, policy: FULL_RESOLUTION });
    // time + host and three tags + every result measure and raw metric, each name and an 8-byte value at least
    const names = Object.keys(RESULT_MEASURES).join('').length + HOST_METRICS.map((m) => `m_${m}`).join('').length;
    expect(sizes.timestreamBytesPerSample).toBeGreaterThan(8 + names + 8 * HOST_METRICS.length);
    expect(sizes.timestreamBytesPerSample).toBeLessThan(1024);
    // 7 result series + one per raw metric, and half the samples anomalous add a top-metric series;
    // the band keeps its own rule (when it moves, hourly, at anomalies: at least at those), far from two points a metric and sample
    const band = sizes.seriesSamplesPerSample - (7 + HOST_METRICS.length + 0.5);
    expect(band).toBeGreaterThan(0);
    expect(band).toBeLessThan(HOST_METRICS.length);
    // ... and over time a top-metric series per metric
    expect(sizes.seriesPerHost).toBe(7 + 4 * HOST_METRICS.length);
  });

  it('measures the archive as the sink writes it: at least the binary features and metric values, at most a few hundred bytes more', () => {
    const sizes = measureSizes({ intervalSeconds: 10, samplesPerRecord: 1, hosts: 4, recordsPerHost: 50, policy: DEFAULT_WRITE_POLICY });
    const values = 4 * HOST_FEATURE_SET.names.length + 8 * HOST_METRICS.length;
    expect(sizes.archiveBytesPerSample).toBeGreaterThan(values);
    expect(sizes.archiveBytesPerSample).toBeLessThan(values + 200);
  });

  it('counts the Prometheus points the write policy keeps: the flag every sample, the other 16 and the lag once a minute, the band as it moves', () => {
    const calm = measureSizes({ intervalSeconds: 10, samplesPerRecord: 1, hosts: 2, recordsPerHost: 2, anomalyShare: 0, policy: DEFAULT_WRITE_POLICY });
    const bandPoints = calm.seriesSamplesPerSample - (5 / 6 + 17 / 6);
    // Every metric's two bounds at least once an hour (360 samples), and far fewer than every sample's.
    expect(bandPoints).toBeGreaterThanOrEqual((2 * HOST_METRICS.length) / 360);
    expect(bandPoints).toBeLessThan(0.25);
    // Every anomalous sample writes its series in full: the top metric, and the detail of those not already the minute's.
    const noisy = measureSizes({ intervalSeconds: 10, samplesPerRecord: 1, hosts: 2, recordsPerHost: 2, anomalyShare: 0.01, policy: DEFAULT_WRITE_POLICY });
    expect(noisy.seriesSamplesPerSample).toBeGreaterThan(calm.seriesSamplesPerSample + 0.01);
    expect(noisy.seriesSamplesPerSample).toBeLessThan(calm.seriesSamplesPerSample + 0.01 * 17);
    // At a minute's interval every sample is a minute's first.
    const minutely = measureSizes({ intervalSeconds: 60, samplesPerRecord: 1, hosts: 2, recordsPerHost: 2, anomalyShare: 0, policy: DEFAULT_WRITE_POLICY });
    expect(minutely.seriesSamplesPerSample - 17).toBeGreaterThanOrEqual((2 * HOST_METRICS.length) / 60);
    expect(minutely.seriesSamplesPerSample - 17).toBeLessThan(2);
  });

  it('rejects a bad record size', () => {
    expect(() => measureSizes({ intervalSeconds: 10, samplesPerRecord: 0, policy: DEFAULT_WRITE_POLICY })).toThrow(
      'samplesPerRecord must be a whole number >= 1; got 0',
    );
  });
});
