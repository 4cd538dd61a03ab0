/** Block-device I/O counters from /proc/diskstats (sectors are always 512 bytes there). */

const SECTOR_BYTES = 512;
/** Virtual and stacked devices: counting them would count the same I/O twice (dm, md) or not host I/O at all. */
const IGNORED_DEVICE = /^(loop|ram|zram|dm-|md|sr|fd|nbd)\d*/;

export interface DiskCounters {
  readonly readBytes: number;
  readonly writtenBytes: number;
}

/** Whole physical devices only (sda, vda, nvme0n1, xvda): partitions repeat their device's I/O. */
export function parseDiskstats(text: string): Map<string, DiskCounters> {
  const all = new Map<string, DiskCounters>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10) continue;
    const name = fields[2]!;
    const sectorsRead = Number(fields[5]);
    const sectorsWritten = Number(fields[9]);
    if (!Number.isFinite(sectorsRead) || !Number.isFinite(sectorsWritten)) continue;
    all.set(name, { readBytes: sectorsRead * SECTOR_BYTES, writtenBytes: sectorsWritten * SECTOR_BYTES });
  }
  const devices = new Map<string, DiskCounters>();
  for (const [name, counters] of all) {
    if (IGNORED_DEVICE.test(name) || isPartition(name, all)) continue;
    devices.set(name, counters);
  }
  return devices;
}

/** sda1 of sda, nvme0n1p2 of nvme0n1, mmcblk0p1 of mmcblk0. */
function isPartition(name: string, all: ReadonlyMap<string, unknown>): boolean {
  for (const other of all.keys()) {
    if (other !== name && name.startsWith(other) && /^p?\d+$/.test(name.slice(other.length))) return true;
  }
  return false;
}
