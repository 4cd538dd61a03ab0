/**
 * The agent's systemd unit as `systemd-analyze security` rates it (offline, on the unit file):
 * 2.0 or better, where systemd's tools are installed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGENT_ENVIRONMENT } from '../../agent/build.js';
import { packagedUnit } from '../../agent/package/deb.js';

const UNIT = resolve(import.meta.dirname, '../../agent/systemd/vigil-agent.service');
const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

describe('agent systemd unit', () => {
  it('sets the environment the agent is measured with (AGENT_ENVIRONMENT), in the unit install.sh writes and in the packaged one', () => {
    expect(Object.keys(AGENT_ENVIRONMENT).length).toBeGreaterThan(0);
    for (const unit of [readFileSync(UNIT, 'utf8'), packagedUnit()]) {
      for (const [key, value] of Object.entries(AGENT_ENVIRONMENT)) expect(unit).toMatch(new RegExp(`^Environment=${key}=${value}$`, 'm'));
    }
  });

  it.skipIf(!analyze)('is rated 2.0 or better by systemd-analyze security', () => {
    const out = execFileSync(analyze!, ['security', '--offline=true', '--no-pager', UNIT], { encoding: 'utf8', cwd: resolve(import.meta.dirname, '../..') });
    const level = /Overall exposure level for vigil-agent\.service: (\d+(?:\.\d+)?)/.exec(out);
    expect(level, out).not.toBeNull();
    expect(Number(level![1])).toBeLessThanOrEqual(2.0);
  });
});
