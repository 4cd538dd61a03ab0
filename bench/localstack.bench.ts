/**
 * Area `localstack`: what LocalStack community as a host process costs next to moto_server, the
 * baseline: a fresh install (scripts/setup-localstack.sh into an empty folder: PyPI, npm) and its
 * size on disk, start-up to healthy, and resident memory of its process tree (LocalStack plus the
 * kinesis-mock it starts for Kinesis) after a stream, a bucket, a queue and a Timestream table are
 * made, the resources the tests use.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateStreamCommand, KinesisClient, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateDatabaseCommand, TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { awsClientSettings } from '../core/aws.js';
import { startLocalStack } from '../local/localstack.js';
import { MOTO_REQUIREMENT, PROJECT_ROOT, startMoto } from '../local/moto.js';
import { descendantsOf, type RunningServer } from '../local/process.js';
import type { BenchArea, BenchResult } from './types.js';

const MB = 1024 * 1024;

const area: BenchArea = {
  area: 'localstack',
  description: 'LocalStack host process against moto_server: fresh install time and size, start-up, resident memory in use',
  async run() {
    const results: BenchResult[] = [];
    const work = mkdtempSync(join(tmpdir(), 'vigil-bench-localstack-'));
    try {
      const localstackInstall = timed(() =>
        execFileSync('bash', [join(PROJECT_ROOT, 'scripts', 'setup-localstack.sh'), join(work, 'localstack')], { stdio: 'ignore' }),
      );
      const motoInstall = timed(() => {
        execFileSync('python3', ['-m', 'venv', join(work, 'moto')]);
        execFileSync(join(work, 'moto', 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', '--no-cache-dir', MOTO_REQUIREMENT], {
          stdio: 'ignore',
        });
      });
      const localstackMb = diskMb(join(work, 'localstack'));
      const motoMb = diskMb(join(work, 'moto'));
      results.push(
        { metric: 'install_s', value: localstackInstall, unit: 's', note: 'fresh scripts/setup-localstack.sh: LocalStack from PyPI and kinesis-mock from npm' },
        {
          metric: 'install_vs_moto',
          value: localstackInstall / motoInstall,
          unit: 'ratio',
          note: `LocalStack install time / moto_server install time (${motoInstall.toFixed(0)} s)`,
        },
        { metric: 'disk_mb', value: localstackMb, unit: 'MB', note: `installed size (moto_server: ${motoMb.toFixed(0)} MB)` },
      );
      rmSync(join(work, 'localstack'), { recursive: true, force: true });

      const localstack = await inUse(() => startLocalStack(join(work, 'run-localstack')));
      const moto = await inUse(() => startMoto(join(work, 'run-moto')));
      results.push(
        { metric: 'start_s', value: localstack.startSeconds, unit: 's', note: `start to healthy (moto_server: ${moto.startSeconds.toFixed(1)} s)` },
        {
          metric: 'rss_mb',
          value: localstack.rssMb,
          unit: 'MB',
          note: 'resident memory of LocalStack and kinesis-mock with a stream, bucket, queue, Timestream table',
        },
        { metric: 'rss_vs_moto', value: localstack.rssMb / moto.rssMb, unit: 'ratio', note: `the same against moto_server (${moto.rssMb.toFixed(0)} MB)` },
      );
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    return results;
  },
};
export default area;

function timed(fn: () => void): number {
  const started = performance.now();
  fn();
  return (performance.now() - started) / 1000;
}

function diskMb(dir: string): number {
  return Number(execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split('\t')[0]) / 1024;
}

/** Starts a server, makes the resources the tests use, and reads the memory of its process tree. */
async function inUse(start: () => Promise<RunningServer>): Promise<{ startSeconds: number; rssMb: number }> {
  const started = performance.now();
  const server = await start();
  const startSeconds = (performance.now() - started) / 1000;
  try {
    const settings = { ...awsClientSettings(), endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } };
    const kinesis = new KinesisClient(settings);
    await kinesis.send(new CreateStreamCommand({ StreamName: 'bench', ShardCount: 1 }));
    await waitUntilStreamExists({ client: kinesis, maxWaitTime: 60, minDelay: 0.1, maxDelay: 0.5 }, { StreamName: 'bench' });
    await new S3Client({ ...settings, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: 'bench' }));
    await new SQSClient(settings).send(new CreateQueueCommand({ QueueName: 'bench' }));
    await new TimestreamWriteClient(settings).send(new CreateDatabaseCommand({ DatabaseName: 'bench' }));
    return { startSeconds, rssMb: treeRssBytes(server.pid) / MB };
  } finally {
    await server.stop();
  }
}

/** VmRSS of a process and its descendants, from /proc. */
function treeRssBytes(pid: number): number {
  return [pid, ...descendantsOf(pid)].reduce((sum, p) => {
    try {
      return sum + Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    } catch {
      return sum;
    }
  }, 0);
}
