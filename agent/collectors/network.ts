/** Network interface counters from /proc/net/dev. */

export interface InterfaceCounters {
  readonly rxBytes: number;
  readonly txBytes: number;
  /** Receive and transmit errors plus drops. */
  readonly errorsAndDrops: number;
}

/** Every interface but loopback: its traffic never leaves the host. */
export function parseNetDev(text: string): Map<string, InterfaceCounters> {
  const interfaces = new Map<string, InterfaceCounters>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (name === 'lo' || name === '') continue;
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (f.length < 16 || f.some((v) => !Number.isFinite(v))) continue;
    // rx: bytes packets errs drop fifo frame compressed multicast; tx: bytes packets errs drop ...
    interfaces.set(name, { rxBytes: f[0]!, txBytes: f[8]!, errorsAndDrops: f[2]! + f[3]! + f[10]! + f[11]! });
  }
  return interfaces;
}
