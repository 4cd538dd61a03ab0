import { describe, expect, it } from 'vitest';
import type { MeasuredSizes } from '../../cost/measure.js';
import { estimateCost, invocationsPerSecond, SECONDS_PER_MONTH, shardsFor, type CostInputs } from '../../cost/model.js';
import { GIB, PRICES, tieredCost } from '../../cost/prices.js';
import { durationSeconds, ruleSamplesPerEvaluation, ruleSamplesPerHost, type Rules } from '../../cost/rule-samples.js';
import { SERIES } from '../../core/alert-series.js';
import { vigilRules } from '../../alerting/rules.js';
import { DEFAULT_WRITE_POLICY, FULL_RESOLUTION } from '../../core/write-policy.js';

const MEASURED: MeasuredSizes = {
  samplesPerRecord: 1,
  wireBytesPerRecord: 500, // billed as 1 KiB by on-demand Kinesis
  timestreamBytesPerSample: 400,
  seriesSamplesPerSample: 17,
  policy: FULL_RESOLUTION,
  seriesPerHost: 27,
  seriesLabelBytesPerHost: 3000,
  modelBytes: GIB / 10,
  archiveBytesPerSample: 200,
};

const INPUTS: CostInputs = {
  hosts: 1000,
  intervalSeconds: 10,
  sinks: ['prometheus', 'timestream'],
  streamMode: 'on-demand',
  functionMemoryMb: 1024,
  batchSize: 500,
  maxBatchingWindowSeconds: 1,
  lambdaMsPerInvocation: 50,
  lambdaMsPerSample: 0.5,
  logBytesPerInvocation: 1024,
  timestreamMemoryRetentionHours: 24,
  timestreamMagneticRetentionDays: 365,
  modelVersionsKept: 10,
  modelRecheckSeconds: 60,
  grafanaEditors: 2,
  grafanaViewers: 3,
  cloudwatchFlushSeconds: 60,
  ruleSamplesPerHostPerMonth: 1e6,
  archive: true,
  archiveRetentionDays: 90,
};

const MONTH = SECONDS_PER_MONTH; // 730 h
const line = (e: ReturnType<typeof estimateCost>, component: string, item: string): number => {
  const found = e.lines.find((l) => l.component === component && l.item === item);
  if (!found) throw new Error(`no line ${component} / ${item} in ${e.lines.map((l) => `${l.component} / ${l.item}`).join(', ')}`);
  return found.usd;
};

