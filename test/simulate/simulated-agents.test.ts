import { describe, expect, it } from 'vitest';
import { HOST_FEATURE_SET } from '../../core/features.js';
import { decodeWireRecord, encodeWireRecord } from '../../core/wire.js';
import { backfill } from '../../simulate/backfill.js';
import { SimulatedFleet } from '../../simulate/fleet.js';
import { SimulatedAgents } from '../../simulate/simulated-agents.js';

const START = Date.UTC(2026, 10, 21, 9);

describe('simulated agents', () => {
  it('turn each tick into valid wire records, one per reporting host, with per-host sequence numbers', () => {
    const fleet = new SimulatedFleet({ hosts: 3, seed: 2 });
    const { pipelines } = backfill(fleet, { until: START, days: 0.1, intervalSeconds: 10 });
    const silentHost = fleet.hostIds[2]!;
    fleet.inject([{ id: 'q', kind: 'host_silent', host: silentHost, start: START + 10_000, end: START + 30_000, intensity: 1 }]);
    const agents = new SimulatedAgents(fleet, pipelines);
    const ticks = [0, 1, 2, 3].map((i) => agents.recordsAt(START + i * 10_000));
    expect(ticks.map((records) => records.length)).toEqual([3, 2, 2, 3]);
    for (const record of ticks.flat()) {
      // The wire contract accepts every record, and it survives the round trip unchanged.
      expect(decodeWireRecord(encodeWireRecord(record))).toEqual(record);
      expect(record.samples).toHaveLength(1);
      expect(record.samples[0]!.f).toHaveLength(HOST_FEATURE_SET.names.length);
      expect(record.tags).toMatchObject({ env: 'sim' });
    }
    const seqOf = (host: string): number[] =>
      ticks
        .flat()
        .filter((r) => r.host === host)
        .map((r) => r.samples[0]!.seq);
    expect(seqOf(fleet.hostIds[0]!)).toEqual([1, 2, 3, 4]);
    expect(seqOf(silentHost)).toEqual([1, 2]); // silent for two ticks: nothing sent, nothing numbered
    expect(ticks[3]!.find((r) => r.host === silentHost)!.samples[0]!.t).toBe(START + 30_000);
  });

  it('refuses a fleet without a pipeline for every host', () => {
    const fleet = new SimulatedFleet({ hosts: 2 });
    expect(() => new SimulatedAgents(fleet, new Map())).toThrow(/no feature pipeline for simulated hosts sim-web-01, sim-api-01/);
  });
});
