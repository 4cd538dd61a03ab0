/**
 * The real agent CLI as a child process, killed with SIGKILL while a PutRecords call is in flight
 * and started again on the same spool: every sample arrives, and a resent sample is the same sample.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Spool } from '../../../agent/spool/spool.js';
import { decodeWireRecord } from '../../../core/wire.js';
import { uniqueName, useLocalAws } from '../../aws-env.js';
import { KinesisProxy } from '../kinesis-proxy.js';
import { createStream, firstArrivals, readSamples, waitFor } from '../stream.js';
import { spawnAgent, type AgentProcess } from '../agent-process.js';

const endpoint = useLocalAws();
function startAgentProcess(args: string[], proxyUrl: string): AgentProcess {
  return spawnAgent(['run', ...args], { AWS_ENDPOINT_URL: proxyUrl });
}

describe('agent process killed mid-send', () => {
  it('SIGKILL during a PutRecords call, then a restart: every sample arrives, duplicates are identical', { timeout: 120_000 }, async () => {
    const stream = uniqueName('agent-crash');
    const kinesis = await createStream(stream);
    const proxy = await KinesisProxy.start(endpoint);
    const spoolDir = mkdtempSync(join(tmpdir(), 'vigil-agent-crash-'));
    const host = uniqueName('crash-host');
    const args = [
      '--stream',
      stream,
      '--region',
      'us-east-1',
      '--host',
      host,
      '--interval',
      '0.2',
      '--no-start-jitter',
      '--spool-dir',
      spoolDir,
      '--log-level',
      'debug',
    ];
    try {
      const first = startAgentProcess(args, proxy.url);
      await waitFor('the first agent to send 3 calls', () => proxy.calls.length >= 3, 30_000);
      proxy.mode = 'hold';
      await waitFor('a PutRecords call held in flight', () => proxy.calls.some((c) => c.held), 10_000);
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      const held = proxy.calls.find((c) => c.held)!;
      proxy.mode = 'forward';

      const callsBefore = proxy.calls.length;
      const second = startAgentProcess(args, proxy.url);
      await waitFor('the restarted agent to send 3 calls', () => proxy.calls.length >= callsBefore + 3, 30_000);
      second.child.kill('SIGTERM');
      expect(await second.exited, second.log.join('')).toBe(0);

      const spool = Spool.open({ dir: join(spoolDir, 'spool'), maxBytes: 128 * 1024 * 1024 });
      expect(spool.stats()).toMatchObject({ pending: 0, dropped: 0 });
      const lastSeq = (JSON.parse(spool.last()!.toString()) as { seq: number }).seq;
      spool.close();

      const arrived = (await readSamples(kinesis, stream)).filter((s) => s.host === host);
      expect(firstArrivals(arrived)).toEqual(Array.from({ length: lastSeq + 1 }, (_, i) => i));
      const bySeq = new Map<number, unknown>();
      for (const s of arrived) {
        if (bySeq.has(s.seq)) expect(s).toEqual(bySeq.get(s.seq));
        bySeq.set(s.seq, s);
      }
      // The held call reached the stream and, never acknowledged, was sent again after the restart.
      const heldSeqs = held.records.flatMap((r) => decodeWireRecord(r.data).samples.map((s) => s.seq));
      for (const seq of heldSeqs) expect(arrived.filter((s) => s.seq === seq).length).toBe(2);
      expect(second.log.join('')).toMatch(/"msg":"agent stopped"/);
      // Structured logs: every line on stderr is one JSON object with a level and a message.
      for (const line of second.log.join('').trimEnd().split('\n'))
        expect(JSON.parse(line)).toMatchObject({ level: expect.any(String), msg: expect.any(String) });
    } finally {
      await proxy.close();
    }
  });
});
