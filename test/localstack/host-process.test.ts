/**
 * LocalStack as a host process (local/localstack.ts): it and the kinesis-mock it starts listen on
 * the loopback interface only, it serves Timestream write through vigil's plugin, and stopping it by
 * PID stops kinesis-mock too.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateStreamCommand, KinesisClient, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import { startLocalStack } from '../../local/localstack.js';
import { descendantsOf } from '../../local/process.js';
import { until } from '../poll.js';

/** Local addresses of the TCP sockets listening in these processes (`ss -ltnp`). */
function listeners(pids: readonly number[]): string[] {
  return execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => pids.some((pid) => line.includes(`pid=${pid},`)))
    .map((line) => line.trim().split(/\s+/)[3]!);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('LocalStack host process', () => {
  it('listens on loopback only, kinesis-mock included, and stops with its kinesis-mock by PID', { timeout: 120_000 }, async () => {
    const server = await startLocalStack(mkdtempSync(join(tmpdir(), 'vigil-localstack-')));
    let tree: number[] = [];
    try {
      const health = (await (await fetch(`${server.url}/_localstack/health`)).json()) as { services: Record<string, string> };
      expect(health.services['timestream-write']).toMatch(/available|running/);
      // A stream makes LocalStack start kinesis-mock, a Node process of its own.
      const kinesis = new KinesisClient({
        ...awsClientSettings(),
        endpoint: server.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      await kinesis.send(new CreateStreamCommand({ StreamName: 'loopback', ShardCount: 1 }));
      await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30, minDelay: 0.1, maxDelay: 0.5 }, { StreamName: 'loopback' });
      tree = [server.pid, ...descendantsOf(server.pid)];
      expect(tree.length).toBeGreaterThan(1);
      const addresses = listeners(tree);
      expect(addresses.length).toBeGreaterThanOrEqual(2);
      for (const address of addresses) expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    } finally {
      await server.stop();
    }
    // kinesis-mock ends on its parent's SIGTERM, a moment after it.
    await until(() => tree.filter(alive).length === 0, `the LocalStack processes ${tree.join(', ')} to end`, 10_000);
  });
});
