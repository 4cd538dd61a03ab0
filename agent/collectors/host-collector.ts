/**
 * One host sample: reads /proc and statfs, turns counters into per-second rates and returns exactly
 * HOST_METRICS (core/host-metrics.ts), plus per-mode, per-device and per-interface detail when asked.
 * The first call only primes the counters: a rate needs two readings.
 */
import { basename } from 'node:path';
import { METRIC_NAME_PATTERN, type HostMetric } from '../../core/host-metrics.js';
import { counterIncrease, counterRate } from './counter.js';
import { CPU_MODES, parseProcStat, type CpuTimes } from './cpu.js';
import { parseDiskstats, type DiskCounters } from './disk-io.js';
import { parseMounts, usedPct } from './disk-space.js';
import { parseLoadavg } from './load.js';
import { clampPct, memUsedPct, parseMeminfo, swapUsedPct } from './memory.js';
import { parseNetDev, type InterfaceCounters } from './network.js';
import { ProcSource } from './proc-source.js';

export interface CollectorOptions {
  /** Where /proc is; tests use a fixture directory. */
  readonly procRoot?: string;
  /** Also report CPU by mode, load5/15 and per-device and per-interface metrics. */
  readonly detail?: boolean;
}

export interface HostSample {
  /** Epoch milliseconds. */
  readonly t: number;
  /** HOST_METRICS (each present unless the host has no such thing, e.g. no real filesystem) plus detail metrics. */
  readonly values: Record<string, number>;
}

interface Counters {
  readonly at: number;
  readonly cpu: CpuTimes;
  readonly disks: Map<string, DiskCounters>;
  readonly interfaces: Map<string, InterfaceCounters>;
}

export class HostCollector {
  private readonly proc: ProcSource;
  private readonly detail: boolean;
  private previous: Counters | undefined;

  constructor(options: CollectorOptions = {}) {
    this.proc = new ProcSource(options.procRoot);
    this.detail = options.detail ?? false;
  }

  /** Reads the counters; undefined on the first call (priming), a sample afterwards. */
  collect(now = Date.now()): HostSample | undefined {
    const current: Counters = {
      at: now,
      cpu: parseProcStat(this.proc.read('stat')),
      disks: parseDiskstats(this.proc.tryRead('diskstats') ?? ''),
      interfaces: parseNetDev(this.proc.tryRead('net/dev') ?? ''),
    };
    const previous = this.previous;
    this.previous = current;
    if (!previous) return undefined;

    const seconds = (current.at - previous.at) / 1000;
    const values: Record<string, number> = {};
    const set = (name: HostMetric, value: number | undefined): void => {
      if (value !== undefined && Number.isFinite(value)) values[name] = value;
    };
    const cpuShares = cpuModeShares(previous.cpu, current.cpu);
    set('cpu_pct', cpuShares && clampPct(100 - cpuShares.idle - cpuShares.iowait));
    const load = parseLoadavg(this.proc.read('loadavg'));
    set('load1_per_cpu', load.load1 / current.cpu.cpuCount);
    const memory = parseMeminfo(this.proc.read('meminfo'));
    set('mem_used_pct', memUsedPct(memory));
    set('swap_used_pct', swapUsedPct(memory));
    const filesystems = parseMounts(this.proc.tryRead('mounts') ?? this.proc.tryRead('self/mounts') ?? '').map((m) => ({ ...m, pct: usedPct(m.path) }));
    const fullest = Math.max(...filesystems.map((f) => f.pct ?? -1));
    set('disk_used_pct', fullest >= 0 ? clampPct(fullest) : undefined);

    const diskRates = ratesOf(previous.disks, current.disks, seconds, { read: (d) => d.readBytes, write: (d) => d.writtenBytes });
    set('disk_read_bps', sum(diskRates, 'read'));
    set('disk_write_bps', sum(diskRates, 'write'));
    const netRates = ratesOf(previous.interfaces, current.interfaces, seconds, { rx: (i) => i.rxBytes, tx: (i) => i.txBytes, errors: (i) => i.errorsAndDrops });
    set('net_rx_bps', sum(netRates, 'rx'));
    set('net_tx_bps', sum(netRates, 'tx'));
    set('net_errors_ps', sum(netRates, 'errors'));

    if (this.detail) {
      const extra = (name: string, value: number | undefined): void => {
        const metric = metricName(name);
        if (value !== undefined && Number.isFinite(value) && metric) values[metric] = value;
      };
      for (const mode of CPU_MODES) extra(`cpu_${mode}_pct`, cpuShares?.[mode]);
      extra('load5_per_cpu', load.load5 / current.cpu.cpuCount);
      extra('load15_per_cpu', load.load15 / current.cpu.cpuCount);
      for (const f of filesystems) extra(`disk_used_pct_${basename(f.device)}`, f.pct);
      for (const [device, r] of diskRates) {
        extra(`disk_read_bps_${device}`, r.read);
        extra(`disk_write_bps_${device}`, r.write);
      }
      for (const [iface, r] of netRates) {
        extra(`net_rx_bps_${iface}`, r.rx);
        extra(`net_tx_bps_${iface}`, r.tx);
        extra(`net_errors_ps_${iface}`, r.errors);
      }
    }
    return { t: now, values };
  }
}

/** Share of CPU time per mode between two readings, 0..100; undefined when no time passed. */
function cpuModeShares(before: CpuTimes, after: CpuTimes): Record<(typeof CPU_MODES)[number], number> | undefined {
  const increases = CPU_MODES.map((mode) => counterIncrease(before.modes[mode], after.modes[mode]));
  const total = increases.reduce((a, b) => a + b, 0);
  if (total <= 0) return undefined;
  return Object.fromEntries(CPU_MODES.map((mode, i) => [mode, (100 * increases[i]!) / total])) as Record<(typeof CPU_MODES)[number], number>;
}

/** Per-device rates for devices present in both readings (a device that just appeared has no rate yet). */
function ratesOf<T, K extends string>(
  before: Map<string, T>,
  after: Map<string, T>,
  seconds: number,
  fields: Record<K, (counters: T) => number>,
): Map<string, Record<K, number>> {
  const rates = new Map<string, Record<K, number>>();
  for (const [name, now] of after) {
    const then = before.get(name);
    if (!then) continue;
    const entry = {} as Record<K, number>;
    for (const key of Object.keys(fields) as K[]) entry[key] = counterRate(fields[key](then), fields[key](now), seconds);
    rates.set(name, entry);
  }
  return rates;
}

function sum<K extends string>(rates: Map<string, Record<K, number>>, key: K): number {
  let total = 0;
  for (const r of rates.values()) total += r[key];
  return total;
}

/** A device or interface name inside a metric name: lower snake case, within the name length limit. */
function metricName(raw: string): string | undefined {
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 63);
  return METRIC_NAME_PATTERN.test(name) ? name : undefined;
}
