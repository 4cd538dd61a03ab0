/**
 * The agent's health as Prometheus metrics, from the real agent process: the loopback /metrics
 * endpoint and the node_exporter textfile carry the same series, which `promtool check metrics`
 * accepts; during an outage the retry warning is logged once per window with a count, while the
 * failure counter keeps counting every failed call.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentCounters } from '../../agent/agent.js';
import { formatHealthMetrics, HEALTH_METRICS } from '../../agent/health-metrics.js';
import { rateLimitRepeats, type Logger } from '../../agent/log.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { createStream, waitFor } from './stream.js';
import { spawnAgent, type AgentProcess } from './agent-process.js';

useLocalAws();
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

function startAgent(args: string[], env: NodeJS.ProcessEnv = {}): AgentProcess {
  return spawnAgent(['run', '--region', 'us-east-1', '--no-start-jitter', ...args], { VIGIL_AGENT_CONFIG: '', ...env });
}

/** The value of an unlabelled series in exposition text. */
function valueOf(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.slice(name.length + 1));
}

async function promtoolCheck(text: string): Promise<string> {
  return new Promise((done, fail) => {
    const child = execFile('promtool', ['check', 'metrics'], (error, stdout, stderr) =>
      error ? fail(new Error(`${stdout}${stderr}`)) : done(stdout + stderr),
    );
    child.stdin!.end(text);
  });
}

const counters: AgentCounters = {
  samples: 12,
  spooled: 12,
  samplesSent: 10,
  recordsSent: 2,
  recordsRetried: 1,
  putCallsFailed: 3,
  throttled: 0,
  dropped: 0,
  spoolDamaged: 1,
  pending: 2,
  collectErrors: 0,
  spoolErrors: 0,
  invalidSamples: 0,
  lastSentMs: 1_767_607_200_500,
};

describe('agent health metrics', () => {
  it('names every counter by the Prometheus conventions, in text promtool accepts', async () => {
    const text = formatHealthMetrics(counters, { version: '1.2.3', host: 'web-"1"', stream: 'vigil' }, 1_767_600_000);
    for (const { name, type } of Object.values(HEALTH_METRICS)) {
      expect(name).toMatch(/^vigil_agent_[a-z_]+$/);
      if (type === 'counter') expect(name).toMatch(/_total$/);
      expect(text).toContain(`# TYPE ${name} ${type}\n`);
    }
    expect(valueOf(text, 'vigil_agent_samples_sent_total')).toBe(10);
    expect(valueOf(text, 'vigil_agent_spool_samples')).toBe(2);
    expect(valueOf(text, 'vigil_agent_spool_frames_damaged_total')).toBe(1);
    expect(valueOf(text, 'vigil_agent_last_send_timestamp_seconds')).toBe(1_767_607_200.5);
    expect(text).toContain('vigil_agent_build_info{version="1.2.3",host="web-\\"1\\"",stream="vigil"} 1');
    expect(await promtoolCheck(text)).toBe('');
  });

  it('the running agent serves /metrics on loopback and writes the same series to a textfile', { timeout: 90_000 }, async () => {
    const stream = uniqueName('agent-metrics');
    await createStream(stream);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-metrics-'));
    const port = await freePort();
    const textfile = join(dir, 'vigil_agent.prom');
    const agent = startAgent([
      '--stream',
      stream,
      '--interval-seconds',
      '0.2',
      '--spool-dir',
      join(dir, 'spool'),
      '--metrics-listen',
      `127.0.0.1:${port}`,
      '--metrics-textfile',
      textfile,
    ]);
    let served = '';
    await waitFor(
      'the agent to report 3 samples sent on /metrics',
      async () => {
        served = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.text(),
          () => '',
        );
        return valueOf(served, 'vigil_agent_samples_sent_total') >= 3;
      },
      60_000,
    );
    expect(await promtoolCheck(served)).toBe('');
    expect(valueOf(served, 'vigil_agent_last_send_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(served).toMatch(/^vigil_agent_build_info\{version="\d+\.\d+\.\d+",host=".+",stream="agent-metrics-.+"\} 1$/m);
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    agent.child.kill('SIGTERM');
    expect(await agent.exited, agent.log.join('')).toBe(0);
    const written = readFileSync(textfile, 'utf8');
    expect(await promtoolCheck(written)).toBe('');
    expect(written.split('\n').filter((l) => l.startsWith('# TYPE'))).toEqual(served.split('\n').filter((l) => l.startsWith('# TYPE')));
    expect(valueOf(written, 'vigil_agent_samples_sent_total')).toBeGreaterThanOrEqual(3);
  });

  it('logs a retry warning once per window during an outage, while the metrics count every failure', { timeout: 90_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-outage-'));
    const nowhere = await freePort(); // nothing listens there: every PutRecords call fails at once
    const textfile = join(dir, 'vigil_agent.prom');
    const agent = startAgent(
      [
        '--stream',
        'vigil-samples',
        '--interval-seconds',
        '0.2',
        '--max-backoff-seconds',
        '0.2',
        '--spool-dir',
        join(dir, 'spool'),
        '--metrics-textfile',
        textfile,
      ],
      { AWS_ENDPOINT_URL: `http://127.0.0.1:${nowhere}`, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' },
    );
    await waitFor(
      '10 failed PutRecords calls',
      () => {
        try {
          return valueOf(readFileSync(textfile, 'utf8'), 'vigil_agent_put_calls_failed_total') >= 10;
        } catch {
          return false;
        }
      },
      60_000,
    );
    agent.child.kill('SIGTERM');
    await agent.exited;
    const warnings = agent.log
      .join('')
      .split('\n')
      .filter((l) => l.includes('PutRecords failed; retrying'));
    expect(warnings).toHaveLength(1);
  });

  it('lets a repeated warning through once per window, then says how many were held back', () => {
    const lines: [string, string, Record<string, unknown> | undefined][] = [];
    const base: Logger = {
      debug: (m, f) => void lines.push(['debug', m, f]),
      info: (m, f) => void lines.push(['info', m, f]),
      warn: (m, f) => void lines.push(['warn', m, f]),
      error: (m, f) => void lines.push(['error', m, f]),
    };
    let t = 0;
    const log = rateLimitRepeats(base, 60_000, () => t);
    for (; t < 15_000; t += 1000) log.warn('retrying', { attempt: t / 1000 });
    log.warn('another warning');
    log.info('info passes');
    log.info('info passes');
    t = 61_000;
    log.warn('retrying', { attempt: 61 });
    expect(lines).toEqual([
      ['warn', 'retrying', { attempt: 0 }],
      ['warn', 'another warning', {}],
      ['info', 'info passes', undefined],
      ['info', 'info passes', undefined],
      ['warn', 'retrying', { attempt: 61, repeated: 14, repeatedSince: new Date(1000).toISOString() }],
    ]);
  });
});
