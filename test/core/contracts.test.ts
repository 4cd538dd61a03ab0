import { describe, expect, it } from 'vitest';
import { lagCarriers, toSeries, SERIES } from '../../core/alert-series.js';
import { featureSetFor, featureSetMismatch, HOST_FEATURE_SET, PER_METRIC_FEATURES } from '../../core/features.js';
import { HOST_METRICS } from '../../core/host-metrics.js';
import { parseManifest, severityOf, type Manifest } from '../../core/manifest.js';
import { modelKeys, parsePointer, pointerKey } from '../../model-store/layout.js';
import type { ScoredSample } from '../../core/scored-sample.js';
import { TIMESTREAM_MEASURE_NAME, toTimestreamRecord } from '../../core/stored-result.js';

const names = featureSetFor(['value']).names;

function manifest(overrides: Record<string, unknown> = {}): Manifest {
  return parseManifest({
    schema: 1,
    name: 'fleet-default',
    version: '2026-11-21.1',
    createdAt: '2026-11-21T12:00:00Z',
    featureSet: { version: 1, metrics: ['value'], names },
    onnx: { file: 'model.onnx', sha256: 'a'.repeat(64), bytes: 1234, input: 'features', output: 'score' },
    threshold: 0.6,
    severity: { low: 0.6, medium: 0.65, high: 0.7, critical: 0.8 },
    baseline: { center: names.map(() => 0), scale: names.map(() => 1) },
    training: { algorithm: 'isolation-forest', rows: 1000, seed: 1, params: { trees: 100 } },
    ...overrides,
  });
}

const sample: ScoredSample = {
  host: 'db-2',
  tags: { role: 'db', env: 'prod' },
  seq: 7,
  time: Date.UTC(2026, 10, 21),
  metrics: { mem_used_pct: 91, cpu_pct: 3 },
  score: 0.72,
  anomaly: true,
  severity: 'high',
  confidence: 0.7,
  topMetric: 'mem_used_pct',
  rankedMetrics: ['mem_used_pct', 'cpu_pct'],
  modelVersion: 'v9',
  recordVersion: 1763726400000,
};

describe('feature set', () => {
  it('names features metric-major in contract order', () => {
    const views = HOST_FEATURE_SET.logViews ?? [];
    expect(HOST_FEATURE_SET.names).toHaveLength((HOST_METRICS.length + views.length) * PER_METRIC_FEATURES.length);
    expect(HOST_FEATURE_SET.names.slice(0, PER_METRIC_FEATURES.length)).toEqual(PER_METRIC_FEATURES.map((f) => `cpu_pct.${f}`));
  });

  it('sees the agent’s byte rates, and only them, on a log scale too', () => {
    expect(HOST_FEATURE_SET.logViews?.map((view) => view.metric)).toEqual(['disk_read_bps', 'disk_write_bps', 'net_rx_bps', 'net_tx_bps']);
    expect(HOST_FEATURE_SET.names.slice(HOST_METRICS.length * PER_METRIC_FEATURES.length, (HOST_METRICS.length + 1) * PER_METRIC_FEATURES.length)).toEqual(
      PER_METRIC_FEATURES.map((f) => `disk_read_bps_log.${f}`),
    );
  });

  it('rejects empty and duplicate metric lists', () => {
    expect(() => featureSetFor([])).toThrow(/at least one metric/);
    expect(() => featureSetFor(['a', 'a'])).toThrow(/unique; got a, a/);
  });

  it('explains a mismatch of version or names, and accepts an equal set', () => {
    expect(featureSetMismatch(HOST_FEATURE_SET, HOST_FEATURE_SET)).toBeUndefined();
    expect(featureSetMismatch(HOST_FEATURE_SET, { ...HOST_FEATURE_SET, version: 99 })).toMatch(/version 99 in the model/);
    expect(featureSetMismatch(HOST_FEATURE_SET, featureSetFor(['value']))).toMatch(/feature names differ/);
  });
});

describe('model manifest', () => {
  it('parses a valid manifest and grades severities', () => {
    const m = manifest();
    expect(severityOf(0.1, m)).toBe('normal');
    expect(severityOf(0.6, m)).toBe('low');
    expect(severityOf(0.66, m)).toBe('medium');
    expect(severityOf(0.7, m)).toBe('high');
    expect(severityOf(0.95, m)).toBe('critical');
    expect(severityOf(Number.NaN, m)).toBe('normal');
  });

  it('names the field, value and rule of a bad manifest', () => {
    expect(() => manifest({ onnx: { file: 'model.onnx', sha256: 'xyz', bytes: 1, input: 'features', output: 'score' } })).toThrow(
      /onnx\.sha256: expected 64 lower-case hex characters \(got "xyz"\)/,
    );
    expect(() => manifest({ severity: { low: 0.5, medium: 0.65, high: 0.7, critical: 0.8 } })).toThrow(/severity: cut points must ascend from the threshold/);
    expect(() => manifest({ baseline: { center: [0], scale: [1] } })).toThrow(/baseline\.center: needs one value per feature/);
    const zeros = names.map(() => 0);
    expect(() => manifest({ baseline: { center: zeros, scale: names.map(() => 1), reach: [1] } })).toThrow(/baseline\.reach: needs one value per feature/);
    expect(() => manifest({ baseline: { center: zeros, scale: names.map(() => 1), reach: zeros } })).toThrow(
      /baseline\.reach\[0\]: reach must be > 0 \(got 0\)/,
    );
    expect(manifest({ baseline: { center: zeros, scale: names.map(() => 1), reach: names.map((_, k) => (k === 0 ? null : 2)) } }).baseline.reach?.[1]).toBe(2);
    expect(() => manifest({ createdAt: 'yesterday' })).toThrow(/createdAt: expected an ISO-8601 UTC time/);
  });
});

