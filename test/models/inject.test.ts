/** The simulator's incident shapes applied to real metrics (simulate/inject.ts). */
import { describe, expect, it } from 'vitest';
import { incidentEffect, type Incident } from '../../simulate/incidents.js';
import { injectEffect } from '../../simulate/inject.js';

const real = {
  cpu_pct: 20,
  load1_per_cpu: 0.3,
  mem_used_pct: 90,
  swap_used_pct: 1,
  disk_used_pct: 50,
  disk_write_bps: 1e6,
  net_rx_bps: 2e5,
  net_tx_bps: 1e5,
  net_errors_ps: 0,
};
const incident = (kind: Incident['kind']): Incident => ({ id: kind, kind, host: 'h', start: 0, end: 600_000, intensity: 1 });

describe('injectEffect', () => {
  it('pins CPU and piles up load in a runaway, leaving the rest as the host reported it', () => {
    const out = injectEffect(real, incidentEffect(incident('cpu_runaway'), 60_000))!;
    expect(out.cpu_pct).toBe(97);
    expect(out.load1_per_cpu).toBeCloseTo(3.3, 6);
    expect(out).toMatchObject({ mem_used_pct: 90, disk_used_pct: 50, net_rx_bps: 2e5 });
  });

  it('spills leaked memory past 98 % into swap', () => {
    const out = injectEffect(real, incidentEffect(incident('memory_leak'), 300_000))!;
    expect(out.mem_used_pct).toBe(98);
    expect(out.swap_used_pct).toBeCloseTo(1 + 90 + 30 - 98, 6);
  });

  it('changes nothing outside the incident, and silences a silent host', () => {
    expect(injectEffect(real, incidentEffect(incident('network_storm'), 700_000))).toEqual(real);
    expect(injectEffect(real, incidentEffect(incident('host_silent'), 60_000))).toBeUndefined();
  });
});
