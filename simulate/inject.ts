/**
 * The simulator's incident shapes applied to real metrics: what an incident's effect
 * (incidents.ts) does to a sample a real host reported, the way SimulatedHost applies it to a
 * simulated one. Retraining replays archived host data with incidents injected this way, so a
 * challenger is judged on the fleet's own baselines.
 */
import type { HostMetric } from '../core/host-metrics.js';
import type { IncidentEffect } from './incidents.js';

type Metrics = Readonly<Record<string, number>>;

/** `values` under `effect`; undefined while the effect silences the host (it sends nothing). */
export function injectEffect(values: Metrics, effect: IncidentEffect): Record<string, number> | undefined {
  if (effect.silent) return undefined;
  const out: Record<string, number> = { ...values };
  const get = (m: HostMetric): number => (Number.isFinite(out[m]) ? out[m]! : 0);
  if (effect.cpuAddPct !== undefined || effect.cpuTargetPct !== undefined) {
    let cpu = get('cpu_pct') + (effect.cpuAddPct ?? 0);
    if (effect.cpuTargetPct !== undefined) cpu += (effect.cpuTargetPct - cpu) * (effect.cpuPull ?? 1);
    out.cpu_pct = clamp(cpu, 0, 100);
  }
  if (effect.extraLoadPerCpu) out.load1_per_cpu = get('load1_per_cpu') + effect.extraLoadPerCpu;
  if (effect.memAddPct) {
    // What no longer fits in RAM (above 98 %) goes to swap, as on the simulated host.
    const mem = get('mem_used_pct') + effect.memAddPct;
    out.mem_used_pct = Math.min(98, mem);
    if (mem > 98) out.swap_used_pct = clamp(get('swap_used_pct') + (mem - 98), 0, 100);
  }
  if (effect.diskUsedAddPct) out.disk_used_pct = clamp(get('disk_used_pct') + effect.diskUsedAddPct, 0, 100);
  if (effect.diskWriteAddBps) out.disk_write_bps = get('disk_write_bps') + effect.diskWriteAddBps;
  if (effect.netRxFactor !== undefined) out.net_rx_bps = get('net_rx_bps') * effect.netRxFactor;
  if (effect.netTxFactor !== undefined) out.net_tx_bps = get('net_tx_bps') * effect.netTxFactor;
  if (effect.netErrorsAddPerSecond) out.net_errors_ps = get('net_errors_ps') + effect.netErrorsAddPerSecond;
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
