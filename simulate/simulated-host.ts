/**
 * One simulated host: turns its profile, the time of day and any active incident into the values
 * of HOST_METRICS, the way the agent's collectors would report them. Stateful (smooth noise, the
 * load average's memory), so samples must come in time order.
 */
import type { HostMetric } from '../core/host-metrics.js';
import { dailyLoad, localClock } from './daily-pattern.js';
import type { HostProfile } from './host-profile.js';
import type { IncidentEffect } from './incidents.js';
import { Random, SmoothNoise } from './random.js';

export type HostMetricValues = Record<HostMetric, number>;

/** Linux's 1-minute load average decays with a 60 s time constant. */
const LOAD1_TAU_SECONDS = 60;
/** Above this share of RAM the kernel reclaims page cache: more disk reads, some CPU. */
const MEMORY_PRESSURE_PCT = 90;
/** Memory above this share of RAM is pushed to swap. */
const MEMORY_CEILING_PCT = 97;
/** Swap is smaller than RAM: one % of RAM fills about this many % of swap. */
const SWAP_PER_RAM_PCT = 2;
const DEFAULT_STEP_SECONDS = 10;
/** Compressing the rotated logs takes a couple of minutes. */
const ROTATION_HOURS = 2 / 60;

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));
const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

const NOISE_NAMES = ['demand', 'cpu', 'runQueue', 'mem', 'swap', 'diskRead', 'diskWrite', 'netRx', 'netTx'] as const;
type NoiseName = (typeof NOISE_NAMES)[number];

export class SimulatedHost {
  private readonly random: Random;
  private readonly noise: Record<NoiseName, SmoothNoise>;
  private load1: number | undefined;
  private lastTime: number | undefined;

  constructor(
    readonly profile: HostProfile,
    seed: number,
  ) {
    this.random = Random.derive(seed, 'host', profile.id);
    const smooth = (sd: number, tauSeconds: number): SmoothNoise => new SmoothNoise(this.random, sd, tauSeconds);
    this.noise = {
      demand: smooth(0.08, 900), // the day's traffic is never exactly the curve
      cpu: smooth(2.5, 120),
      runQueue: smooth(0.1, 300),
      mem: smooth(0.6, 3600),
      swap: smooth(0.05, 3600),
      diskRead: smooth(0.3, 300),
      diskWrite: smooth(0.25, 300),
      netRx: smooth(0.2, 300),
      netTx: smooth(0.2, 300),
    };
  }

