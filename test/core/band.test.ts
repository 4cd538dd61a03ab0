/** The model's band (core/band.ts): its limits from the manifest, its bounds, its direction, and the pipeline's normal and scale behind it. */
import { describe, expect, it } from 'vitest';
import { bandDirection, bandReach, FALLBACK_REACH_SCALES, writeBand } from '../../core/band.js';
import { DEFAULT_FEATURE_LIMIT, HOST_FEATURE_SET, PER_METRIC_FEATURES, featureSetFor } from '../../core/features.js';
import type { Manifest } from '../../core/manifest.js';
import { FeaturePipeline } from '../../features/pipeline.js';
import { readModelDir } from '../../model-store/artifact.js';
import { defaultModelDir } from '../../model-store/default-model.js';
import { DEFAULT_REACH_OPTIONS } from '../../models/extremeness.js';

const manifest = readModelDir(defaultModelDir()).manifest;

describe('bandReach', () => {
  it("takes each metric's dev_long center ± reach, and its level's, from the manifest", () => {
    const reach = bandReach(manifest);
    expect([...reach.keys()]).toEqual(HOST_FEATURE_SET.metrics);
    const f = manifest.featureSet.names.indexOf('disk_used_pct.dev_long');
    const l = manifest.featureSet.names.indexOf('disk_used_pct.level');
    const { center, reach: r } = manifest.baseline;
    expect(reach.get('disk_used_pct')).toEqual({
      low: center[f]! - r![f]!,
      high: center[f]! + r![f]!,
      // The level's range reaches below 0, where a share never goes.
      levelLow: 0,
      levelHigh: center[l]! + r![l]!,
    });
    expect(center[l]! - r![l]!).toBeLessThan(0);
    // Computed once per manifest.
    expect(bandReach(manifest)).toBe(reach);
  });

  it('falls back to the narrowest reach training calibrates where the manifest has none (an older model)', () => {
    expect(FALLBACK_REACH_SCALES).toBe(DEFAULT_REACH_OPTIONS.margin * DEFAULT_REACH_OPTIONS.minimumScales);
    const { reach: _reach, ...baseline } = manifest.baseline;
    const older = { ...manifest, baseline } as Manifest;
    const f = manifest.featureSet.names.indexOf('cpu_pct.dev_long');
    expect(bandReach(older).get('cpu_pct')!.high).toBeCloseTo(baseline.center[f]! + FALLBACK_REACH_SCALES * baseline.scale[f]!, 12);
  });

  it('leaves a limit the clamped deviation never reaches open', () => {
    const fs = featureSetFor(['q']);
    const n = PER_METRIC_FEATURES.length;
    const wide = {
      featureSet: { version: fs.version, metrics: [...fs.metrics], names: [...fs.names] },
      baseline: { center: new Array<number>(n).fill(0), scale: new Array<number>(n).fill(1), reach: new Array<number>(n).fill(DEFAULT_FEATURE_LIMIT + 1) },
    };
    expect(bandReach(wide).get('q')).toEqual({ low: -Infinity, high: Infinity, levelLow: -101, levelHigh: 101 });
  });
});

describe('writeBand and bandDirection', () => {
  const reach = { low: -4, high: 6, levelLow: 0, levelHigh: 100 };
  const band = (normal: number, scale: number): number[] => {
    const bounds = new Float64Array(2);
    writeBand(normal, scale, reach, bounds, 0);
    return Array.from(bounds);
  };

  it('is normal + [low, high] x scale within the level range; NaN where there is no normal, and where the ranges do not meet', () => {
    expect(band(50, 2)).toEqual([42, 62]);
    expect(band(95, 2)).toEqual([87, 100]);
    expect(band(2, 1)).toEqual([0, 8]);
    expect(band(Number.NaN, Number.NaN)).toEqual([NaN, NaN]);
    expect(band(200, 1)).toEqual([NaN, NaN]);
    const open = new Float64Array(2);
    writeBand(5, 1, { low: -Infinity, high: 3, levelLow: -Infinity, levelHigh: Infinity }, open, 0);
    expect(Array.from(open)).toEqual([NaN, 8]);
  });

  it('says which side of its band a value is on, nothing inside it or without a band', () => {
    const sampleBand = { metrics: ['a', 'b'], bounds: Float64Array.from([0, 0, 10, 20, NaN, NaN]), at: 2 };
    expect(bandDirection(sampleBand, 'a', 25)).toBe('above');
    expect(bandDirection(sampleBand, 'a', 5)).toBe('below');
    expect(bandDirection(sampleBand, 'a', 15)).toBeUndefined();
    expect(bandDirection(sampleBand, 'b', 1e9)).toBeUndefined();
    expect(bandDirection(undefined, 'a', 25)).toBeUndefined();
    expect(bandDirection(sampleBand, 'a', undefined)).toBeUndefined();
  });
});

describe("the pipeline's band output", () => {
  it('is the normal and scale of dev_long: (value - normal) / scale is the dev_long feature', () => {
    const pipeline = new FeaturePipeline(HOST_FEATURE_SET);
    const band = new Float64Array(2 * HOST_FEATURE_SET.metrics.length);
    const t0 = Date.UTC(2026, 11, 1);
    const values = (i: number): Record<string, number> =>
      Object.fromEntries(HOST_FEATURE_SET.metrics.map((m, k) => [m, 50 + 10 * k + Math.sin(i + k) * (k + 1)]));
    pipeline.push({ t: t0, values: values(0) }, band);
    // Before a metric's first value there is no normal.
    expect(Array.from(band).every(Number.isNaN)).toBe(true);
    for (let i = 1; i < 200; i++) {
      const features = pipeline.push({ t: t0 + i * 10_000, values: values(i) }, band);
      HOST_FEATURE_SET.metrics.forEach((metric, k) => {
        const devLong = features[HOST_FEATURE_SET.names.indexOf(`${metric}.dev_long`)]!;
        expect(band[2 * k + 1]!).toBeGreaterThan(0);
        expect((values(i)[metric]! - band[2 * k]!) / band[2 * k + 1]!).toBeCloseTo(devLong, 9);
      });
    }
  });
});
