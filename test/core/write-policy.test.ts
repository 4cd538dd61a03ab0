/** The write policy's choice of the samples that write their detail series (core/write-policy.ts). */
import { describe, expect, it } from 'vitest';
import type { ScoredSample } from '../../core/scored-sample.js';
import {
  BAND_HEARTBEAT_SECONDS,
  BAND_TOLERANCE,
  BandSelector,
  DEFAULT_WRITE_POLICY,
  DetailSelector,
  FULL_RESOLUTION,
  secondsBetweenPoints,
} from '../../core/write-policy.js';
import { bandSeries, lagCarriers, SERIES, seriesHelp, toSeries, type BandPoints } from '../../core/alert-series.js';
import { scoredSample } from '../scored-sample.js';

const T0 = Date.UTC(2026, 11, 1, 12); // a whole minute

const sample = (host: string, seconds: number, anomaly = false): ScoredSample =>
  scoredSample({ host, seq: seconds, time: T0 + seconds * 1000, score: anomaly ? 0.9 : 0.3, anomaly, severity: anomaly ? 'low' : 'normal', confidence: 0.5 });

describe('DetailSelector', () => {
  it('picks the first sample of each host in each minute, and every anomaly, across batches', () => {
    const selector = new DetailSelector(DEFAULT_WRITE_POLICY);
    const first = [0, 10, 20, 30, 40, 50, 60, 70].map((s) => sample('a', s));
    expect(selector.select(first)).toEqual([true, false, false, false, false, false, true, false]);
    // Another host keeps its own minute; an anomaly writes in full; the next minute starts again.
    expect(selector.select([sample('b', 75), sample('a', 80, true), sample('a', 90), sample('a', 120), sample('a', 130)])).toEqual([
      true,
      true,
      false,
      true,
      false,
    ]);
  });

  it('picks the same sample again when it is scored again (a redelivered batch), and no other of its minute', () => {
    const selector = new DetailSelector(DEFAULT_WRITE_POLICY);
    const batch = [sample('a', 0), sample('a', 10), sample('a', 20)];
    expect(selector.select(batch)).toEqual([true, false, false]);
    expect(selector.select(batch)).toEqual([true, false, false]);
  });

  it('writes a point more, never one fewer, when samples come out of time order', () => {
    const selector = new DetailSelector(DEFAULT_WRITE_POLICY);
    expect(selector.select([sample('a', 70), sample('a', 10), sample('a', 80)])).toEqual([true, true, true]);
  });

  it('picks every sample under FULL_RESOLUTION', () => {
    expect(new DetailSelector(FULL_RESOLUTION).select([sample('a', 0), sample('a', 10)])).toEqual([true, true]);
  });

  it('refuses a detail interval the rules cannot read, naming the value', () => {
    expect(() => new DetailSelector({ detailSeconds: 300 })).toThrow(
      /detailSeconds must be a whole number of seconds from 0 \(every sample in full\) to 120; got 300/,
    );
    expect(() => new DetailSelector({ detailSeconds: 1.5 })).toThrow(/got 1.5/);
  });
});

describe('lagCarriers under the write policy', () => {
  it("gives a host's newest sample the lag point when one of the host's samples in the batch writes its detail", () => {
    // A record of six samples over a minute: the first writes its detail, the newest carries the lag.
    const batch = [0, 10, 20, 30, 40, 50].map((s) => sample('a', s)).concat([sample('b', 10), sample('b', 20)]);
    const detail = [true, false, false, false, false, false, false, false];
    expect(lagCarriers(batch, detail)).toEqual([false, false, false, false, false, true, false, false]);
    expect(lagCarriers(batch)).toEqual([false, false, false, false, false, true, false, true]);
  });
});

describe('secondsBetweenPoints', () => {
  it('gives the flag every sample and the detail series the policy interval', () => {
    expect(secondsBetweenPoints(SERIES.anomaly, DEFAULT_WRITE_POLICY, 10)).toBe(10);
    expect(secondsBetweenPoints(SERIES.score, DEFAULT_WRITE_POLICY, 10)).toBe(60);
    expect(secondsBetweenPoints(SERIES.score, FULL_RESOLUTION, 10)).toBe(10);
    expect(secondsBetweenPoints('vigil_host_cpu_busy_ratio', DEFAULT_WRITE_POLICY, 120)).toBe(120);
  });
});

