/**
 * Where the collectors read kernel files from. Production reads /proc; tests point `procRoot` at a
 * directory of fixture files they generate, so every parser runs on known input.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export class ProcSource {
  constructor(readonly procRoot = '/proc') {}

  /** The text of a file under the proc root, e.g. read('stat'). Throws naming the file when it is missing. */
  read(relativePath: string): string {
    const path = join(this.procRoot, relativePath);
    try {
      return readFileSync(path, 'latin1');
    } catch (cause) {
      throw new Error(
        `cannot read ${path} (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}): the agent needs a Linux /proc; set procRoot to where it is mounted`,
        { cause },
      );
    }
  }

  /** Like read, but undefined when the file does not exist (optional sources). */
  tryRead(relativePath: string): string | undefined {
    try {
      return readFileSync(join(this.procRoot, relativePath), 'latin1');
    } catch {
      return undefined;
    }
  }
}
