/** Load averages from /proc/loadavg. */

export interface LoadAverages {
  readonly load1: number;
  readonly load5: number;
  readonly load15: number;
}

export function parseLoadavg(text: string): LoadAverages {
  const [load1, load5, load15] = text.trim().split(/\s+/).map(Number);
  if (![load1, load5, load15].every((v) => v !== undefined && Number.isFinite(v))) {
    throw new Error(`/proc/loadavg: expected three numbers, got ${JSON.stringify(text.slice(0, 60))}`);
  }
  return { load1: load1!, load5: load5!, load15: load15! };
}
