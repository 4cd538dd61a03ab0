/**
 * What kind of machine each simulated host is: its role, daily load shape and the scale of each
 * metric. Drawn from the fleet seed, so the same seed gives the same fleet.
 */
import type { LoadShape } from './daily-pattern.js';
import { Random } from './random.js';

export const HOST_ROLES = ['web', 'api', 'db', 'cache', 'worker'] as const;
export type HostRole = (typeof HOST_ROLES)[number];

export interface HostProfile {
  readonly id: string;
  readonly role: HostRole;
  readonly tags: Readonly<Record<string, string>>;
  readonly shape: LoadShape;
  readonly utcOffsetHours: number;
  /** Daytime load on Saturday and Sunday relative to a weekday (0..1). */
  readonly weekendFactor: number;
  /** CPU busy % with no load, and the extra % at the daily peak. */
  readonly cpuIdlePct: number;
  readonly cpuPeakPct: number;
  /** Load average per CPU at 100 % busy (above 1 means a run queue). */
  readonly loadPerBusy: number;
  readonly memBasePct: number;
  /** Extra memory % at the daily peak (caches, connections). */
  readonly memDailyPct: number;
  readonly swapBasePct: number;
  readonly diskBasePct: number;
  /** Growth of the fullest filesystem per day, undone by the nightly log rotation. */
  readonly diskGrowthPctPerDay: number;
  /** Local hour (0..1) of the daily log rotation: a daily timer with a randomized delay. */
  readonly logRotateHour: number;
  /** Bytes per second at the daily peak. */
  readonly diskReadPeakBps: number;
  readonly diskWritePeakBps: number;
  readonly netRxPeakBps: number;
  readonly netTxPeakBps: number;
  /** Mean interface errors and drops per second on a healthy host. */
  readonly netErrorsPerSecond: number;
}

const MB = 1_000_000;

interface RoleTemplate {
  shape: LoadShape;
  cpu: [idle: number, peak: number];
  mem: [base: number, daily: number];
  swap: number;
  diskReadMBps: number;
  diskWriteMBps: number;
  netRxMBps: number;
  netTxMBps: number;
}

const ROLE_TEMPLATES: Record<HostRole, RoleTemplate> = {
  web: { shape: 'business', cpu: [4, 55], mem: [38, 8], swap: 0, diskReadMBps: 0.4, diskWriteMBps: 1.5, netRxMBps: 6, netTxMBps: 18 },
  api: { shape: 'business', cpu: [6, 45], mem: [52, 10], swap: 0, diskReadMBps: 0.3, diskWriteMBps: 1, netRxMBps: 8, netTxMBps: 8 },
  db: { shape: 'business', cpu: [8, 35], mem: [72, 4], swap: 2, diskReadMBps: 25, diskWriteMBps: 12, netRxMBps: 5, netTxMBps: 10 },
  cache: { shape: 'steady', cpu: [5, 20], mem: [80, 3], swap: 0, diskReadMBps: 0.1, diskWriteMBps: 0.5, netRxMBps: 15, netTxMBps: 30 },
  worker: { shape: 'nightly_batch', cpu: [3, 80], mem: [45, 25], swap: 0, diskReadMBps: 20, diskWriteMBps: 30, netRxMBps: 10, netTxMBps: 3 },
};

/** The role of the i-th host: a fixed mix, so any fleet size has web and api hosts first. */
function roleOf(index: number): HostRole {
  const mix: HostRole[] = ['web', 'api', 'web', 'db', 'worker', 'api', 'cache', 'web', 'worker', 'db'];
  return mix[index % mix.length]!;
}

const AVAILABILITY_ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

/** Profiles of `count` hosts, named `sim-<role>-<nn>`, deterministic in `seed`. */
export function fleetProfiles(count: number, seed: number, utcOffsetHours = -5): HostProfile[] {
  if (!Number.isInteger(count) || count < 1 || count > 10_000) {
    throw new Error(`a simulated fleet needs 1 to 10000 hosts; got ${count}: pass a whole number such as --simulate 20`);
  }
  const perRole = new Map<HostRole, number>();
  return Array.from({ length: count }, (_, index) => {
    const role = roleOf(index);
    const number = (perRole.get(role) ?? 0) + 1;
    perRole.set(role, number);
    const random = Random.derive(seed, 'profile', index);
    const template = ROLE_TEMPLATES[role];
    // Hosts of one role differ in size and traffic share: a log-normal spread around the template.
    const scale = (spread: number): number => Math.exp(spread * random.normal());
    return {
      id: `sim-${role}-${String(number).padStart(2, '0')}`,
      role,
      tags: { role, az: AVAILABILITY_ZONES[index % AVAILABILITY_ZONES.length]!, env: 'sim' },
      shape: template.shape,
      utcOffsetHours,
      weekendFactor: role === 'worker' ? 0.8 : random.uniform(0.45, 0.7),
      cpuIdlePct: template.cpu[0] * scale(0.2),
      cpuPeakPct: Math.min(85, template.cpu[1] * scale(0.15)),
      loadPerBusy: random.uniform(0.8, 1.15),
      memBasePct: Math.min(88, template.mem[0] * scale(0.08)),
      memDailyPct: template.mem[1] * scale(0.2),
      swapBasePct: template.swap > 0 ? template.swap * scale(0.4) : 0,
      diskBasePct: random.uniform(25, 70),
      diskGrowthPctPerDay: random.uniform(0.2, 1.2),
      logRotateHour: random.uniform(0, 1),
      diskReadPeakBps: template.diskReadMBps * MB * scale(0.4),
      diskWritePeakBps: template.diskWriteMBps * MB * scale(0.4),
      netRxPeakBps: template.netRxMBps * MB * scale(0.5),
      netTxPeakBps: template.netTxMBps * MB * scale(0.5),
      netErrorsPerSecond: random.uniform(0.001, 0.02),
    };
  });
}
