import { describe, expect, it } from 'vitest';
import { featureSetFor, FEATURE_SET_VERSION, HOST_FEATURE_SET, PER_METRIC_FEATURES } from '../../core/features.js';
import { FeaturePipeline, type RawSample } from '../../features/pipeline.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 5); // a Monday, 00:00 UTC
const ONE = featureSetFor(['cpu_pct']);

/** Index of `metric.feature` in the vector. */
const at = (set: typeof ONE, name: string) => {
  const i = set.names.indexOf(name);
  if (i < 0) throw new Error(`no feature ${name}`);
  return i;
};

/** A deterministic pseudo-random generator, so the tests are reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function feed(p: FeaturePipeline, values: readonly number[], stepMs = MINUTE, t0 = T0): Float64Array[] {
  return values.map((v, i) => p.push({ t: t0 + i * stepMs, values: { cpu_pct: v } }));
}

describe('FeaturePipeline', () => {
  it('emits one finite value per feature, in the order of the feature set', () => {
    const p = new FeaturePipeline(HOST_FEATURE_SET);
    const random = rng(1);
    const odd = [NaN, Infinity, -Infinity, 1e300, -1e300, -5, 0];
    for (let i = 0; i < 2000; i++) {
      const values: Record<string, number> = {};
      HOST_FEATURE_SET.metrics.forEach((m, k) => {
        if ((i + k) % 7 !== 0) values[m] = i % 13 === 0 ? odd[(i + k) % odd.length]! : 50 + 10 * random();
      });
      const f = p.push({ t: T0 + i * 10_000, values });
      expect(f).toHaveLength(HOST_FEATURE_SET.names.length);
      for (const v of f) expect(Number.isFinite(v)).toBe(true);
    }
    expect(HOST_FEATURE_SET.names.slice(0, PER_METRIC_FEATURES.length)).toEqual(PER_METRIC_FEATURES.map((f) => `cpu_pct.${f}`));
  });

  it('is causal: a sample’s features do not change when later samples do', () => {
    const random = rng(2);
    const base = Array.from({ length: 600 }, () => 40 + 5 * random());
    const changed = [...base];
    for (let i = 300; i < 600; i++) changed[i] = 95;
    const a = feed(new FeaturePipeline(ONE), base);
    const b = feed(new FeaturePipeline(ONE), changed);
    for (let i = 0; i < 300; i++) expect(b[i]).toEqual(a[i]);
    expect(b[300]).not.toEqual(a[300]);
  });

  it('a spike stands out from the recent and the long normal and shows as a rate', () => {
    const random = rng(3);
    const values = Array.from({ length: 400 }, () => 30 + 2 * random());
    values.push(90);
    const f = feed(new FeaturePipeline(ONE), values);
    const spike = f[400]!;
    const calm = f[399]!;
    for (const name of ['dev_short', 'dev_long', 'dev_seasonal', 'rate']) {
      expect(spike[at(ONE, `cpu_pct.${name}`)]).toBeGreaterThan(10);
      expect(Math.abs(calm[at(ONE, `cpu_pct.${name}`)]!)).toBeLessThan(5);
    }
    expect(spike[at(ONE, 'cpu_pct.level')]).toBe(90);
  });

  it('the recent normal follows a level shift faster than the long one', () => {
    const random = rng(4);
    const values = [...Array.from({ length: 600 }, () => 20 + random()), ...Array.from({ length: 60 }, () => 60 + random())];
    const f = feed(new FeaturePipeline(ONE), values);
    const after = f[659]!;
    expect(Math.abs(after[at(ONE, 'cpu_pct.dev_short')]!)).toBeLessThan(1);
    expect(after[at(ONE, 'cpu_pct.dev_long')]).toBeGreaterThan(5);
  });

  it('learns the time of day: a daytime value at night deviates from the seasonal normal', () => {
    const random = rng(5);
    const p = new FeaturePipeline(ONE);
    const daily = (t: number) => 50 + 40 * Math.sin((2 * Math.PI * (t - T0)) / (24 * 60 * MINUTE));
    const step = 5 * MINUTE;
    let t = T0;
    for (; t < T0 + 10 * 24 * 60 * MINUTE; t += step) p.push({ t, values: { cpu_pct: daily(t) + random() } });
    const seasonal = at(ONE, 'cpu_pct.dev_seasonal');
    // 18:00 is the trough (10); the usual trough value is normal there, the daily mean (50) is not.
    const trough = T0 + 10 * 24 * 60 * MINUTE + 18 * 60 * MINUTE;
    while (t < trough) {
      p.push({ t, values: { cpu_pct: daily(t) + random() } });
      t += step;
    }
    const snapshot = p.snapshot();
    const usual = p.push({ t: trough, values: { cpu_pct: daily(trough) } });
    const odd = FeaturePipeline.restore(ONE, snapshot).push({ t: trough, values: { cpu_pct: 50 } });
    expect(Math.abs(usual[seasonal]!)).toBeLessThan(2);
    expect(odd[seasonal]).toBeGreaterThan(5);
    // The long normal sits near the daily mean, so it barely notices what the seasonal normal does.
    expect(Math.abs(odd[at(ONE, 'cpu_pct.dev_long')]!)).toBeLessThan(odd[seasonal]! / 3);
  });

  it('detects a change of variability (vol_short)', () => {
    const random = rng(6);
    const values = [...Array.from({ length: 600 }, () => 50 + random()), ...Array.from({ length: 30 }, () => 50 + 20 * (random() - 0.5))];
    const f = feed(new FeaturePipeline(ONE), values);
    expect(Math.abs(f[599]![at(ONE, 'cpu_pct.vol_short')]!)).toBeLessThan(1);
    expect(f[629]![at(ONE, 'cpu_pct.vol_short')]).toBeGreaterThan(1.5);
  });

  it('a gap (host offline) gives rate 0 and restarts the recent normal from the long one', () => {
    const random = rng(7);
    const p = new FeaturePipeline(ONE);
    const values = Array.from({ length: 300 }, () => 10 + random());
    feed(p, values);
    const before = p.snapshot() as { state: { long: number[] }[] };
    const longMean = before.state[0]!.long[0]!;
    const back = p.push({ t: T0 + 300 * MINUTE + 6 * 60 * MINUTE, values: { cpu_pct: 30 } });
    expect(back[at(ONE, 'cpu_pct.rate')]).toBe(0);
    expect(back[at(ONE, 'cpu_pct.dev_short')]).toBeCloseTo(back[at(ONE, 'cpu_pct.dev_long')]!, 12);
    expect(longMean).toBeGreaterThan(10);
    // Without the gap the same jump is a large rate.
    const q = new FeaturePipeline(ONE);
    feed(q, values);
    expect(q.push({ t: T0 + 300 * MINUTE, values: { cpu_pct: 30 } })[at(ONE, 'cpu_pct.rate')]).toBeGreaterThan(10);
  });

  it('a step that comes at the same hour every day is not a rate once the time-of-day normal knows it; the same step at another hour is, and so is the step that does not come', () => {
    const random = rng(12);
    const p = new FeaturePipeline(ONE);
    // Five-minute samples, 20 at night and 70 from 09:00 to 18:00, for 8 days.
    const level = (minute: number) => (minute % 1440 >= 540 && minute % 1440 < 1080 ? 70 : 20);
    const values = Array.from({ length: 8 * 288 }, (_, i) => level(5 * i) + 2 * random());
    const rows = feed(p, values, 5 * MINUTE);
    const rate = at(ONE, 'cpu_pct.rate');
    const nineOnFirstDay = 540 / 5;
    const nineOnLastDay = 7 * 288 + 540 / 5;
    expect(rows[nineOnFirstDay]![rate]).toBeGreaterThan(10);
    expect(Math.abs(rows[nineOnLastDay]![rate]!)).toBeLessThan(3);
    // The same step at 13:00, an hour the season expects flat, keeps its full size.
    const q = new FeaturePipeline(ONE);
    const shifted = values.map((v, i) => (i >= 7 * 288 + 780 / 5 && i < 7 * 288 + 840 / 5 ? v + 50 : v));
    expect(feed(q, shifted, 5 * MINUTE)[7 * 288 + 780 / 5]![rate]).toBeGreaterThan(10);
    // A 09:00 step that does not come is a rate too, downwards.
    const r = new FeaturePipeline(ONE);
    const late = values.map((v, i) => (i >= nineOnLastDay && i < nineOnLastDay + 12 ? v - 50 : v));
    expect(feed(r, late, 5 * MINUTE)[nineOnLastDay]![rate]).toBeLessThan(-10);
  });

  it('a counter reset (negative rate of a non-negative metric) is treated as missing, not learned', () => {
    const set = featureSetFor(['net_rx_bps']);
    const random = rng(8);
    const values = Array.from({ length: 200 }, () => 1e6 + 1e4 * random());
    const reset = new FeaturePipeline(set);
    const missing = new FeaturePipeline(set);
    values.forEach((v, i) => {
      reset.push({ t: T0 + i * MINUTE, values: { net_rx_bps: v } });
      missing.push({ t: T0 + i * MINUTE, values: { net_rx_bps: v } });
    });
    const a = reset.push({ t: T0 + 200 * MINUTE, values: { net_rx_bps: -4e9 } });
    const b = missing.push({ t: T0 + 200 * MINUTE, values: {} });
    expect(a).toEqual(b);
    expect(a[set.names.indexOf('net_rx_bps.rate')]).toBe(0);
    expect(reset.snapshot()).toEqual(missing.snapshot());
    // A metric that may be negative (a temperature) keeps its negative values.
    const temp = featureSetFor(['temperature']);
    const t = new FeaturePipeline(temp);
    expect(t.push({ t: T0, values: { temperature: -12 } })[0]).toBe(-12);
  });

  it('imputes missing and non-finite values with the recent normal: deviations 0, never NaN', () => {
    const p = new FeaturePipeline(ONE);
    feed(
      p,
      Array.from({ length: 100 }, (_, i) => 40 + (i % 5)),
    );
    for (const bad of [NaN, Infinity, -Infinity, undefined]) {
      const values: Record<string, number> = bad === undefined ? {} : { cpu_pct: bad };
      const f = p.push({ t: T0 + 100 * MINUTE, values });
      expect(f[at(ONE, 'cpu_pct.dev_short')]).toBe(0);
      expect(f[at(ONE, 'cpu_pct.rate')]).toBe(0);
      expect(f[at(ONE, 'cpu_pct.level')]).toBeGreaterThan(39);
      expect(f[at(ONE, 'cpu_pct.level')]).toBeLessThan(45);
    }
    // With no history at all the value is 0.
    expect([...new FeaturePipeline(ONE).push({ t: T0, values: { cpu_pct: NaN } })]).toEqual(new Array(ONE.names.length).fill(0));
  });

  it('snapshot and restore through JSON continue exactly where it stopped', () => {
    const random = rng(9);
    const values = Array.from({ length: 1000 }, (_, i) => 50 + 30 * Math.sin(i / 50) + random());
    const straight = feed(new FeaturePipeline(ONE), values);
    const first = new FeaturePipeline(ONE);
    feed(first, values.slice(0, 500));
    const saved = JSON.parse(JSON.stringify(first.snapshot())) as unknown;
    const resumed = FeaturePipeline.restore(ONE, saved);
    const rest = values.slice(500).map((v, i) => resumed.push({ t: T0 + (500 + i) * MINUTE, values: { cpu_pct: v } }));
    expect(rest).toEqual(straight.slice(500));
  });

  it('keeps constant-size state (O(1) memory per sample)', () => {
    const p = new FeaturePipeline(ONE);
    const count = () => JSON.stringify(p.snapshot()).split(',').length;
    feed(
      p,
      Array.from({ length: 100 }, (_, i) => i),
    );
    const small = count();
    feed(
      p,
      Array.from({ length: 5000 }, (_, i) => i),
      MINUTE,
      T0 + 100 * MINUTE,
    );
    expect(count()).toBe(small);
  });

  it('refuses state of another feature set or version, naming the mismatch', () => {
    const p = new FeaturePipeline(ONE);
    feed(p, [1, 2, 3]);
    const saved = p.snapshot() as Record<string, unknown>;
    expect(() => FeaturePipeline.restore(featureSetFor(['mem_used_pct']), saved)).toThrow(/metrics \[cpu_pct\].*\[mem_used_pct\]/);
    expect(() => FeaturePipeline.restore(ONE, { ...saved, featureSetVersion: FEATURE_SET_VERSION + 1 })).toThrow(/feature-set version/);
    expect(() => FeaturePipeline.restore(ONE, { hello: 1 })).toThrow(/not a valid vigil-feature-state snapshot/);
  });

  it('rejects bad options and bad times with a message naming them', () => {
    expect(() => new FeaturePipeline(ONE, { shortSpan: 0 })).toThrow(/shortSpan must be a finite number > 0; got 0/);
    expect(() => new FeaturePipeline(ONE, { shortSpan: 100, longSpan: 10 })).toThrow(/shortSpan <= longSpan/);
    expect(() => new FeaturePipeline(ONE).push({ t: NaN, values: {} } as RawSample)).toThrow(/sample time must be finite/);
  });
});
