/**
 * Injected incidents with their ground truth (kind, host, start, end), and what each one does to a
 * host's metrics while it lasts. Effects ramp in over seconds, the way real failures do.
 */
import { Random } from './random.js';

export const INCIDENT_KINDS = ['cpu_runaway', 'memory_leak', 'disk_filling', 'network_storm', 'host_silent'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export interface Incident {
  readonly id: string;
  readonly kind: IncidentKind;
  readonly host: string;
  /** epoch ms, inclusive */
  readonly start: number;
  /** epoch ms, exclusive: the host is healthy again from here */
  readonly end: number;
  /** 0.5..1: how hard the incident hits (scales rates and magnitudes). */
  readonly intensity: number;
}

/** Changes an incident makes to a host's metrics at one moment. Absent fields change nothing. */
export interface IncidentEffect {
  /** The host sends nothing. */
  readonly silent?: boolean;
  /** CPU busy % is pulled towards this value. */
  readonly cpuTargetPct?: number;
  /** 0..1: how far CPU has moved to its target. */
  readonly cpuPull?: number;
  readonly cpuAddPct?: number;
  /** Extra runnable (or uninterruptible) tasks per CPU, which the load average picks up. */
  readonly extraLoadPerCpu?: number;
  /** Leaked memory %; what no longer fits in RAM goes to swap. */
  readonly memAddPct?: number;
  readonly diskUsedAddPct?: number;
  readonly diskWriteAddBps?: number;
  readonly netRxFactor?: number;
  readonly netTxFactor?: number;
  readonly netErrorsAddPerSecond?: number;
}

const ramp = (elapsedSeconds: number, seconds: number): number => Math.min(1, Math.max(0, elapsedSeconds / seconds));

/** What `incident` does at `timeMs`; nothing outside [start, end). */
export function incidentEffect(incident: Incident, timeMs: number): IncidentEffect {
  if (timeMs < incident.start || timeMs >= incident.end) return {};
  const elapsed = (timeMs - incident.start) / 1000;
  const k = incident.intensity;
  switch (incident.kind) {
    case 'cpu_runaway':
      // A process spins on every core: CPU pinned within ~20 s, runnable threads pile up.
      return { cpuTargetPct: 97, cpuPull: ramp(elapsed, 20), extraLoadPerCpu: (1 + 2 * k) * ramp(elapsed, 20) };
    case 'memory_leak': {
      // 3-6 %/min of RAM; the caller caps memory near 100 % and spills the rest into swap.
      const leaked = ((3 + 3 * k) * elapsed) / 60;
      return { memAddPct: leaked };
    }
    case 'disk_filling': {
      // A runaway log writer: 60-150 MB/s of writes, the filesystem fills 3-8 %/min, D-state tasks add load.
      const writing = ramp(elapsed, 5);
      return {
        diskWriteAddBps: (60 + 90 * k) * 1_000_000 * writing,
        diskUsedAddPct: ((3 + 5 * k) * elapsed) / 60,
        extraLoadPerCpu: 0.4 * writing,
        cpuAddPct: 4 * writing,
      };
    }
    case 'network_storm': {
      // A retry storm or flood: traffic multiplies, the NIC drops packets, softirq eats CPU.
      const storm = ramp(elapsed, 5);
      return {
        netRxFactor: 1 + (10 + 20 * k) * storm,
        netTxFactor: 1 + (4 + 6 * k) * storm,
        netErrorsAddPerSecond: (30 + 270 * k) * storm,
        cpuAddPct: (8 + 12 * k) * storm,
      };
    }
    case 'host_silent':
      return { silent: true };
  }
}

/** Merges the effects of every incident active on one host (several may overlap). */
export function combineEffects(effects: readonly IncidentEffect[]): IncidentEffect {
  const sum = (key: keyof IncidentEffect): number | undefined => {
    const values = effects.map((e) => e[key]).filter((v): v is number => typeof v === 'number');
    return values.length ? values.reduce((a, b) => a + b, 0) : undefined;
  };
  const product = (key: 'netRxFactor' | 'netTxFactor'): number | undefined => {
    const values = effects.map((e) => e[key]).filter((v): v is number => typeof v === 'number');
    return values.length ? values.reduce((a, b) => a * b, 1) : undefined;
  };
  const withTarget = effects.filter((e) => e.cpuTargetPct !== undefined);
  const strongest = withTarget.sort((a, b) => (b.cpuPull ?? 0) - (a.cpuPull ?? 0))[0];
  const combined: Record<string, number | boolean | undefined> = {
    silent: effects.some((e) => e.silent) || undefined,
    cpuTargetPct: strongest?.cpuTargetPct,
    cpuPull: strongest?.cpuPull,
    cpuAddPct: sum('cpuAddPct'),
    extraLoadPerCpu: sum('extraLoadPerCpu'),
    memAddPct: sum('memAddPct'),
    diskUsedAddPct: sum('diskUsedAddPct'),
    diskWriteAddBps: sum('diskWriteAddBps'),
    netRxFactor: product('netRxFactor'),
    netTxFactor: product('netTxFactor'),
    netErrorsAddPerSecond: sum('netErrorsAddPerSecond'),
  };
  return Object.fromEntries(Object.entries(combined).filter(([, v]) => v !== undefined)) as IncidentEffect;
}

export interface IncidentPlanOptions {
  /** Hosts that may carry an incident; each incident gets a different host. */
  readonly hosts: readonly string[];
  /** The run's time span (epoch ms); every incident starts and ends inside it. */
  readonly from: number;
  readonly until: number;
  /** One incident per kind listed, in this order (default: every kind once). */
  readonly kinds?: readonly IncidentKind[];
  readonly seed?: number;
  /** Longest incident (default 15 minutes): long runs get incidents, not outages. */
  readonly maxDurationSeconds?: number;
}

/**
 * One incident per kind on distinct, randomly chosen hosts. Starts fall in the first half of the
 * run (after its first tenth), so each incident has at least half the run to be detected.
 */
export function planIncidents(options: IncidentPlanOptions): Incident[] {
  const kinds = options.kinds ?? INCIDENT_KINDS;
  const span = options.until - options.from;
  if (!(span >= 60_000)) {
    throw new Error(`incidents need a run of at least 60 s; got ${span / 1000} s (from ${options.from} to ${options.until}): run longer, e.g. --duration 300`);
  }
  if (options.hosts.length < kinds.length) {
    throw new Error(
      `${kinds.length} incidents (${kinds.join(', ')}) need as many hosts, one each; got ${options.hosts.length}: simulate at least ${kinds.length} hosts or inject fewer kinds`,
    );
  }
  for (const kind of kinds) {
    if (!INCIDENT_KINDS.includes(kind)) throw new Error(`unknown incident kind "${kind}"; kinds: ${INCIDENT_KINDS.join(', ')}`);
  }
  const random = Random.derive(options.seed ?? 1, 'incidents');
  const hosts = random.shuffle(options.hosts);
  const maxDuration = (options.maxDurationSeconds ?? 900) * 1000;
  return kinds.map((kind, i) => {
    const start = Math.round(options.from + span * random.uniform(0.1, 0.5));
    return {
      id: `${kind}-${i + 1}`,
      kind,
      host: hosts[i]!,
      start,
      end: Math.min(options.until, start + maxDuration),
      intensity: Math.round(random.uniform(0.5, 1) * 100) / 100,
    };
  });
}
