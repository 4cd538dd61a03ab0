/** The vigil-agent command line: help with examples, bad config exit code, --dry-run output, check. */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { checkAgent } from '../../agent/cli/check.js';
import { dryRun } from '../../agent/cli/dry-run.js';
import { configFromFlags } from '../../agent/cli/options.js';
import { CONFIG_KEYS, loadConfig } from '../../agent/config.js';
import { HOST_FEATURE_SET } from '../../core/features.js';
import { HOST_METRICS } from '../../core/host-metrics.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { createStream } from './stream.js';

useLocalAws();
const AGENT_BIN = resolve(import.meta.dirname, '../../bin/vigil-agent.js');
const run = promisify(execFile);

async function agentCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [AGENT_BIN, ...args], { env: { ...process.env, VIGIL_AGENT_CONFIG: '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('vigil-agent CLI', () => {
  it('--help lists every command with examples; a bad value exits 78 naming key, value and rule', { timeout: 60_000 }, async () => {
    const [help, bad] = await Promise.all([
      agentCli(['--help']),
      agentCli(['run', '--interval', 'often', '--spool-dir', mkdtempSync(join(tmpdir(), 'vigil-cli-'))]),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/run \[options\]/);
    expect(help.stdout).toMatch(/check \[options\]/);
    expect(help.stdout).toMatch(/Examples:[\s\S]*--dry-run/);
    expect(bad.code).toBe(78);
    expect(bad.stderr).toMatch(/intervalSeconds is "often" \(from flag --interval\): expected a number of seconds/);
  });

  it('a spoolDir that cannot be created or written exits 78 naming spoolDir and the cause', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'vigil-cli-')), 'a-file');
    writeFileSync(file, 'not a directory');
    const stream = uniqueName('agent-spool');
    await createStream(stream);
    const result = await agentCli(['run', '--stream', stream, '--region', 'us-east-1', '--spool-dir', join(file, 'spool')]);
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(
      /spoolDir is ".*a-file\/spool": the spool cannot be created or written there \(ENOTDIR: .*\); point spoolDir at a writable directory/,
    );
  });

  it('--dry-run prints samples with every host metric and named features, and writes nothing', async () => {
    const lines: string[] = [];
    const spoolDir = join(tmpdir(), uniqueName('never-created'));
    await dryRun({ ...loadConfig({ env: {} }), intervalSeconds: 0.1, spoolDir }, { count: 2, write: (line) => void lines.push(line) });
    expect(lines).toHaveLength(2);
    const printed = lines.map((l) => JSON.parse(l) as { seq: number; metrics: Record<string, number>; features: Record<string, number> });
    expect(printed.map((p) => p.seq)).toEqual([0, 1]);
    for (const metric of HOST_METRICS.filter((m) => m !== 'disk_used_pct')) expect(printed[1]!.metrics[metric]).toBeTypeOf('number');
    expect(Object.keys(printed[1]!.features)).toEqual(HOST_FEATURE_SET.names);
    // The byte rates' log views are computed from the same sample: the view's level is ln(1 + x / scale).
    expect(HOST_FEATURE_SET.logViews?.length).toBeGreaterThan(0);
    for (const view of HOST_FEATURE_SET.logViews ?? []) {
      expect(printed[1]!.features[`${view.metric}_log.level`]).toBeCloseTo(Math.log1p(printed[1]!.metrics[view.metric]! / view.scale), 5);
    }
    expect(existsSync(spoolDir)).toBe(false);
  });

  it('check passes against a reachable stream and names the problem for a missing one', async () => {
    const stream = uniqueName('agent-check');
    await createStream(stream);
    const base = { ...loadConfig({ env: {} }), spoolDir: mkdtempSync(join(tmpdir(), 'vigil-check-')) };
    const good = await checkAgent({ ...base, stream });
    expect(good[1]!.detail).toBe(`${HOST_METRICS.length} of ${HOST_METRICS.length} host metrics from /proc`);
    expect(good.map((r) => [r.name, r.ok])).toEqual([
      ['config', true],
      ['collectors', true],
      ['spool', true],
      ['credentials', true],
      ['stream', true],
    ]);
    expect(good.at(-1)!.detail).toMatch(/ACTIVE/);
    const missing = await checkAgent({ ...base, stream: `${stream}-missing` });
    expect(missing.at(-1)).toMatchObject({ name: 'stream', ok: false });
    expect(missing.at(-1)!.detail).toMatch(/does not exist.*create it or fix stream\/region/);
    const noStream = await checkAgent(base);
    expect(noStream[0]).toMatchObject({ name: 'config', ok: false });
    expect(noStream.map((r) => r.name)).not.toContain('stream');
  });

  it('check names a missing host metric and creates nothing (no spool directory)', async () => {
    // A /proc copy whose mounts list no real filesystem: disk_used_pct cannot be read.
    const proc = mkdtempSync(join(tmpdir(), 'vigil-proc-'));
    mkdirSync(join(proc, 'net'));
    for (const file of ['stat', 'loadavg', 'meminfo', 'diskstats', 'net/dev']) writeFileSync(join(proc, file), readFileSync(join('/proc', file)));
    writeFileSync(join(proc, 'mounts'), 'proc /proc proc rw 0 0\n');
    const spoolDir = join(tmpdir(), uniqueName('vigil-never-created'), 'spool');
    const results = await checkAgent({ ...loadConfig({ env: {} }), procRoot: proc, spoolDir });
    const collectors = results.find((r) => r.name === 'collectors')!;
    expect(collectors.detail).toMatch(new RegExp(`^\\d+ of ${HOST_METRICS.length} host metrics from ${proc}; missing: .*disk_used_pct`));
    expect(collectors.detail).toContain('disk_used_pct needs a real filesystem in /proc/mounts');
    expect(results.find((r) => r.name === 'spool')).toMatchObject({ ok: true, detail: expect.stringMatching(/does not exist yet; the agent creates it/) });
    expect(existsSync(dirname(spoolDir))).toBe(false);
  });

  it('check tells whether the health metrics can be served or written, and writes nothing', async () => {
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
    const port = (taken.address() as { port: number }).port;
    const textfile = join(tmpdir(), uniqueName('vigil-no-dir'), 'vigil_agent.prom');
    try {
      const base = { ...loadConfig({ env: {} }), spoolDir: mkdtempSync(join(tmpdir(), 'vigil-check-')) };
      const busy = await checkAgent({ ...base, metricsListen: `127.0.0.1:${port}`, metricsTextfile: textfile });
      const metrics = busy.filter((r) => r.name === 'metrics');
      expect(metrics).toHaveLength(2);
      expect(metrics[0]).toMatchObject({ ok: false, detail: expect.stringMatching(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`)) });
      expect(metrics[1]).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/is not writable .*create it for the agent's user, or set metricsTextfile/),
      });
      expect(existsSync(textfile)).toBe(false);
    } finally {
      await new Promise((done) => taken.close(done));
    }
  });

  it('takes every config key as a flag named after it; the short names stay as aliases', { timeout: 60_000 }, async () => {
    const help = await agentCli(['run', '--help']);
    for (const key of CONFIG_KEYS) expect(help.stdout).toContain(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    const config = configFromFlags({
      maxBackoffSeconds: '7',
      healthLogSeconds: '30',
      stateSaveSeconds: '5',
      interval: '2',
      shutdownTimeout: '3',
      tags: 'env=prod',
      tag: ['team=web'],
      metricsListen: '127.0.0.1:9464',
    });
    expect(config).toMatchObject({
      maxBackoffSeconds: 7,
      healthLogSeconds: 30,
      stateSaveSeconds: 5,
      intervalSeconds: 2,
      shutdownTimeoutSeconds: 3,
      tags: { env: 'prod', team: 'web' },
      metricsListen: '127.0.0.1:9464',
    });
    const bad = await agentCli([
      'run',
      '--max-backoff-seconds',
      'soon',
      '--metrics-listen',
      '0.0.0.0:9464',
      '--spool-dir',
      mkdtempSync(join(tmpdir(), 'vigil-cli-')),
    ]);
    expect(bad.code).toBe(78);
    expect(bad.stderr).toMatch(/maxBackoffSeconds is "soon" \(from flag --max-backoff-seconds\): expected a number of seconds/);
    expect(bad.stderr).toMatch(/metricsListen is "0\.0\.0\.0:9464" \(from flag --metrics-listen\): a loopback address and port/);
  });
});
