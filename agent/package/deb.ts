/**
 * The agent's Debian package (dpkg-deb, no other tool): the single executable as
 * /usr/bin/vigil-agent, the systemd unit, and /etc/vigil/agent.yaml as a configuration file that
 * upgrades keep. The package creates the vigil-agent system user and enables the service; it starts
 * the service once the config names a stream (before that the agent would exit with 78).
 * Under dpkg --root (DPKG_ROOT set: an image being built, a test) the scripts touch no users or systemd.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Arch } from './executable.js';

const AGENT_DIR = resolve(import.meta.dirname, '..');

/** Debian's names of the architectures. */
export const DEB_ARCH: Record<Arch, string> = { x64: 'amd64', arm64: 'arm64' };

/** The unit for an installed executable: its Node flags are baked in, so ExecStart is the command alone. */
export function packagedUnit(executable = '/usr/bin/vigil-agent'): string {
  const unit = readFileSync(join(AGENT_DIR, 'systemd', 'vigil-agent.service'), 'utf8');
  return unit
    .replace(/^# vigil host agent\. Installed by agent\/install\.sh;/m, '# vigil host agent. Installed by the vigil-agent package or agent/install.sh;')
    .replace(
      /^# Small young generation.*\n# no optimising compiler.*\nExecStart=.*$/m,
      `# The executable carries its Node.js flags (agent/build.ts AGENT_NODE_FLAGS).\nExecStart=${executable} run --config /etc/vigil/agent.yaml`,
    );
}

/** The first config: every key commented out but the ones an operator must give. */
export const CONFIG_TEMPLATE = `# vigil agent configuration. Keys: vigil-agent run --help; environment VIGIL_AGENT_<KEY> and flags override them.
# Give the stream and region, then: sudo systemctl start vigil-agent && sudo -u vigil-agent vigil-agent check
# stream: vigil-metrics
# region: eu-west-1
intervalSeconds: 10
spoolMaxMb: 128
logLevel: info
# tags:
#   env: prod
# metricsListen: 127.0.0.1:9464            # health as Prometheus metrics on http://127.0.0.1:9464/metrics
# metricsTextfile: /var/lib/node_exporter/textfile_collector/vigil_agent.prom
`;

const POSTINST = `#!/bin/sh
set -e
[ "$1" = configure ] || exit 0
# Under dpkg --root (an image being built): no users, no systemd.
[ -z "$DPKG_ROOT" ] || exit 0
getent passwd vigil-agent >/dev/null || useradd --system --no-create-home --home-dir /var/lib/vigil-agent --shell /usr/sbin/nologin vigil-agent
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable vigil-agent.service >/dev/null
  if grep -q '^stream:' /etc/vigil/agent.yaml; then systemctl restart vigil-agent.service; else
    echo "vigil-agent: give stream and region in /etc/vigil/agent.yaml, then: systemctl start vigil-agent"
  fi
fi
`;

const PRERM = `#!/bin/sh
set -e
[ -z "$DPKG_ROOT" ] || exit 0
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then systemctl disable --now vigil-agent.service >/dev/null || true; fi
`;

/** Builds vigil-agent_<version>_<arch>.deb in `outDir` from the executable; answers its path. */
export function buildDeb(options: {
  executable: string;
  arch: Arch;
  version: string;
  outDir: string;
  /** xz (the default) makes the smallest package and takes minutes on a small machine; none is for tests. */
  compression?: 'xz' | 'gzip' | 'none';
}): string {
  const stage = mkdtempSync(join(tmpdir(), 'vigil-deb-'));
  try {
    const put = (path: string, content: string | Buffer, mode: number): void => {
      mkdirSync(resolve(join(stage, path), '..'), { recursive: true });
      writeFileSync(join(stage, path), content);
      chmodSync(join(stage, path), mode);
    };
    mkdirSync(join(stage, 'usr/bin'), { recursive: true });
    copyFileSync(options.executable, join(stage, 'usr/bin/vigil-agent'));
    chmodSync(join(stage, 'usr/bin/vigil-agent'), 0o755);
    put('lib/systemd/system/vigil-agent.service', packagedUnit(), 0o644);
    put('etc/vigil/agent.yaml', CONFIG_TEMPLATE, 0o644);
    const installedKb = Math.ceil(Number(execFileSync('du', ['-sk', '--exclude=DEBIAN', stage], { encoding: 'utf8' }).split('\t')[0]));
    put(
      'DEBIAN/control',
      [
        'Package: vigil-agent',
        `Version: ${options.version}`,
        `Architecture: ${DEB_ARCH[options.arch]}`,
        'Maintainer: vigil maintainers <vigil@localhost>',
        `Installed-Size: ${installedKb}`,
        'Depends: libc6 (>= 2.28)',
        'Section: admin',
        'Priority: optional',
        'Description: vigil host agent: host metrics and features to Kinesis for anomaly detection',
        ' Samples /proc every few seconds, computes the feature vector, spools to disk and sends to an',
        ' Amazon Kinesis stream; one executable, no Node.js needed on the host.',
        '',
      ].join('\n'),
      0o644,
    );
    put('DEBIAN/conffiles', '/etc/vigil/agent.yaml\n', 0o644);
    put('DEBIAN/postinst', POSTINST, 0o755);
    put('DEBIAN/prerm', PRERM, 0o755);
    mkdirSync(options.outDir, { recursive: true });
    const out = join(options.outDir, `vigil-agent_${options.version}_${DEB_ARCH[options.arch]}.deb`);
    execFileSync('dpkg-deb', ['--root-owner-group', `-Z${options.compression ?? 'xz'}`, '--build', stage, out], { stdio: ['ignore', 'ignore', 'inherit'] });
    return out;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
