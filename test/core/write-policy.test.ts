/** The write policy's choice of the samples that write their detail series (core/write-policy.ts). */
import { describe, expect, it } from 'vitest';
import type { ScoredSample } from '../../core/scored-sample.js';
import { DEFAULT_WRITE_POLICY, DetailSelector, FULL_RESOLUTION, secondsBetweenPoints } from '../../core/write-policy.js';
import { lagCarriers, SERIES } from '../../core/alert-series.js';
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
