/**
 * `vigil-agent check`: is this host ready to send? Config valid, /proc readable, spool directory
 * writable, AWS credentials found by the standard chain, the stream reachable and active.
 * One line per check; the exit code says whether all passed.
 */
import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { awsClientSettings } from '../../core/aws.js';
import { HostCollector } from '../collectors/host-collector.js';
import type { AgentConfig } from '../config.js';
import { requireSendingConfig } from './require.js';

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
  await check('collectors', () => {
    const collector = new HostCollector({ procRoot: config.procRoot });
    collector.collect(Date.now() - 1000);
    const sample = collector.collect();
    return `${Object.keys(sample?.values ?? {}).length} metrics from ${config.procRoot}`;
  });
  await check('spool', () => {
    try {
      mkdirSync(config.spoolDir, { recursive: true });
      accessSync(config.spoolDir, constants.W_OK);
    } catch (cause) {
      throw new Error(`${config.spoolDir} is not writable (${(cause as Error).message}): create it for the agent's user or set spoolDir`, { cause });
    }
    return `${config.spoolDir} writable`;
  });
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
