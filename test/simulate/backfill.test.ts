import { describe, expect, it } from 'vitest';
import { HOST_FEATURE_SET } from '../../core/features.js';
import { backfill, history } from '../../simulate/backfill.js';
import { SimulatedFleet } from '../../simulate/fleet.js';

const START = Date.UTC(2026, 10, 21, 12);

describe('backfill', () => {
  it('warms every host pipeline on its history and keeps a capped sample of training rows after the warm-up', () => {
    const fleet = new SimulatedFleet({ hosts: 3, seed: 4 });
    const result = backfill(fleet, { until: START, days: 2, intervalSeconds: 60, maxTrainingRows: 500, warmupHours: 24 });
    expect(result.samples).toBe(3 * 2 * 24 * 60);
    expect(result.lastTime).toBe(START - 60_000);
    expect([...result.pipelines.keys()]).toEqual(fleet.hostIds);
    expect(result.rows).toHaveLength(500);
    for (const row of result.rows) {
      expect(row).toHaveLength(HOST_FEATURE_SET.names.length);
      expect(row.every(Number.isFinite)).toBe(true);
    }
    // Fewer rows after the warm-up than the cap: all of them are kept.
    const small = backfill(new SimulatedFleet({ hosts: 2, seed: 4 }), { until: START, days: 1, intervalSeconds: 600, warmupHours: 12 });
    expect(small.rows).toHaveLength(2 * 72);
  });

  it('leaves the fleet and pipelines ready for the live run: the next samples continue the same hosts', () => {
    const fleet = new SimulatedFleet({ hosts: 2, seed: 4 });
    const { pipelines } = backfill(fleet, { until: START, days: 1, intervalSeconds: 60 });
    const live = fleet.sampleAt(START);
    expect(live.map((s) => s.host)).toEqual(fleet.hostIds);
    // A warmed pipeline sees an ordinary live sample as ordinary: its long deviation is modest.
    const devLong = HOST_FEATURE_SET.names.indexOf('cpu_pct.dev_long');
    for (const sample of live) expect(Math.abs(pipelines.get(sample.host)!.push(sample)[devLong]!)).toBeLessThan(10);
    expect(() => fleet.sampleAt(START - 60_000)).toThrow(/must move forward in time/);
  });

  it('history yields one tick per interval and rejects a bad interval', () => {
    const fleet = new SimulatedFleet({ hosts: 2 });
    const ticks = [...history(fleet, { from: START, until: START + 60_000, intervalSeconds: 10 })];
    expect(ticks).toHaveLength(6);
    expect(ticks.every((tick) => tick.length === 2)).toBe(true);
    expect(() => [...history(fleet, { from: START, until: START + 1, intervalSeconds: 0 })]).toThrow(/intervalSeconds must be > 0; got 0/);
    expect(() => backfill(fleet, { until: START, days: 0, intervalSeconds: 10 })).toThrow(/days > 0; got 0/);
  });
});