describe('model store layout', () => {
  it('keeps each version under its own key and one pointer per prefix', () => {
    expect(modelKeys('vigil/models/', 'v1')).toEqual({ model: 'vigil/models/versions/v1/model.onnx', manifest: 'vigil/models/versions/v1/manifest.json' });
    expect(pointerKey('')).toBe('current.json');
    expect(() => parsePointer({ schema: 1 }, 's3://b/current.json')).toThrow(/s3:\/\/b\/current.json is not a vigil model pointer: version/);
  });
});

describe('stored result', () => {
  it('maps a scored sample to one multi-measure record with host and tag dimensions', () => {
    const record = toTimestreamRecord(sample);
    expect(record.Dimensions).toEqual([
      { Name: 'host', Value: 'db-2' },
      { Name: 'env', Value: 'prod' },
      { Name: 'role', Value: 'db' },
    ]);
    expect(record).toMatchObject({
      MeasureName: TIMESTREAM_MEASURE_NAME,
      MeasureValueType: 'MULTI',
      Time: String(sample.time),
      TimeUnit: 'MILLISECONDS',
      Version: sample.recordVersion,
    });
    const measures = Object.fromEntries(record.MeasureValues!.map((m) => [m.Name, [m.Value, m.Type]]));
    expect(measures).toMatchObject({
      score: ['0.72', 'DOUBLE'],
      anomaly: ['true', 'BOOLEAN'],
      severity: ['high', 'VARCHAR'],
      top_metric: ['mem_used_pct', 'VARCHAR'],
      ranked_metrics: ['mem_used_pct,cpu_pct', 'VARCHAR'],
      model_version: ['v9', 'VARCHAR'],
      seq: ['7', 'BIGINT'],
      m_cpu_pct: ['3', 'DOUBLE'],
      m_mem_used_pct: ['91', 'DOUBLE'],
    });
  });

  it('is deterministic, so a redelivered sample rewrites the same record', () => {
    expect(toTimestreamRecord({ ...sample, tags: { env: 'prod', role: 'db' } })).toEqual(toTimestreamRecord(sample));
  });
});

describe('alert series', () => {
  it('labels every series with host and tags and marks the top metric of an anomaly', () => {
    const series = toSeries(sample, 0.6, sample.time + 2500, Date.UTC(2026, 10, 20));
    // instance: what node_exporter users join on.
    for (const s of series) expect(s.labels).toMatchObject({ host: 'db-2', instance: 'db-2', role: 'db', env: 'prod' });
    const value = (name: string, extra: Record<string, string> = {}): number | undefined =>
      series.find((s) => s.labels.__name__ === name && Object.entries(extra).every(([k, v]) => s.labels[k] === v))?.value;
    expect(value(SERIES.score)).toBe(0.72);
    expect(value(SERIES.anomaly)).toBe(1);
    expect(value(SERIES.severity)).toBe(3);
    expect(value(SERIES.lag)).toBe(2.5);
    // Every point at the sample's time is the same whenever it is scored; the lag is a point at the scoring.
    expect(series.find((s) => s.labels.__name__ === SERIES.lag)?.timestamp).toBe(sample.time + 2500);
    const again = toSeries(sample, 0.6, sample.time + 99_000, Date.UTC(2026, 10, 20));
    expect(again.filter((s) => s.timestamp === sample.time)).toEqual(series.filter((s) => s.timestamp === sample.time));
    expect(toSeries(sample, 0.6, sample.time, 0, false).some((s) => s.labels.__name__ === SERIES.lag)).toBe(false);
    expect(value(SERIES.topMetric, { metric: 'mem_used_pct' })).toBe(1);
    expect(value(SERIES.topDirection, { metric: 'mem_used_pct' })).toBeUndefined();
    const below = toSeries({ ...sample, topDirection: 'below' }, 0.6, sample.time, 0);
    expect(below.find((s) => s.labels.__name__ === SERIES.topDirection)).toMatchObject({ value: -1, labels: { metric: 'mem_used_pct' } });
    // Named with their base units, a percentage as a ratio, the agent's name kept in `metric`.
    expect(value('vigil_host_cpu_busy_ratio', { metric: 'cpu_pct' })).toBe(0.03);
    expect(value('vigil_host_memory_used_ratio', { metric: 'mem_used_pct' })).toBe(0.91);
    expect(toSeries({ ...sample, metrics: { gpu_temp: 71.5 } }, 0.6, sample.time, 0).find((s) => s.labels.metric === 'gpu_temp')?.labels.__name__).toBe(
      'vigil_host_gpu_temp',
    );
    const later = { ...sample, seq: 8, time: sample.time + 10_000 };
    expect(lagCarriers([later, sample, { ...sample, host: 'db-3' }, { ...sample, tags: { role: 'db', env: 'prod' } }])).toEqual([true, false, true, false]);
    expect(toSeries({ ...sample, anomaly: false, severity: 'normal' }, 0.6, sample.time, 0).some((s) => s.labels.__name__ === SERIES.topMetric)).toBe(false);
  });
});
