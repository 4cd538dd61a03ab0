/**
 * The agent as hosts install it: the single executable (no Node.js on the host) in its Debian
 * package, installed with dpkg --root into a scratch root, and by install.sh --executable. From
 * there `vigil-agent --version` and `vigil-agent check` run against a real (local) stream.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeb } from '../../agent/package/deb.js';
import { buildRpm } from '../../agent/package/rpm.js';
import { buildAgentExecutable, type Arch } from '../../agent/package/executable.js';
import { packageVersion } from '../../agent/package/build.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { createStream } from './stream.js';

useLocalAws();
const work = mkdtempSync(join(tmpdir(), 'vigil-package-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const arch = process.arch as Arch;
let executable: string;
let deb: string;
let rpm: string;
beforeAll(async () => {
  executable = await buildAgentExecutable(arch, join(work, `vigil-agent-linux-${arch}`));
  deb = buildDeb({ executable, arch, version: packageVersion(), outDir: work, compression: 'none' });
  rpm = buildRpm({ executable, arch, version: packageVersion(), outDir: work, compression: 'none' });
}, 300_000);

/** Runs a command with no Node.js on PATH and no NODE_OPTIONS: what a bare host has. */
function bare(command: string, args: string[]): string {
  const { AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY } = process.env;
  return execFileSync(command, args, {
    encoding: 'utf8',
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY },
  });
}

describe('the agent packaged', () => {
  it('the .deb installs with dpkg --root; vigil-agent --version and check run from it without Node.js', { timeout: 120_000 }, async () => {
    const root = join(work, 'root');
    for (const dir of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers', 'var/log']) mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, 'var/lib/dpkg/status'), '');
    // The scratch root has no package database: libc6 is not recorded there, hence --force-depends.
    execFileSync('dpkg', ['--root', root, '--force-script-chrootless', '--force-depends', '--install', deb], { stdio: 'pipe' });
    expect(execFileSync('dpkg', ['--root', root, '--listfiles', 'vigil-agent'], { encoding: 'utf8' }).split('\n')).toEqual(
      expect.arrayContaining(['/usr/bin/vigil-agent', '/lib/systemd/system/vigil-agent.service', '/etc/vigil/agent.yaml']),
    );
    const unit = readFileSync(join(root, 'lib/systemd/system/vigil-agent.service'), 'utf8');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/vigil-agent run --config \/etc\/vigil\/agent\.yaml$/m);
    expect(unit).toMatch(/RestartPreventExitStatus=78/);

    const agent = join(root, 'usr/bin/vigil-agent');
    expect(bare(agent, ['--version']).trim()).toBe(packageVersion());
    const stream = uniqueName('package-check');
    await createStream(stream);
    const spoolDir = join(work, 'never-created');
    const check = bare(agent, ['check', '--config', join(root, 'etc/vigil/agent.yaml'), '--stream', stream, '--spool-dir', spoolDir]);
    expect(check).toMatch(/^ok {3}config .*\n^ok {3}collectors .*host metrics.*\n^ok {3}spool .*\n^ok {3}credentials .*\n^ok {3}stream .*ACTIVE/m);
    expect(existsSync(spoolDir)).toBe(false);
  });

  it('the .rpm installs into a scratch root with the same files; its vigil-agent runs', { timeout: 60_000 }, () => {
    const root = join(work, 'rpm-root');
    execFileSync('rpm', ['--root', root, '--initdb']);
    // A scratch root has no shell for the scriptlets, nor glibc recorded: --noscripts, --nodeps.
    execFileSync('rpm', ['--root', root, '--install', '--nodeps', '--noscripts', rpm], { stdio: 'pipe' });
    expect(execFileSync('rpm', ['--root', root, '--query', '--list', 'vigil-agent'], { encoding: 'utf8' }).trim().split('\n')).toEqual([
      '/etc/vigil',
      '/etc/vigil/agent.yaml',
      '/usr/bin/vigil-agent',
      '/usr/lib/systemd/system/vigil-agent.service',
    ]);
    expect(execFileSync('rpm', ['--root', root, '--query', '--configfiles', 'vigil-agent'], { encoding: 'utf8' }).trim()).toBe('/etc/vigil/agent.yaml');
    expect(bare(join(root, 'usr/bin/vigil-agent'), ['--version']).trim()).toBe(packageVersion());
    expect(readFileSync(join(root, 'usr/lib/systemd/system/vigil-agent.service'), 'utf8')).toMatch(/^ExecStart=\/usr\/bin\/vigil-agent run /m);
  });

  it('builds the other architecture too: an arm64 executable in an arm64 .deb and an aarch64 .rpm', { timeout: 300_000 }, async () => {
    const other: Arch = arch === 'x64' ? 'arm64' : 'x64';
    const dir = join(work, other);
    const built = await buildAgentExecutable(other, join(dir, `vigil-agent-linux-${other}`));
    // ELF e_machine (bytes 18-19): 0x3e x86-64, 0xb7 AArch64.
    expect(readFileSync(built).readUInt16LE(18)).toBe(other === 'arm64' ? 0xb7 : 0x3e);
    const otherDeb = buildDeb({ executable: built, arch: other, version: packageVersion(), outDir: dir, compression: 'none' });
    expect(execFileSync('dpkg-deb', ['--field', otherDeb, 'Architecture'], { encoding: 'utf8' }).trim()).toBe(other === 'arm64' ? 'arm64' : 'amd64');
    const otherRpm = buildRpm({ executable: built, arch: other, version: packageVersion(), outDir: dir, compression: 'none' });
    expect(execFileSync('rpm', ['--query', '--package', '--queryformat', '%{ARCH}', otherRpm], { encoding: 'utf8' })).toBe(
      other === 'arm64' ? 'aarch64' : 'x86_64',
    );
  });

  it('install.sh --executable puts vigil-agent on PATH with a unit that needs no Node.js', { timeout: 60_000 }, () => {
    const root = join(work, 'install-root');
    execFileSync(
      'bash',
      [resolve(import.meta.dirname, '../../agent/install.sh'), '--executable', executable, '--stream', 'vigil-metrics', '--region', 'eu-west-1'],
      {
        env: { ...process.env, VIGIL_INSTALL_ROOT: root },
        stdio: 'pipe',
      },
    );
    expect(bare(join(root, 'usr/local/bin/vigil-agent'), ['--version']).trim()).toBe(packageVersion());
    expect(readFileSync(join(root, 'etc/systemd/system/vigil-agent.service'), 'utf8')).toMatch(
      /^ExecStart=\/usr\/local\/bin\/vigil-agent run --config \/etc\/vigil\/agent\.yaml$/m,
    );
  });
});
