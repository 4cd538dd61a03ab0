/**
 * scripts/setup.sh as `npm start` and `npm test` run it on first use (local/setup.ts): the pieces it
 * knows are the ones the code asks for, it is silent when everything is installed, and where it
 * cannot install (no root) it stops with the one-line fix.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { which } from '../../local/prometheus.js';
import { NODE_MAJOR, requireNodeMajor, SETUP_PIECES } from '../../local/setup.js';

const SETUP = resolve(import.meta.dirname, '../../scripts/setup.sh');
const setup = (args: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync('bash', [SETUP, ...args], { encoding: 'utf8', env });

describe('scripts/setup.sh', () => {
  it('knows the pieces local/setup.ts asks for, and refuses another, naming them', () => {
    const run = setup(['prometheus', 'no-such-piece']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('setup: no piece "no-such-piece"; pieces: ');
    expect(/pieces: (.*)$/m.exec(run.stderr)![1]!.split(' ')).toEqual([...SETUP_PIECES]);
  });

  it('says nothing and installs nothing when the pieces are there (the global setup of this very run installed them)', () => {
    const run = setup(['prometheus', 'rpm']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('');
    expect(run.status).toBe(0);
  });

  it('stops with the one-line fix where it would need root for apt and has none', () => {
    // A PATH with the tools the script uses but no Prometheus, an `id` that is not root, and a sudo that asks a password.
    const bin = mkdtempSync(join(tmpdir(), 'vigil-setup-bin-'));
    onTestFinished(() => rmSync(bin, { recursive: true, force: true }));
    for (const tool of ['bash', 'flock', 'mkdir', 'date', 'sort', 'cat', 'dirname', 'apt-get']) {
      const path = which(tool);
      if (path) symlinkSync(path, join(bin, tool));
    }
    writeFileSync(join(bin, 'id'), '#!/bin/sh\necho 1000\n', { mode: 0o755 });
    writeFileSync(join(bin, 'sudo'), '#!/bin/sh\necho "sudo: a password is required" >&2\nexit 1\n', { mode: 0o755 });
    const run = setup(['prometheus'], { ...process.env, PATH: bin });
    expect(run.stdout).toContain('setup: installing prometheus prometheus-alertmanager (Debian packages)');
    expect(run.stderr).toContain(
      'setup: installing prometheus prometheus-alertmanager needs root: run `sudo apt-get install -y prometheus prometheus-alertmanager` (or `sudo bash scripts/setup.sh`), then try again',
    );
    expect(run.status).toBe(1);
  });
});

describe('requireNodeMajor', () => {
  it(`accepts Node.js ${NODE_MAJOR} and later`, () => {
    expect(() => requireNodeMajor(`${NODE_MAJOR}.0.0`)).not.toThrow();
    expect(() => requireNodeMajor(`${NODE_MAJOR + 1}.2.3`)).not.toThrow();
  });

  it('refuses an older one with the version found and the command that installs the right one', () => {
    expect(() => requireNodeMajor('20.19.0')).toThrow(
      `this is Node.js 20.19.0; vigil needs Node.js ${NODE_MAJOR}: run \`bash scripts/setup.sh node && export PATH="$PWD/.tools/node/bin:$PATH"\`, then run the command again`,
    );
  });
});
