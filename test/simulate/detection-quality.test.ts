/**
 * The detection path end to end on a simulated fleet (offline, in simulated time): history through
 * the feature pipeline, trainModel on it, injected incidents scored by the scoring function's ONNX
 * code. Seeded, so the numbers are reproducible; the bounds leave room for model changes but fail
 * when detection breaks.
 */
import { describe, expect, it } from 'vitest';
import { runOfflineSimulation, type OfflineRunResult } from '../../local/offline-simulation.js';

describe('detection quality on the simulated fleet (10 hosts, 10 s interval, 300 s with 5 incidents)', () => {
  let result: OfflineRunResult;

  it('trains a model on backfilled history and injects one incident of each kind', async () => {
    result = await runOfflineSimulation({
      hosts: 10,
      seed: 3,
      historyDays: 1.5,
      durationSeconds: 300,
      start: Date.UTC(2026, 10, 18, 15),
      trainingRows: 10_000,
    });
    expect(result.trainingRows).toBe(10_000);
    expect(result.threshold).toBeGreaterThan(0.3);
    expect(result.threshold).toBeLessThan(0.8);
    expect(result.report.incidents.map((i) => i.kind).sort()).toEqual(['cpu_runaway', 'disk_filling', 'host_silent', 'memory_leak', 'network_storm']);
  }, 120_000);

  it('detects CPU runaway, disk filling, network storm and a silent host within a minute each, blaming a fitting metric', () => {
    const byKind = new Map(result.report.incidents.map((i) => [i.kind, i]));
    const fitting: Record<string, string[]> = {
      cpu_runaway: ['cpu_pct', 'load1_per_cpu'],
      disk_filling: ['disk_used_pct', 'disk_write_bps', 'load1_per_cpu'],
      network_storm: ['net_rx_bps', 'net_tx_bps', 'net_errors_ps', 'cpu_pct'],
      host_silent: ['silence'],
    };
    for (const [kind, metrics] of Object.entries(fitting)) {
      const outcome = byKind.get(kind as never)!;
      expect(outcome.detected, kind).toBe(true);
      expect(outcome.secondsToDetection!, kind).toBeLessThanOrEqual(60);
      expect(metrics, kind).toContain(outcome.topMetric);
    }
    expect(result.report.medianSecondsToDetection!).toBeLessThanOrEqual(30);
  });

  it('keeps hosts without an incident quiet: few anomalous samples, few alarms', () => {
    expect(result.healthySamples).toBe(5 * 30);
    expect(result.healthyAnomalousSamples / result.healthySamples).toBeLessThan(0.05);
    expect(result.report.falseAlarmsOnHealthyHosts).toBeLessThanOrEqual(1);
  });
});
