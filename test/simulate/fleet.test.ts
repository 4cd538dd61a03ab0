import { describe, expect, it } from 'vitest';
import { HOST_METRICS } from '../../core/host-metrics.js';
import { SimulatedFleet, type FleetSample } from '../../simulate/fleet.js';
import { INCIDENT_KINDS, planIncidents, type Incident, type IncidentKind } from '../../simulate/incidents.js';

const MONDAY = Date.UTC(2026, 10, 16); // a Monday, 00:00 UTC
const HOUR = 3_600_000;

function run(fleet: SimulatedFleet, from: number, until: number, stepMs: number): FleetSample[] {
  const out: FleetSample[] = [];
  for (let t = from; t < until; t += stepMs) out.push(...fleet.sampleAt(t));
  return out;
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

describe('simulated fleet', () => {
  it('is reproducible from its seed and differs between seeds', () => {
    const a = run(new SimulatedFleet({ hosts: 4, seed: 7 }), MONDAY, MONDAY + HOUR, 10_000);
    const b = run(new SimulatedFleet({ hosts: 4, seed: 7 }), MONDAY, MONDAY + HOUR, 10_000);
    const c = run(new SimulatedFleet({ hosts: 4, seed: 8 }), MONDAY, MONDAY + HOUR, 10_000);
    expect(a).toEqual(b);
    expect(a.map((s) => s.values.cpu_pct)).not.toEqual(c.map((s) => s.values.cpu_pct));
  });

  it('reports every host metric, finite and in range, for every host over a week', () => {
    const fleet = new SimulatedFleet({ hosts: 10, seed: 1 });
    const samples = run(fleet, MONDAY, MONDAY + 7 * 24 * HOUR, 60_000);
    expect(samples).toHaveLength(10 * 7 * 24 * 60);
    expect(new Set(samples.map((s) => s.host))).toEqual(new Set(fleet.hostIds));
    const problems: string[] = [];
    for (const sample of samples) {
      if (Object.keys(sample.values).sort().join() !== [...HOST_METRICS].sort().join())
        problems.push(`${sample.host}: metrics ${Object.keys(sample.values).join()}`);
      for (const [metric, value] of Object.entries(sample.values)) {
        const inRange = Number.isFinite(value) && value >= 0 && (!metric.endsWith('_pct') || value <= 100);
        if (!inRange) problems.push(`${sample.host} ${metric}=${value} at ${new Date(sample.t).toISOString()}`);
      }
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });

  it('names hosts by role and tags them with role and zone', () => {
    const fleet = new SimulatedFleet({ hosts: 12, seed: 1 });
    expect(new Set(fleet.hostIds).size).toBe(12);
    for (const profile of fleet.profiles) {
      expect(profile.id).toMatch(new RegExp(`^sim-${profile.role}-\\d{2}$`));
      expect(profile.tags).toMatchObject({ role: profile.role, env: 'sim' });
    }
    expect(new Set(fleet.profiles.map((p) => p.role))).toEqual(new Set(['web', 'api', 'db', 'cache', 'worker']));
  });

  it('follows the day and the week: a web host is busier at its afternoon peak than at night, and on a weekday than on Sunday', () => {
    const fleet = new SimulatedFleet({ hosts: 1, seed: 3, utcOffsetHours: 0 });
    expect(fleet.profiles[0]!.role).toBe('web');
    const samples = run(fleet, MONDAY, MONDAY + 7 * 24 * HOUR, 60_000);
    const cpuAt = (day: number, fromHour: number, toHour: number): number =>
      mean(samples.filter((s) => s.t >= MONDAY + (day * 24 + fromHour) * HOUR && s.t < MONDAY + (day * 24 + toHour) * HOUR).map((s) => s.values.cpu_pct));
    for (let day = 0; day < 5; day++) expect(cpuAt(day, 12, 15)).toBeGreaterThan(2 * cpuAt(day, 3, 5));
    expect(cpuAt(1, 12, 15)).toBeGreaterThan(1.3 * cpuAt(6, 12, 15)); // Tuesday against Sunday
  });

  it('rejects going back in time, a bad host count and incidents on unknown hosts, saying what to do', () => {
    const fleet = new SimulatedFleet({ hosts: 2 });
    fleet.sampleAt(MONDAY + 10_000);
    expect(() => fleet.sampleAt(MONDAY)).toThrow(/must move forward in time/);
    expect(() => new SimulatedFleet({ hosts: 0 })).toThrow(/1 to 10000 hosts; got 0/);
    const stray: Incident = { id: 'x', kind: 'cpu_runaway', host: 'nope', start: MONDAY, end: MONDAY + 1, intensity: 1 };
    expect(() => fleet.inject([stray])).toThrow(/host "nope", which is not in this fleet/);
  });
});

describe('injected incidents', () => {
  const start = MONDAY + 14 * HOUR;

  /** The incident host's samples from 10 minutes before to 10 minutes into an incident of `kind`. */
  function around(kind: IncidentKind): { before: FleetSample[]; during: FleetSample[]; after: FleetSample[]; incident: Incident } {
    const fleet = new SimulatedFleet({ hosts: 3, seed: 5 });
    const incident: Incident = { id: kind, kind, host: fleet.hostIds[1]!, start, end: start + 10 * 60_000, intensity: 0.5 };
    fleet.inject([incident]);
    const samples = run(fleet, start - 10 * 60_000, incident.end + 5 * 60_000, 10_000).filter((s) => s.host === incident.host);
    return {
      incident,
      before: samples.filter((s) => s.t < start),
      during: samples.filter((s) => s.t >= start + 60_000 && s.t < incident.end),
      after: samples.filter((s) => s.t >= incident.end),
    };
  }
  const values = (samples: FleetSample[], metric: keyof FleetSample['values']): number[] => samples.map((s) => s.values[metric]);

  it('CPU runaway pins the CPU and builds a run queue', () => {
    const { before, during } = around('cpu_runaway');
    expect(Math.max(...values(before, 'cpu_pct'))).toBeLessThan(80);
    expect(Math.min(...values(during, 'cpu_pct'))).toBeGreaterThan(90);
    expect(mean(values(during.slice(-10), 'load1_per_cpu'))).toBeGreaterThan(1.5);
  });

  it('memory leak climbs steadily, then spills into swap', () => {
    const { before, during } = around('memory_leak');
    const mem = values(during, 'mem_used_pct');
    expect(mem.at(-1)! - mem[0]!).toBeGreaterThan(15);
    expect(Math.max(...values(before, 'swap_used_pct'))).toBe(0);
    expect(Math.max(...values(during, 'swap_used_pct'))).toBeGreaterThan(0);
  });

  it('disk filling writes fast and fills the filesystem', () => {
    const { before, during } = around('disk_filling');
    expect(mean(values(during, 'disk_write_bps'))).toBeGreaterThan(20 * mean(values(before, 'disk_write_bps')));
    const used = values(during, 'disk_used_pct');
    expect(used.at(-1)! - used[0]!).toBeGreaterThan(20);
  });

  it('network storm multiplies traffic and drops packets', () => {
    const { before, during } = around('network_storm');
    expect(mean(values(during, 'net_rx_bps'))).toBeGreaterThan(8 * mean(values(before, 'net_rx_bps')));
    expect(mean(values(during, 'net_tx_bps'))).toBeGreaterThan(3 * mean(values(before, 'net_tx_bps')));
    expect(Math.min(...values(during, 'net_errors_ps'))).toBeGreaterThan(20);
  });

  it('a silent host sends nothing while the incident lasts and reports again after it', () => {
    const { incident, before, during, after } = around('host_silent');
    expect(before.length).toBe(60);
    expect(during).toHaveLength(0);
    expect(after.length).toBe(30);
    expect(after[0]!.t).toBe(incident.end);
  });

  it('every effect ends with its incident: the host is back to normal', () => {
    for (const kind of ['cpu_runaway', 'network_storm'] as const) {
      const { before, after } = around(kind);
      expect(mean(values(after.slice(-10), 'cpu_pct'))).toBeLessThan(1.5 * mean(values(before, 'cpu_pct')) + 10);
    }
  });
});

describe('incident plan', () => {
  const hosts = Array.from({ length: 20 }, (_, i) => `h-${i}`);
  const from = MONDAY;
  const until = MONDAY + 300_000;

  it('puts one incident of each kind on distinct hosts, starting in the first half of the run', () => {
    const plan = planIncidents({ hosts, from, until, seed: 2 });
    expect(plan.map((i) => i.kind)).toEqual([...INCIDENT_KINDS]);
    expect(new Set(plan.map((i) => i.host)).size).toBe(INCIDENT_KINDS.length);
    for (const incident of plan) {
      expect(incident.start).toBeGreaterThanOrEqual(from + 30_000);
      expect(incident.start).toBeLessThanOrEqual(from + 150_000);
      expect(incident.end).toBe(until);
    }
    expect(planIncidents({ hosts, from, until, seed: 2 })).toEqual(plan);
  });

  it('caps long incidents and refuses plans that cannot fit', () => {
    const long = planIncidents({ hosts, from, until: from + 24 * HOUR, kinds: ['memory_leak'], maxDurationSeconds: 600 });
    expect(long[0]!.end - long[0]!.start).toBe(600_000);
    expect(() => planIncidents({ hosts: hosts.slice(0, 3), from, until })).toThrow(/need as many hosts, one each; got 3: simulate at least 5 hosts/);
    expect(() => planIncidents({ hosts, from, until: from + 10_000 })).toThrow(/at least 60 s; got 10 s/);
    expect(() => planIncidents({ hosts, from, until, kinds: ['meltdown' as IncidentKind] })).toThrow(/unknown incident kind "meltdown"/);
  });
});