describe('BandSelector', () => {
  /** A sample of host `host` whose cpu_pct band is [lower, upper] and mem_used_pct band [40, 60]. */
  const banded = (host: string, seconds: number, lower: number, upper: number, fields: Partial<ScoredSample> = {}): ScoredSample =>
    scoredSample({
      host,
      seq: seconds,
      time: T0 + seconds * 1000,
      metrics: { cpu_pct: 20, mem_used_pct: 50 },
      band: { metrics: ['cpu_pct', 'mem_used_pct'], bounds: Float64Array.from([lower, upper, 40, 60]), at: 0 },
      ...fields,
    });
  const marked = (points: BandPoints): number[] | boolean => (typeof points === 'boolean' ? points : Array.from(points));

  it("writes a host's whole band first, then a metric's band when a bound moved more than a tenth of its width, and every metric's once an hour", () => {
    const selector = new BandSelector();
    const points = selector.select([
      banded('a', 0, 10, 30),
      banded('a', 10, 11, 31), // moved 1 of 20: not yet
      banded('a', 20, 12.1, 32), // the lower bound moved 2.1 > 2 since the last point
      banded('a', 30, 12.1, 32),
      banded('b', 30, 0, 1), // another host starts with its own
    ]);
    expect(points.map(marked)).toEqual([[1, 1], false, [1, 0], false, [1, 1]]);
    expect(BAND_TOLERANCE).toBe(0.1);
    // Inside the hour nothing more; the next hour's first sample writes every metric's band again.
    const hour = BAND_HEARTBEAT_SECONDS;
    expect(selector.select([banded('a', hour - 10, 12.2, 32), banded('a', hour + 10, 12.2, 32), banded('a', hour + 20, 12.2, 32)]).map(marked)).toEqual([
      false,
      [1, 1],
      false,
    ]);
  });

  it("an anomaly writes its top metric's band and that of every metric outside its band, and nothing for a sample without a band", () => {
    const selector = new BandSelector();
    selector.select([banded('a', 0, 10, 30)]);
    const anomaly = banded('a', 10, 10, 30, { anomaly: true, severity: 'high', topMetric: 'mem_used_pct', metrics: { cpu_pct: 95, mem_used_pct: 50 } });
    expect(selector.select([anomaly, banded('a', 20, 10, 30, { anomaly: true, severity: 'high' }), sample('a', 30)]).map(marked)).toEqual([
      [1, 1],
      [1, 0],
      false,
    ]);
  });

  it('writes the same points again when a sample is scored again (a batch handed back)', () => {
    const selector = new BandSelector();
    const batch = [banded('a', 0, 10, 30), banded('a', 10, 13, 33)];
    expect(selector.select(batch).map(marked)).toEqual([
      [1, 1],
      [1, 0],
    ]);
    expect(selector.select(batch).map(marked)).toEqual([
      [1, 1],
      [1, 0],
    ]);
  });

  it('skips a metric without a band', () => {
    const selector = new BandSelector();
    const half = banded('a', 0, Number.NaN, Number.NaN);
    expect(selector.select([half]).map(marked)).toEqual([[0, 1]]);
  });

  it('the series a sample writes: each marked bound as its metric series with _band_lower / _band_upper before the unit, in that unit', () => {
    const s = banded('a', 0, 10, 30);
    const series = toSeries(s, 0.5, T0, T0, false, false, Uint8Array.from([1, 0]));
    expect(series.map((x) => [x.labels.__name__, x.labels.metric, x.value])).toEqual([
      [SERIES.anomaly, undefined, 0],
      ['vigil_host_cpu_busy_band_lower_ratio', 'cpu_pct', 0.1],
      ['vigil_host_cpu_busy_band_upper_ratio', 'cpu_pct', 0.3],
    ]);
    expect(bandSeries('net_rx_bps')).toEqual({
      lower: 'vigil_host_network_receive_band_lower_bytes_per_second',
      upper: 'vigil_host_network_receive_band_upper_bytes_per_second',
      scale: 1,
    });
    expect(bandSeries('load1_per_cpu').upper).toBe('vigil_host_load1_per_cpu_band_upper');
    expect(bandSeries('net_errors_ps').lower).toBe('vigil_host_network_errors_band_lower_per_second');
    expect(seriesHelp('vigil_host_cpu_busy_band_upper_ratio')).toMatch(/^Upper bound of the model's band for vigil_host_cpu_busy_ratio/);
    expect(seriesHelp('vigil_host_queue_depth_band_lower')).toBe("Lower bound of the model's band for the raw metric queue_depth.");
  });
});
