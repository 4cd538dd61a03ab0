/**
 * `npm start -- --endpoint localstack`: the local pipeline on LocalStack instead of moto_server,
 * started by `npm start` itself on a free loopback port and stopped with it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('npm start -- --endpoint localstack', () => {
  it('starts LocalStack, scores the agent on it, and stops it', async () => {
    const env = { ...process.env };
    delete env.AWS_ENDPOINT_URL;
    const { stderr } = await promisify(execFile)(
      'npm',
      ['start', '--', '--endpoint', 'localstack', '--duration', '30', '--interval', '1', '--history-days', '1'],
      {
        env,
        timeout: 240_000,
      },
    );
    const started = /AWS endpoint: LocalStack on (http:\/\/127\.0\.0\.1:\d+) \(pid (\d+)\)/.exec(stderr);
    expect(started, stderr).not.toBeNull();
    expect(Number(/(\d+) samples scored/.exec(stderr)?.[1]), stderr).toBeGreaterThan(0);
    // Stopped with `npm start`: the process is gone and nothing answers on its port.
    expect(() => process.kill(Number(started![2]), 0)).toThrow();
    await expect(fetch(`${started![1]}/_localstack/health`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  }, 300_000);
});
