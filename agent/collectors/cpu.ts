/** CPU time by mode from /proc/stat (cumulative jiffies since boot, all CPUs together). */

export const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
export type CpuMode = (typeof CPU_MODES)[number];

export interface CpuTimes {
  readonly modes: Readonly<Record<CpuMode, number>>;
  /** Number of `cpuN` lines: the online CPUs. */
  readonly cpuCount: number;
}

/** Parses the aggregate `cpu` line; guest time is already inside user/nice, so it is not added again. */
export function parseProcStat(text: string): CpuTimes {
  let modes: Record<CpuMode, number> | undefined;
  let cpuCount = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('cpu ')) {
      const fields = line.trim().split(/\s+/).slice(1).map(Number);
      modes = Object.fromEntries(CPU_MODES.map((mode, i) => [mode, fields[i] ?? 0])) as Record<CpuMode, number>;
      if (!Number.isFinite(modes.user) || !Number.isFinite(modes.idle)) throw new Error(`/proc/stat: cannot read the cpu line ${JSON.stringify(line)}`);
    } else if (/^cpu\d+ /.test(line)) {
      cpuCount++;
    }
  }
  if (!modes) throw new Error('/proc/stat has no aggregate "cpu" line: is this a Linux /proc?');
  return { modes, cpuCount: Math.max(cpuCount, 1) };
}
