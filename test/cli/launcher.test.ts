/**
 * bin/vigil.js and bin/vigil-agent.js run compiled JavaScript (bin/compiled.js): built on first use,
 * rebuilt when a source is newer than the build, and both answer --version.
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync, utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const run = (bin: string, ...args: string[]) => promisify(execFile)(process.execPath, [join(ROOT, 'bin', bin), ...args], { timeout: 60_000 });

describe('the command lines', () => {
  it.each(['vigil.js', 'vigil-agent.js'])('%s --version prints the package version', async (bin) => {
    const { stdout } = await run(bin, '--version');
    expect(stdout.trim()).toBe(VERSION);
  });

  it('vigil runs from dist/cli/vigil.mjs, rebuilt when a source is newer than the build', async () => {
    await run('vigil.js', '--help');
    const out = join(ROOT, 'dist', 'cli', 'vigil.mjs');
    const inputs = JSON.parse(readFileSync(`${out}.inputs.json`, 'utf8')) as string[];
    expect(inputs).toEqual(expect.arrayContaining(['bin/vigil-cli.ts', 'cli/dead-letters.ts', 'package.json']));
    // Make the build older than every source: the next start compiles again.
    utimesSync(out, new Date(1_000), new Date(1_000));
    const { stdout } = await run('vigil.js', '--help');
    expect(stdout).toContain('Usage: vigil');
    expect(statSync(out).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
  });
});
