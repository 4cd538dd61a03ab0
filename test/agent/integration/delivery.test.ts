/**
 * The agent in-process against the local Kinesis endpoint, through a proxy that can take the
 * stream away, fail chosen entries, and logs every PutRecords call. Real /proc, 100-200 ms interval.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Agent } from '../../../agent/agent.js';
import { loadConfig, type AgentConfig } from '../../../agent/config.js';
import { loadAgentState } from '../../../agent/feature-state.js';
import { createLogger, type Logger } from '../../../agent/log.js';
import { awsRegion } from '../../../core/aws-endpoint.js';
import { SignedKinesisClient } from '../../../agent/sender/kinesis-client.js';
import { decodeWireRecord } from '../../../core/wire.js';
import { uniqueName, useLocalAws } from '../../aws-env.js';
import { KinesisProxy } from '../kinesis-proxy.js';
import { createStream, firstArrivals, readSamples, waitFor, type ArrivedSample } from '../stream.js';

const endpoint = useLocalAws();
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

interface Started {
  agent: Agent;
  config: AgentConfig;
  running: Promise<void>;
  proxy: KinesisProxy;
  kinesis: KinesisClient;
  logLines: string[];
}

async function startAgent(overrides: Partial<AgentConfig>, proxyDown = false): Promise<Started> {
  const stream = uniqueName('agent');
  const kinesis = await createStream(stream);
  const proxy = await KinesisProxy.start(endpoint);
  if (proxyDown) await proxy.down();
  const config = {
    ...loadConfig({ env: {} }),
    stream,
    host: uniqueName('host'),
    intervalSeconds: 0.2,
    startJitter: false,
    spoolDir: mkdtempSync(join(tmpdir(), 'vigil-agent-')),
    maxBackoffSeconds: 0.3,
    shutdownTimeoutSeconds: 20,
    ...overrides,
  };
  const logLines: string[] = [];
  const log: Logger = createLogger('info', (line) => void logLines.push(line));
  const agent = new Agent(config, { log, kinesis: new SignedKinesisClient({ region: awsRegion(), endpoint: proxy.url }) });
  const running = agent.run();
  const started = { agent, config, running, proxy, kinesis, logLines };
  cleanups.push(async () => {
    agent.stop();
    await running;
    await proxy.close();
  });
  return started;
}

/** Stops the agent (graceful flush) and returns what arrived in the stream for its host. */
async function stopAndRead(s: Started): Promise<ArrivedSample[]> {
  s.agent.stop();
  await s.running;
  return (await readSamples(s.kinesis, s.config.stream!)).filter((sample) => sample.host === s.config.host);
}

/** A sample delivered twice must be the same sample (same identity, same content). */
function expectDuplicatesIdentical(samples: readonly ArrivedSample[]): void {
  const bySeq = new Map<number, ArrivedSample>();
  for (const s of samples) {
    const earlier = bySeq.get(s.seq);
    if (earlier) expect(s).toEqual(earlier);
    bySeq.set(s.seq, s);
  }
}

