/**
 * The README's main command, as a user runs it: `npm start` with a short simulation. Proves the
 * whole local pipeline (agent, simulated hosts, Kinesis, score function, sinks) runs and reports,
 * and that its history archive is there for `vigil export --source archive`, as in the stack.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { DetectionReport } from '../../simulate/detection.js';
import { useLocalAws } from '../aws-env.js';
import { runVigil } from '../vigil-cli.js';

useLocalAws();

describe('npm start', () => {
  it('runs the pipeline for a fixed duration and writes the detection report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-start-'));
    const report = join(dir, 'report.json');
    const { stderr } = await promisify(execFile)('npm', ['start', '--', '--simulate', '5', '--duration', '60', '--history-days', '1', '--report', report], {
      env: process.env,
      timeout: 240_000,
    });
    expect(stderr).toMatch(/model: published the default model \S+ to s3:\/\/|model: \S+ \(already current\)/);
    expect(stderr).toMatch(/stopping \(--duration 60 s\)/);
    const scored = Number(/(\d+) samples scored/.exec(stderr)?.[1]);
    // 5 simulated hosts and this machine's agent at 10 s for 60 s.
    expect(scored).toBeGreaterThanOrEqual(10);
    const parsed = JSON.parse(readFileSync(report, 'utf8')) as DetectionReport;
    expect(parsed.hosts).toBe(5);
    expect(parsed.incidents.map((i) => i.kind).sort()).toEqual(['cpu_runaway', 'disk_filling', 'host_silent', 'memory_leak', 'network_storm']);
    for (const incident of parsed.incidents) expect(typeof incident.detected).toBe('boolean');

    expect(stderr).toMatch(/archive s3:\/\/vigil-archive\/archive\//);
    const fleet = join(dir, 'fleet.csv');
    const exported = await runVigil(['export', '--source', 'archive', '--bucket', 'vigil-archive', '--since', '1h', '--out', fleet]);
    expect(exported.code, exported.stderr).toBe(0);
    const rows = readFileSync(fleet, 'utf8').trim().split('\n').slice(1);
    // Every scored sample is archived (earlier runs against the same endpoint may add theirs).
    expect(rows.length).toBeGreaterThanOrEqual(scored);
    // The 5 simulated hosts at least (and this machine's agent).
    expect(new Set(rows.map((r) => r.split(',')[0])).size).toBeGreaterThanOrEqual(5);
  }, 300_000);
});
