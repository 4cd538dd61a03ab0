/**
 * The agent's RPM package (rpmbuild from Debian's `rpm` package): the same files as the Debian
 * package (deb.ts): /usr/bin/vigil-agent, the systemd unit, /etc/vigil/agent.yaml kept across
 * upgrades, the vigil-agent system user. The executable is packaged as built: rpmbuild's stripping
 * and debug-info extraction are off, since stripping would remove the injected agent.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONFIG_TEMPLATE, packagedUnit } from './deb.js';
import type { Arch } from './executable.js';

/** RPM's names of the architectures. */
export const RPM_ARCH: Record<Arch, string> = { x64: 'x86_64', arm64: 'aarch64' };

function spec(options: { version: string; arch: Arch; executable: string; unit: string; config: string }): string {
  return `Name: vigil-agent
Version: ${options.version}
Release: 1
Summary: vigil host agent: host metrics and features to Kinesis for anomaly detection
License: MIT
AutoReqProv: no
Requires: glibc >= 2.28
%global debug_package %{nil}
%global __os_install_post %{nil}
%global _build_id_links none

%description
Samples /proc every few seconds, computes the feature vector, spools to disk and sends to an
Amazon Kinesis stream; one executable, no Node.js needed on the host.

%install
install -D -m 0755 ${options.executable} %{buildroot}/usr/bin/vigil-agent
install -D -m 0644 ${options.unit} %{buildroot}/usr/lib/systemd/system/vigil-agent.service
install -D -m 0644 ${options.config} %{buildroot}/etc/vigil/agent.yaml

%files
/usr/bin/vigil-agent
/usr/lib/systemd/system/vigil-agent.service
%dir /etc/vigil
%config(noreplace) /etc/vigil/agent.yaml

%post
getent passwd vigil-agent >/dev/null || useradd --system --no-create-home --home-dir /var/lib/vigil-agent --shell /sbin/nologin vigil-agent
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable vigil-agent.service >/dev/null
  if grep -q '^stream:' /etc/vigil/agent.yaml; then systemctl restart vigil-agent.service; else
    echo "vigil-agent: give stream and region in /etc/vigil/agent.yaml, then: systemctl start vigil-agent"
  fi
fi

%preun
if [ "$1" = 0 ] && [ -d /run/systemd/system ]; then systemctl disable --now vigil-agent.service >/dev/null || true; fi
`;
}

/** Builds vigil-agent-<version>-1.<arch>.rpm in `outDir` from the executable; answers its path. */
export function buildRpm(options: { executable: string; arch: Arch; version: string; outDir: string; compression?: 'xz' | 'none' }): string {
  const top = mkdtempSync(join(tmpdir(), 'vigil-rpm-'));
  try {
    const unit = join(top, 'vigil-agent.service');
    const config = join(top, 'agent.yaml');
    writeFileSync(unit, packagedUnit());
    writeFileSync(config, CONFIG_TEMPLATE);
    const specFile = join(top, 'vigil-agent.spec');
    writeFileSync(specFile, spec({ version: options.version.replace(/-/g, '~'), arch: options.arch, executable: resolve(options.executable), unit, config }));
    run('rpmbuild', [
      '-bb',
      '--target',
      RPM_ARCH[options.arch],
      '--define',
      `_topdir ${top}`,
      '--define',
      `_binary_payload ${options.compression === 'none' ? 'w0.ufdio' : 'w6.xzdio'}`,
      specFile,
    ]);
    const dir = join(top, 'RPMS', RPM_ARCH[options.arch]);
    const [file] = readdirSync(dir);
    if (!file) throw new Error(`rpmbuild wrote no package into ${dir}`);
    mkdirSync(options.outDir, { recursive: true });
    renameSync(join(dir, file), join(options.outDir, file));
    return join(options.outDir, file);
  } finally {
    rmSync(top, { recursive: true, force: true });
  }
}

/** Runs a build tool; its failure says what it printed. */
function run(command: string, args: string[]): void {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const e = error as { stderr?: Buffer; message: string };
    throw new Error(`${command} failed: ${e.stderr?.toString().trim().split('\n').slice(-5).join('\n') ?? e.message}`, { cause: error });
  }
}
