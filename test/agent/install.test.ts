/** agent/install.sh into a scratch root (VIGIL_INSTALL_ROOT): the files a host gets, and a config the agent accepts. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_NODE_FLAGS, buildAgentBundle } from '../../agent/build.js';
import { loadConfig } from '../../agent/config.js';

const INSTALL = resolve(import.meta.dirname, '../../agent/install.sh');

describe('agent/install.sh', () => {
  it('installs the single-file agent, a hardened systemd unit and a valid config; a second run keeps the config', { timeout: 90_000 }, async () => {
    const work = mkdtempSync(join(tmpdir(), 'vigil-install-'));
    const bundle = await buildAgentBundle(join(work, 'vigil-agent.mjs'));
    const root = join(work, 'root');
    const env = { ...process.env, VIGIL_INSTALL_ROOT: root };
    execFileSync('bash', [INSTALL, '--bundle', bundle, '--stream', 'vigil-metrics', '--region', 'eu-west-1', '--tag', 'env=prod', '--tag', 'team=web'], {
      env,
      stdio: 'pipe',
    });

    expect(readFileSync(join(root, 'opt/vigil-agent/vigil-agent.mjs'))).toEqual(readFileSync(bundle));
    const unit = readFileSync(join(root, 'etc/systemd/system/vigil-agent.service'), 'utf8');
    expect(unit).toContain(`ExecStart=${process.execPath} ${AGENT_NODE_FLAGS.join(' ')} /opt/vigil-agent/vigil-agent.mjs run`);
    expect(unit).toMatch(/RestartPreventExitStatus=78/);
    // vigil-agent on PATH: the bundle with the unit's Node flags.
    expect(readFileSync(join(root, 'usr/local/bin/vigil-agent'), 'utf8')).toContain(
      `exec ${process.execPath} ${AGENT_NODE_FLAGS.join(' ')} /opt/vigil-agent/vigil-agent.mjs "$@"`,
    );
    expect(unit).toMatch(/StateDirectory=vigil-agent/);
    const config = loadConfig({ file: join(root, 'etc/vigil/agent.yaml'), env: {} });
    expect(config).toMatchObject({ stream: 'vigil-metrics', region: 'eu-west-1', tags: { env: 'prod', team: 'web' }, intervalSeconds: 10 });

    const again = execFileSync('bash', [INSTALL, '--bundle', bundle], { env, encoding: 'utf8' });
    expect(again).toMatch(/kept existing/);
    expect(loadConfig({ file: join(root, 'etc/vigil/agent.yaml'), env: {} }).stream).toBe('vigil-metrics');
  });

  it('refuses to write a first config without a stream and region, saying what to give', () => {
    const root = mkdtempSync(join(tmpdir(), 'vigil-install-'));
    let message = '';
    try {
      execFileSync('bash', [INSTALL, '--bundle', INSTALL], { env: { ...process.env, VIGIL_INSTALL_ROOT: root }, stdio: 'pipe' });
    } catch (error) {
      message = String((error as { stderr: Buffer }).stderr);
    }
    expect(message).toMatch(/give --stream NAME and --region REGION/);
    expect(existsSync(join(root, 'etc/vigil/agent.yaml'))).toBe(false);
  });
});