// Each test waits on real traffic with bounded polls (up to 25 s); on a loaded CI machine that needs room.
describe('agent delivery over the wire', { timeout: 90_000 }, () => {
  it('the wall clock stepped back 20 s: sampling keeps its interval, the step is logged', async () => {
    const s = await startAgent({});
    await waitFor('a few samples', () => s.agent.counters().spooled >= 3);
    const realNow = Date.now.bind(Date);
    const stepped = vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 20_000);
    try {
      const before = s.agent.counters().spooled;
      // At 0.2 s an interval, ten more samples in well under the 20 s the step would cost.
      await waitFor('sampling to go on after the step', () => s.agent.counters().spooled >= before + 10, 8_000);
    } finally {
      stepped.mockRestore();
    }
    const step = s.logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => /wall clock stepped/.test(String(l.msg)));
    expect(step).toMatchObject({ level: 'warn', stepSeconds: -20 });
    const arrived = await stopAndRead(s);
    expect(arrived.length).toBeGreaterThanOrEqual(13);
  });

  it('stream unreachable for a while, then back: every sample arrives, in order', async () => {
    const s = await startAgent({});
    await waitFor('3 samples sent', () => s.agent.counters().samplesSent >= 3);
    await s.proxy.down();
    const spooledAtOutage = s.agent.counters().spooled;
    await waitFor('8 samples spooled during the outage', () => s.agent.counters().spooled >= spooledAtOutage + 8);
    expect(s.agent.counters().putCallsFailed).toBeGreaterThan(0);
    await s.proxy.up();
    await waitFor('the backlog sent', () => s.agent.counters().pending === 0 && s.agent.counters().samplesSent > spooledAtOutage + 8);
    const arrived = await stopAndRead(s);
    const { spooled } = s.agent.counters();
    expect(firstArrivals(arrived)).toEqual(Array.from({ length: spooled }, (_, i) => i));
    expectDuplicatesIdentical(arrived);
    expect(s.agent.counters()).toMatchObject({ dropped: 0, pending: 0, samplesSent: spooled });
    // The graceful stop saved the feature state and the next sequence number for the next start.
    const saved = loadAgentState(s.config.spoolDir, createLogger('error'));
    expect(saved.nextSeq).toBe(spooled);
    expect((saved.pipeline.snapshot() as { lastT: number }).lastT).toBe(arrived.find((a) => a.seq === spooled - 1)!.t);
  });

  it('SIGTERM during an outage stops within the shutdown bound; the next start sends what was kept', async () => {
    const s = await startAgent({ shutdownTimeoutSeconds: 0.5 }, true);
    await waitFor('5 samples spooled while the stream is away', () => s.agent.counters().spooled >= 5);
    s.agent.stop();
    await s.running;
    const kept = s.agent.counters();
    expect(kept.pending).toBe(kept.spooled);
    await s.proxy.up();
    const next = new Agent(
      { ...s.config, stream: s.config.stream! },
      { log: createLogger('error', () => {}), kinesis: new SignedKinesisClient({ region: awsRegion(), endpoint: s.proxy.url }) },
    );
    const running = next.run();
    await waitFor('the kept samples sent by the next start', () => next.counters().samplesSent >= kept.spooled);
    next.stop();
    await running;
    const arrived = (await readSamples(s.kinesis, s.config.stream!)).filter((a) => a.host === s.config.host);
    expect(firstArrivals(arrived)).toEqual(Array.from({ length: kept.spooled + next.counters().spooled }, (_, i) => i));
  });

  it('with a flush interval, the samples of each interval travel together in one record', async () => {
    const s = await startAgent({ intervalSeconds: 0.1, flushSeconds: 1 });
    await waitFor('20 samples sent', () => s.agent.counters().samplesSent >= 20);
    const arrived = await stopAndRead(s);
    const calls = s.proxy.calls.map((c) => c.records.reduce((n, r) => n + decodeWireRecord(r.data).samples.length, 0));
    // After the first sample (sent at once), each call carries about a second of samples.
    expect(Math.max(...calls)).toBeGreaterThanOrEqual(5);
    expect(calls.length).toBeLessThan(arrived.length / 3);
    expect(s.proxy.calls.every((c) => c.records.length === 1)).toBe(true);
    expect(firstArrivals(arrived)).toEqual(Array.from({ length: s.agent.counters().spooled }, (_, i) => i));
  });

  it('PutRecords partial failure: only the failed entries are sent again', async () => {
    const s = await startAgent({ samplesPerRecord: 2 }, true);
    await waitFor('10 samples spooled while the stream is away', () => s.agent.counters().spooled >= 10);
    // The first call after the outage carries the backlog (5+ records): fail its entries 1 and 3.
    let injected = false;
    s.proxy.failEntry = (index, count) => {
      if (injected || count < 5 || (index !== 1 && index !== 3)) return false;
      injected = index === 3;
      return true;
    };
    await s.proxy.up();
    await waitFor('the backlog sent', () => s.agent.counters().pending === 0 && s.agent.counters().samplesSent >= 10);
    const arrived = await stopAndRead(s);
    const failedCall = s.proxy.calls.findIndex((c) => c.failed.length > 0);
    expect(failedCall).toBeGreaterThanOrEqual(0);
    const original = s.proxy.calls[failedCall]!;
    expect(original.failed).toEqual([1, 3]);
    const resend = s.proxy.calls[failedCall + 1]!;
    expect(resend.records.map((r) => r.data)).toEqual([original.records[1]!.data, original.records[3]!.data]);
    // Every sample exactly once: nothing that succeeded was sent again.
    const seqs = arrived.map((a) => a.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: s.agent.counters().spooled }, (_, i) => i));
    expect(s.agent.counters().recordsRetried).toBeGreaterThanOrEqual(2);
    // Each record carried several samples of the one host, keyed by it.
    expect(original.records.every((r) => r.partitionKey === s.config.host && decodeWireRecord(r.data).samples.length >= 1)).toBe(true);
  });

  it('spool full during an outage: the oldest samples are dropped and counted, the newest all arrive', async () => {
    const s = await startAgent({ intervalSeconds: 0.1, spoolMaxMb: 0.015 }, true);
    await waitFor('samples dropped from the full spool', () => s.agent.counters().dropped >= 10, 25_000);
    s.agent.stop(); // no new samples: what is left is sent during the shutdown flush
    await s.proxy.up();
    await s.running;
    const arrived = (await readSamples(s.kinesis, s.config.stream!)).filter((a) => a.host === s.config.host);
    const { dropped, spooled, pending } = s.agent.counters();
    expect(pending).toBe(0);
    expect(dropped).toBeGreaterThanOrEqual(10);
    // Lost exactly what was reported: seqs 0..dropped-1; everything after arrived, in order.
    expect(firstArrivals(arrived)).toEqual(Array.from({ length: spooled - dropped }, (_, i) => dropped + i));
    expect(s.logLines.some((line) => /spool full/.test(line))).toBe(true);
  });
});