  /** The metrics at `timeMs` under `effect` (the host's active incidents), or undefined while silent. */
  sample(timeMs: number, effect: IncidentEffect = {}): HostMetricValues | undefined {
    if (this.lastTime !== undefined && timeMs <= this.lastTime) {
      throw new Error(
        `host ${this.profile.id}: samples must move forward in time; got ${new Date(timeMs).toISOString()} after ${new Date(this.lastTime).toISOString()}`,
      );
    }
    const stepSeconds = this.lastTime === undefined ? DEFAULT_STEP_SECONDS : (timeMs - this.lastTime) / 1000;
    this.lastTime = timeMs;
    // Noise processes advance even while the host is silent, so it comes back in a fresh state.
    const n = {} as Record<NoiseName, number>;
    for (const key of NOISE_NAMES) n[key] = this.noise[key].at(timeMs);
    const p = this.profile;
    const load = clamp(dailyLoad(p.shape, timeMs, p.utcOffsetHours, p.weekendFactor) * (1 + n.demand), 0, 1.2);
    const white = (): number => this.random.normal();

    // Memory first: pressure on it shows up in CPU (reclaim), disk (cache misses, swap) and load.
    let mem = p.memBasePct + p.memDailyPct * load + n.mem + 0.1 * white() + (effect.memAddPct ?? 0);
    let swap = p.swapBasePct > 0 ? p.swapBasePct * (1 + n.swap) : 0;
    const pressure = clamp((mem - MEMORY_PRESSURE_PCT) / (MEMORY_CEILING_PCT - MEMORY_PRESSURE_PCT), 0, 1);
    const swapping = clamp((mem - MEMORY_CEILING_PCT) / 5, 0, 1);
    if (mem > MEMORY_CEILING_PCT) {
      swap += (mem - MEMORY_CEILING_PCT) * SWAP_PER_RAM_PCT;
      mem = MEMORY_CEILING_PCT + 0.3 * Math.abs(white());
    }

    let cpu = p.cpuIdlePct + p.cpuPeakPct * load + n.cpu + 1.2 * white() + (effect.cpuAddPct ?? 0) + 8 * pressure;
    if (effect.cpuTargetPct !== undefined) cpu += (effect.cpuTargetPct + white() - cpu) * (effect.cpuPull ?? 1);
    cpu = clamp(cpu, 0.2, 100);

    const loadTarget = Math.max(0, (cpu / 100) * p.loadPerBusy * (1 + n.runQueue) + (effect.extraLoadPerCpu ?? 0) + 1.5 * swapping);
    const keep = Math.exp(-stepSeconds / LOAD1_TAU_SECONDS);
    this.load1 = this.load1 === undefined ? loadTarget : keep * this.load1 + (1 - keep) * loadTarget;

    const diskUsed = p.diskBasePct + this.logGrowth(timeMs) + 0.003 * white() + (effect.diskUsedAddPct ?? 0);

    const throughput = (peak: number, floor: number, noise: number, spread: number): number =>
      peak * (floor + (1 - floor) * load) * Math.exp(noise + spread * white());
    const diskRead = throughput(p.diskReadPeakBps, 0.15, n.diskRead, 0.25) + (20 * pressure + 30 * swapping) * 1_000_000;
    const diskWrite = throughput(p.diskWritePeakBps, 0.2, n.diskWrite, 0.2) + (effect.diskWriteAddBps ?? 0) * (1 + 0.05 * white()) + 20 * swapping * 1_000_000;
    const netRx = throughput(p.netRxPeakBps, 0.08, n.netRx, 0.12) * (effect.netRxFactor ?? 1);
    const netTx = throughput(p.netTxPeakBps, 0.08, n.netTx, 0.12) * (effect.netTxFactor ?? 1);
    const netErrors = this.random.poisson(p.netErrorsPerSecond * stepSeconds) / stepSeconds + (effect.netErrorsAddPerSecond ?? 0) * (1 + 0.15 * white());

    // The silent host still ran its clock above; it just does not report.
    if (effect.silent) return undefined;
    return {
      cpu_pct: round(cpu, 2),
      load1_per_cpu: round(this.load1, 3),
      mem_used_pct: round(clamp(mem, 0, 100), 2),
      swap_used_pct: round(clamp(swap, 0, 100), 2),
      disk_used_pct: round(clamp(diskUsed, 0, 100), 3),
      disk_read_bps: Math.round(Math.max(0, diskRead)),
      disk_write_bps: Math.round(Math.max(0, diskWrite)),
      net_rx_bps: Math.round(Math.max(0, netRx)),
      net_tx_bps: Math.round(Math.max(0, netTx)),
      net_errors_ps: round(Math.max(0, netErrors), 3),
    };
  }

  /**
   * Logs filling the fullest filesystem since the last rotation: they grow through the day and the
   * daily rotation (at a fixed time per host, within an hour after midnight) compresses them away
   * over a couple of minutes.
   */
  private logGrowth(timeMs: number): number {
    const p = this.profile;
    const sinceRotation = (localClock(timeMs, p.utcOffsetHours).hour - p.logRotateHour + 24) % 24;
    const grown = (p.diskGrowthPctPerDay * sinceRotation) / 24;
    return sinceRotation < ROTATION_HOURS ? p.diskGrowthPctPerDay * (1 - sinceRotation / ROTATION_HOURS) + grown : grown;
  }
}
