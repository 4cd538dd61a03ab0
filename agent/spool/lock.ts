/**
 * One agent per spool directory: two writers appending to the same segment would interleave frames.
 * A `lock` file holds the owner's PID; a lock left by a process that no longer runs (a crash, a
 * SIGKILL) is taken over, so a restart never needs a manual step.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function acquireSpoolLock(dir: string): () => void {
  const path = join(dir, 'lock');
  const mine = String(process.pid);
  try {
    writeFileSync(path, mine, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isRunning(owner)) {
      throw new Error(
        `spool ${dir} is in use by another agent (pid ${owner}): stop that one, or give this one its own spoolDir (remove ${path} only if pid ${owner} is not an agent)`,
      );
    }
    writeFileSync(path, mine);
  }
  return () => {
    try {
      if (readFileSync(path, 'utf8').trim() === mine) unlinkSync(path);
    } catch {
      // already gone
    }
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}
