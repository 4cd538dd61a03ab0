/** Filesystem use of every real mounted filesystem, from the mount table and statfs. */
import { statfsSync } from 'node:fs';

/**
 * Filesystems that hold data on a local device. Pseudo filesystems (proc, tmpfs, overlay, ...) are
 * skipped, and so are network ones (nfs, cifs): statfs on a mount whose server is gone blocks, and
 * the agent must never hang on a sample.
 */
const REAL_FILESYSTEMS = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'zfs', 'f2fs', 'vfat', 'exfat', 'ntfs', 'ntfs3', 'jfs', 'reiserfs', 'fuseblk']);

export interface MountPoint {
  readonly device: string;
  readonly path: string;
}

/** Real filesystems from a mounts file (/proc/mounts format), one entry per device. */
export function parseMounts(text: string): MountPoint[] {
  const seen = new Set<string>();
  const mounts: MountPoint[] = [];
  for (const line of text.split('\n')) {
    const [device, rawPath, type] = line.split(' ');
    if (!device || !rawPath || !type || !REAL_FILESYSTEMS.has(type) || seen.has(device)) continue;
    seen.add(device);
    // The kernel escapes space, tab, newline and backslash in paths as octal.
    mounts.push({ device, path: rawPath.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))) });
  }
  return mounts;
}

/** Used share of a filesystem as `df` shows it: blocks reserved for root count as neither used nor free. */
export function usedPct(path: string): number | undefined {
  try {
    const s = statfsSync(path);
    const used = s.blocks - s.bfree;
    const usable = used + s.bavail;
    return usable > 0 ? (100 * used) / usable : undefined;
  } catch {
    // Unmounted since the table was read, or not readable by the agent's user: not a host fact.
    return undefined;
  }
}