describe('cost model arithmetic', () => {
  const e = estimateCost(INPUTS, MEASURED);
  const samples = 100 * MONTH; // 1000 hosts / 10 s = 100 samples a second

  it('Kinesis on-demand: one stream all month, each record billed as a whole KiB in and out', () => {
    expect(e.samplesPerMonth).toBeCloseTo(samples, 3);
    expect(line(e, 'Kinesis (on-demand)', 'stream hours')).toBeCloseTo(730 * 0.04, 6);
    expect(line(e, 'Kinesis (on-demand)', 'data in')).toBeCloseTo(((samples * 1024) / GIB) * 0.08, 6);
    expect(line(e, 'Kinesis (on-demand)', 'data out (scoring)')).toBeCloseTo(((samples * 1024) / GIB) * 0.04, 6);
  });

  it('Lambda: 4 shards each invoked once a second, 25 samples per invocation, GB-seconds at 1 GB', () => {
    const invocations = 4 * MONTH;
    const seconds = (50 + 0.5 * 25) / 1000;
    expect(line(e, 'Lambda (arm64)', 'requests')).toBeCloseTo((invocations / 1e6) * 0.2, 6);
    expect(line(e, 'Lambda (arm64)', 'duration')).toBeCloseTo(invocations * seconds * 1 * 0.0000133334, 6);
    expect(line(e, 'CloudWatch Logs', 'function logs')).toBeCloseTo(((invocations * 1024) / GIB) * 0.5, 6);
  });

  it('Timestream: 25 records of 400 B per call make 10 writes; memory store holds 24 h, magnetic 365 days', () => {
    const writes = (samples / 25) * 10;
    expect(line(e, 'Timestream', 'writes')).toBeCloseTo((writes / 1e6) * 0.5, 6);
    const perHour = 100 * 3600 * 400;
    expect(line(e, 'Timestream', 'memory store')).toBeCloseTo(((perHour * 24) / GIB) * 730 * 0.036, 6);
    expect(line(e, 'Timestream', 'magnetic store')).toBeCloseTo(((perHour * 24 * 365) / GIB) * 0.03, 6);
  });

  it('Managed Prometheus: tiered ingestion of 17 samples per host sample, 150 days of 2-byte samples plus labels', () => {
    const ingested = samples * 17;
    expect(ingested).toBeGreaterThan(2e9); // crosses into the second tier
    expect(line(e, 'Managed Prometheus', 'samples ingested')).toBeCloseTo(2e9 * 0.9e-7 + (ingested - 2e9) * 0.35e-7, 6);
    const stored = (ingested / (730 / 24)) * 150 * 2 + 1000 * 3000;
    expect(line(e, 'Managed Prometheus', 'storage')).toBeCloseTo((stored / GIB) * 0.03, 6);
    // The alert rules' reads: 1,000 hosts x 1e6 samples a month at $0.10 a billion.
    expect(line(e, 'Managed Prometheus', 'alert rule evaluation')).toBeCloseTo(((1000 * 1e6) / 1e9) * 0.1, 9);
  });

  it('S3 and Grafana: model versions stored, pointer read once a minute per shard, licences', () => {
    expect(line(e, 'S3', 'model storage')).toBeCloseTo(1 * 0.023, 9); // 10 x 0.1 GiB
    expect(line(e, 'S3', 'pointer reads')).toBeCloseTo(((4 * MONTH) / 60 / 1000) * 0.0004, 9);
    expect(line(e, 'Managed Grafana', 'users')).toBe(2 * 9 + 3 * 5);
  });

  it('S3 archive: one PUT per invocation, 90 days of 200-byte samples stored; none without the archive', () => {
    expect(line(e, 'S3 (archive)', 'object writes')).toBeCloseTo(((4 * MONTH) / 1000) * 0.005, 6);
    expect(line(e, 'S3 (archive)', 'storage')).toBeCloseTo(((100 * 86_400 * 90 * 200) / GIB) * 0.023, 6);
    const without = estimateCost({ ...INPUTS, archive: false }, MEASURED);
    expect(without.lines.some((l) => l.component === 'S3 (archive)')).toBe(false);
    expect(e.totalUsd - without.totalUsd).toBeCloseTo(line(e, 'S3 (archive)', 'object writes') + line(e, 'S3 (archive)', 'storage'), 6);
  });

  it('the total is the sum of the lines, and per host divides it by the hosts', () => {
    expect(e.totalUsd).toBeCloseTo(
      e.lines.reduce((s, l) => s + l.usd, 0),
      9,
    );
    expect(e.perHostUsd).toBeCloseTo(e.totalUsd / 1000, 9);
  });

  it('CloudWatch: tiered custom metrics, one agent request a minute per host, high-resolution anomaly alarms at 10 s', () => {
    const [metrics, requests, alarms] = e.cloudwatch.lines.map((l) => l.usd);
    expect(metrics).toBeCloseTo(10_000 * 0.3, 6);
    expect(requests).toBeCloseTo(((1000 * MONTH) / 60 / 1000) * 0.01, 6);
    expect(alarms).toBeCloseTo(10_000 * 3 * 0.3, 6);
    const slow = estimateCost({ ...INPUTS, intervalSeconds: 60 }, MEASURED).cloudwatch.lines[2]!;
    expect(slow.usd).toBeCloseTo(10_000 * 3 * 0.1, 6);
    expect(slow.item).toBe('anomaly detection alarms');
  });

  it('prices only the sinks asked for, and provisioned streams by shard-hour and 25 KB payload unit', () => {
    const prometheusOnly = estimateCost({ ...INPUTS, sinks: ['prometheus'] }, MEASURED);
    expect(prometheusOnly.lines.some((l) => l.component === 'Timestream')).toBe(false);
    const provisioned = estimateCost({ ...INPUTS, streamMode: 'provisioned' }, { ...MEASURED, wireBytesPerRecord: 30_000, samplesPerRecord: 60 });
    // 100/60 records a second of 30 KB: 50 KB/s fits one shard; each record is two 25 KB units.
    expect(line(provisioned, 'Kinesis (provisioned)', 'shard hours')).toBeCloseTo(730 * 0.015, 6);
    expect(line(provisioned, 'Kinesis (provisioned)', 'PUT payload units')).toBeCloseTo((((100 / 60) * MONTH * 2) / 1e6) * 0.014, 6);
  });

  it('rejects impossible inputs, naming the input and the value', () => {
    expect(() => estimateCost({ ...INPUTS, hosts: 0 }, MEASURED)).toThrow('hosts must be a number > 0; got 0');
    expect(() => estimateCost({ ...INPUTS, lambdaMsPerSample: -1 }, MEASURED)).toThrow('lambdaMsPerSample must be a number >= 0; got -1');
  });
});

