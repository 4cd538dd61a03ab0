/**
 * `vigil-agent check`: is this host ready to send? Config valid, /proc readable, spool directory
 * writable, AWS credentials found by the standard chain, the stream reachable and active.
 * One line per check; the exit code says whether all passed. It changes nothing on the host (it
 * creates no directory and writes no file).
 */
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { awsClientSettings } from '../../core/aws.js';
import { HOST_METRICS } from '../../core/host-metrics.js';
import { HostCollector } from '../collectors/host-collector.js';
import type { AgentConfig } from '../config.js';
import { requireSendingConfig } from './require.js';

/** Time between the two readings the collectors check takes. */
const RATE_WINDOW_MS = 500;

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export async function checkAgent(config: AgentConfig): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const check = async (name: string, probe: () => string | Promise<string>): Promise<boolean> => {
    try {
      results.push({ name, ok: true, detail: await probe() });
      return true;
    } catch (error) {
      results.push({ name, ok: false, detail: (error as Error).message });
      return false;
    }
  };
  let sending: (AgentConfig & { stream: string }) | undefined;
  await check('config', () => {
    sending = requireSendingConfig(config);
    return `host ${config.host}, stream ${sending.stream}, interval ${config.intervalSeconds} s`;
  });
  await check('collectors', async () => {
    const collector = new HostCollector({ procRoot: config.procRoot });
    // Rates (CPU, disk, network) need two readings some time apart: /proc/stat counts in 10 ms ticks.
    collector.collect(Date.now());
    await new Promise((resolve) => setTimeout(resolve, RATE_WINDOW_MS));
    const values = collector.collect(Date.now())?.values ?? {};
    const missing = HOST_METRICS.filter((m) => !Number.isFinite(values[m]));
    const got = `${HOST_METRICS.length - missing.length} of ${HOST_METRICS.length} host metrics from ${config.procRoot}`;
    return missing.length === 0 ? got : `${got}; missing: ${missing.join(', ')} (sent as missing values, which the model imputes; ${missingWhy(missing)})`;
  });
  await check('spool', () => spoolReadiness(config.spoolDir));
  if (config.metricsListen) await check('metrics', () => portFree(config.metricsListen!));
  if (config.metricsTextfile) await check('metrics', () => textfileReady(config.metricsTextfile!));
  if (!sending) return results;
  const kinesis = new KinesisClient(awsClientSettings({ ...(config.region ? { region: config.region } : {}), maxAttempts: 2 }));
  try {
    const found = await check('credentials', async () => {
      try {
        const credentials = await kinesis.config.credentials();
        return `found (access key ${credentials.accessKeyId.slice(0, 4)}…)`;
      } catch (cause) {
        throw new Error(`no AWS credentials (${(cause as Error).message}): attach an instance role to this host, or configure a profile for the agent's user`, {
          cause,
        });
      }
    });
    if (!found) return results;
    const stream = sending.stream;
    await check('stream', async () => {
      try {
        const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
        const status = summary.StreamDescriptionSummary?.StreamStatus;
        if (status !== 'ACTIVE' && status !== 'UPDATING') throw new Error(`stream ${stream} is ${status}: wait until it is ACTIVE`);
        return `${stream} is ${status} with ${summary.StreamDescriptionSummary?.OpenShardCount ?? '?'} open shards`;
      } catch (cause) {
        const name = (cause as Error).name;
        if (name === 'ResourceNotFoundException')
          throw new Error(`stream ${stream} does not exist in ${await kinesis.config.region()}: create it or fix stream/region`, { cause });
        if (name === 'AccessDeniedException')
          throw new Error(`not allowed to describe ${stream} (${(cause as Error).message}): grant kinesis:DescribeStreamSummary and kinesis:PutRecords on it`, {
            cause,
          });
        throw cause;
      }
    });
  } finally {
    kinesis.destroy();
  }
  return results;
}

/** Why host metrics can be missing, for the ones that are. */
function missingWhy(missing: readonly string[]): string {
  if (missing.includes('disk_used_pct')) return 'disk_used_pct needs a real filesystem in /proc/mounts (ext4, xfs, btrfs, ...)';
  return `check that ${missing.map((m) => m.split('_')[0]).join(', ')} files under /proc are readable by the agent's user`;
}

/** Whether the agent could use `dir`: writable when it exists, else creatable under its nearest existing parent. */
function spoolReadiness(dir: string): string {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new Error(`${dir} is a file, not a directory: set spoolDir to a directory`);
    try {
      accessSync(dir, constants.W_OK);
    } catch (cause) {
      throw new Error(`${dir} is not writable (${(cause as Error).message}): give the agent's user write access or set spoolDir`, { cause });
    }
    return `${dir} writable`;
  }
  let parent = dirname(resolve(dir));
  while (!existsSync(parent)) parent = dirname(parent);
  try {
    accessSync(parent, constants.W_OK);
  } catch (cause) {
    throw new Error(`${dir} does not exist and ${parent} is not writable: create ${dir} for the agent's user, or set spoolDir`, { cause });
  }
  return `${dir} does not exist yet; the agent creates it (${parent} is writable)`;
}

/** Whether the agent could serve its metrics there: the port is free (listened on and closed at once). */
async function portFree(listen: string): Promise<string> {
  const at = listen.lastIndexOf(':');
  const host = listen.slice(0, at).replace(/^\[|\]$/g, '');
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      fail(new Error(`cannot listen on ${listen} (${error.code ?? error.message}): another process holds it (a running agent?); choose another metricsListen`)),
    );
    server.listen(Number(listen.slice(at + 1)), host, () => done());
  });
  await new Promise((done) => server.close(done));
  return `http://${listen}/metrics can be served`;
}

/** Whether the agent could write its metrics file: its directory exists and is writable. */
function textfileReady(file: string): string {
  const dir = dirname(resolve(file));
  try {
    accessSync(dir, constants.W_OK);
  } catch (cause) {
    throw new Error(`${dir} is not writable (${(cause as Error).message}): create it for the agent's user, or set metricsTextfile`, { cause });
  }
  return `${file} can be written (${dir} is writable)`;
}
