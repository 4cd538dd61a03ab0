/** Memory and swap use from /proc/meminfo. */

export interface MemoryUse {
  readonly memTotalBytes: number;
  readonly memAvailableBytes: number;
  readonly swapTotalBytes: number;
  readonly swapFreeBytes: number;
}

export function parseMeminfo(text: string): MemoryUse {
  const kib = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (match) kib.set(match[1]!, Number(match[2]));
  }
  const total = kib.get('MemTotal');
  if (!total) throw new Error('/proc/meminfo has no MemTotal: is this a Linux /proc?');
  // Kernels before 3.14 have no MemAvailable: free + buffers + page cache is the usual estimate.
  const available = kib.get('MemAvailable') ?? (kib.get('MemFree') ?? 0) + (kib.get('Buffers') ?? 0) + (kib.get('Cached') ?? 0);
  return {
    memTotalBytes: total * 1024,
    memAvailableBytes: available * 1024,
    swapTotalBytes: (kib.get('SwapTotal') ?? 0) * 1024,
    swapFreeBytes: (kib.get('SwapFree') ?? 0) * 1024,
  };
}

export function memUsedPct(memory: MemoryUse): number {
  return clampPct((100 * (memory.memTotalBytes - memory.memAvailableBytes)) / memory.memTotalBytes);
}

export function swapUsedPct(memory: MemoryUse): number {
  return memory.swapTotalBytes > 0 ? clampPct((100 * (memory.swapTotalBytes - memory.swapFreeBytes)) / memory.swapTotalBytes) : 0;
}

export function clampPct(value: number): number {
  return Math.min(100, Math.max(0, value));
}