describe('cost model helpers', () => {
  it('tiered prices charge each unit at its own tier', () => {
    const tiers = [
      { upTo: 10, usd: 1 },
      { upTo: 20, usd: 0.5 },
      { upTo: Infinity, usd: 0.1 },
    ];
    expect(tieredCost(5, tiers)).toBe(5);
    expect(tieredCost(15, tiers)).toBe(12.5);
    expect(tieredCost(120, tiers)).toBeCloseTo(25, 9);
    expect(tieredCost(0, tiers)).toBe(0);
    expect(tieredCost(1e9, PRICES.lambda.arm64GbSecond)).toBeCloseTo(1e9 * 0.0000133334, 3);
  });

  it('shards: on-demand keeps twice the need and at least 4; provisioned exactly the need', () => {
    expect(shardsFor('on-demand', 1000, 10)).toBe(4);
    expect(shardsFor('on-demand', 5 * 1024 * 1024, 10)).toBe(10);
    expect(shardsFor('provisioned', 1000, 2500)).toBe(3);
  });

  it('invocations: once per window per shard, more when a window overflows a batch, one per record when sparse', () => {
    expect(invocationsPerSecond(4, 100, 500, 1)).toBe(4);
    expect(invocationsPerSecond(4, 4000, 500, 1)).toBe(8);
    expect(invocationsPerSecond(4, 2, 500, 1)).toBe(2);
  });
});

describe('query samples the alert rules read', () => {
  const rules: Rules = {
    groups: [
      { interval: '10s', rules: [{ expr: `avg_over_time(${SERIES.anomaly}[1h]) > 0.1 and ${SERIES.severity} offset 2m` }] },
      { rules: [{ expr: `absent_over_time(${SERIES.score}{host="a"}[4m59s999ms])` }] },
    ],
  };

  it('per evaluation: the samples in each range window at the sample interval, one for an instant selector', () => {
    const [everyTenSeconds, everyMinute] = ruleSamplesPerEvaluation(rules, 10, FULL_RESOLUTION);
    expect(everyTenSeconds).toEqual({ intervalSeconds: 10, samples: 360 + 1 });
    expect(everyMinute!.intervalSeconds).toBe(60);
    expect(everyMinute!.samples).toBeCloseTo(29.9999, 9);
    expect(ruleSamplesPerHost(rules, 10, FULL_RESOLUTION, 3600)).toBeCloseTo(360 * 361 + 60 * 29.9999, 6);
  });

  it('a detail series under the write policy holds a point a minute: its windows read fewer samples, the flag’s as many', () => {
    const [everyTenSeconds, everyMinute] = ruleSamplesPerEvaluation(rules, 10, DEFAULT_WRITE_POLICY);
    expect(everyTenSeconds).toEqual({ intervalSeconds: 10, samples: 360 + 1 });
    expect(everyMinute!.samples).toBeCloseTo(4.99998, 5);
  });

  it('reads Prometheus durations and refuses anything else', () => {
    expect(durationSeconds('1h30m')).toBe(5400);
    expect(durationSeconds('500ms')).toBe(0.5);
    expect(() => durationSeconds('an hour')).toThrow(/"an hour" is not a Prometheus duration: use one such as 90s/);
  });

  it("vigil's own rules read about 25 samples per host every 10 s and 1,205 every minute under the default write policy", () => {
    const [hostAnomalies, anomalyRate, delivery] = ruleSamplesPerEvaluation(vigilRules(), 10, DEFAULT_WRITE_POLICY);
    expect(hostAnomalies!.intervalSeconds).toBe(10);
    // The flag over 2 m (12) and once 2 m ago, severity over 2 m (2), 5 samples twice for the sustained run.
    expect(hostAnomalies!.samples).toBeCloseTo(25, 3);
    // The hour's share, judged once a minute: the flag over an hour, twice.
    expect(anomalyRate).toEqual({ intervalSeconds: 60, samples: 720 });
    // Silence on the flag (an hour and 5 m, 5 m), the lag over an hour and the model over 5 m at a point a minute.
    expect(delivery).toEqual({ intervalSeconds: 60, samples: 360 + 30 + 30 + 60 + 5 });
  });
});
