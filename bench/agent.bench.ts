/**
 * Agent cost on the host: the single executable hosts install (agent/package/executable.ts) at a
 * 10 s and a 1 s interval, and the single-file JavaScript agent run by Node.js (agent/build.ts,
 * install.sh without --executable) at 10 s, side by side for VIGIL_BENCH_AGENT_SECONDS (default 60)
 * of sampling and sending to a local Kinesis endpoint (moto). CPU time from /proc/<pid>/stat over the window,
 * resident memory sampled every second, bytes and PUT payload units from what reached the stream.
 */
import { CreateStreamCommand, KinesisClient, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { AGENT_NODE_FLAGS, buildAgentBundle } from '../agent/build.js';
import { buildAgentExecutable, type Arch } from '../agent/package/executable.js';
import { putUnits } from '../core/kinesis-records.js';
import { awsClientSettings } from '../core/aws.js';
import { decodeWireRecord } from '../core/wire.js';
import { startMoto } from '../local/moto.js';
import type { RunningServer } from '../local/process.js';
import { readStreamRecords } from '../local/read-stream.js';
import type { BenchArea, BenchResult } from './types.js';

const MEASURE_SECONDS = Number(process.env.VIGIL_BENCH_AGENT_SECONDS ?? 60);
const INTERVALS = [10, 1] as const;
const HOUR_MS = 3_600_000;

interface RunningAgent {
  /** `executable` or `bundle`. */
  readonly form: string;
  readonly interval: number;
  readonly host: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  readonly stderr: string[];
  maxRssKb: number;
  maxRssAnonKb: number;
}

interface HostTraffic {
  records: number;
  bytes: number;
  units: number;
  maxUnitsPerRecord: number;
  samples: number;
}

const area: BenchArea = {
  area: 'agent',
  description: `agent CPU and memory at 10 s and 1 s intervals over ${MEASURE_SECONDS} s sending to local Kinesis; bytes and PUT units per host-hour`,
  async run(): Promise<BenchResult[]> {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-agent-'));
    let moto: RunningServer | undefined;
    const agents: RunningAgent[] = [];
    try {
      if (!process.env.AWS_ENDPOINT_URL) moto = await startMoto(join(dataDir, 'moto'));
      // The local endpoint takes any credentials; this process and the agents use the same ones.
      process.env.AWS_ENDPOINT_URL ??= moto!.url;
      process.env.AWS_REGION ??= 'us-east-1';
      process.env.AWS_ACCESS_KEY_ID ??= 'test';
      process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
      const env = { ...process.env };
      const kinesis = new KinesisClient(awsClientSettings());
      const stream = `agent-bench-${Date.now().toString(36)}`;
      await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
      await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30, minDelay: 0.1, maxDelay: 0.5 }, { StreamName: stream });
      const bundle = await buildAgentBundle(join(dataDir, 'vigil-agent.mjs'));
      const executable = await buildAgentExecutable(process.arch as Arch, join(dataDir, 'vigil-agent'));
      const forms = [
        ...INTERVALS.map((interval) => ({ form: 'executable', interval, command: executable, prefix: [] as string[] })),
        { form: 'bundle', interval: INTERVALS[0], command: process.execPath, prefix: [...AGENT_NODE_FLAGS, bundle] },
      ];

      for (const { form, interval, command, prefix } of forms) {
        const host = `bench-${form}-${interval}s`;
        const args = [
          ...prefix,
          'run',
          '--stream',
          stream,
          '--host',
          host,
          '--interval',
          String(interval),
          '--no-start-jitter',
          '--spool-dir',
          join(dataDir, host),
          '--log-level',
          'warn',
        ];
        const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
        const stderr: string[] = [];
        child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        agents.push({ form, interval, host, child, exited, stderr, maxRssKb: 0, maxRssAnonKb: 0 });
      }
      // Warm-up: both agents started, primed and delivered their first sample.
      const deadline = Date.now() + 60_000;
      while (Object.keys(await trafficByHost(kinesis, stream)).length < agents.length) {
        if (Date.now() > deadline)
          throw new Error(`agents did not deliver a first sample within 60 s; their logs:\n${agents.map((a) => a.stderr.join('')).join('\n')}`);
        if (agents.some((a) => a.child.exitCode !== null)) throw new Error(`an agent exited early:\n${agents.map((a) => a.stderr.join('')).join('\n')}`);
        await delay(500);
      }

      const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
      const start = agents.map((a) => cpuTicks(a.child.pid!));
      const startedAt = Date.now();
      while (Date.now() - startedAt < MEASURE_SECONDS * 1000) {
        for (const a of agents) {
          const { rssKb, rssAnonKb } = memoryKb(a.child.pid!);
          a.maxRssKb = Math.max(a.maxRssKb, rssKb);
          a.maxRssAnonKb = Math.max(a.maxRssAnonKb, rssAnonKb);
        }
        await delay(1000);
      }
      const elapsedSeconds = (Date.now() - startedAt) / 1000;
      const cpuPct = agents.map((a, i) => (100 * (cpuTicks(a.child.pid!) - start[i]!)) / ticksPerSecond / elapsedSeconds);

      for (const a of agents) a.child.kill('SIGTERM');
      await Promise.all(agents.map((a) => a.exited));
      const traffic = await trafficByHost(kinesis, stream);
      kinesis.destroy();

      const results: BenchResult[] = agents.map((a, i) => ({
        metric: `${a.form === 'executable' ? '' : 'bundle_'}cpu_pct.interval_${a.interval}s`,
        value: cpuPct[i]!,
        unit: '% of one core',
        note: `CPU time (user+sys) of the ${a.form === 'executable' ? 'single executable' : 'JavaScript agent run by node'} over ${elapsedSeconds.toFixed(0)} s at a ${a.interval} s interval; target <= ${a.interval === 10 ? '0.2' : '1'}%`,
      }));
      for (const form of ['executable', 'bundle']) {
        const of = agents.filter((a) => a.form === form);
        const maxRss = Math.max(...of.map((a) => a.maxRssKb)) / 1024;
        const maxAnon = Math.max(...of.map((a) => a.maxRssAnonKb)) / 1024;
        results.push({
          metric: form === 'executable' ? 'rss_mb' : 'bundle_rss_mb',
          value: maxRss,
          unit: 'MB',
          note: `peak VmRSS of the ${form === 'executable' ? 'single executable' : 'JavaScript agent run by node'} (of which ${maxAnon.toFixed(1)} MB private, the rest shared pages of the binary); target <= 64`,
        });
      }
      const defaults = traffic[`bench-executable-${INTERVALS[0]}s`];
      if (!defaults || defaults.samples === 0) throw new Error('no samples of the 10 s agent reached the stream');
      const hours = (defaults.samples * INTERVALS[0] * 1000) / HOUR_MS;
      results.push({
        metric: 'put_units_per_host_hour',
        value: defaults.units / hours,
        unit: 'PUT units/host-hour',
        note: `default settings (10 s interval, send after each sample): ${defaults.records} records, at most ${defaults.maxUnitsPerRecord} unit per record per flush; target <= 1 per flush`,
      });
      results.push({
        metric: 'bytes_per_host_hour',
        value: defaults.bytes / hours,
        unit: 'bytes/host-hour',
        note: `wire records, ${(defaults.bytes / defaults.samples).toFixed(0)} bytes per sample`,
      });
      return results;
    } finally {
      for (const a of agents) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
      await moto?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

export default area;

/** utime + stime of a process, in clock ticks. */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

function memoryKb(pid: number): { rssKb: number; rssAnonKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssKb: kb('VmRSS'), rssAnonKb: kb('RssAnon') };
}

/** Records, bytes and PUT units per partition key (host) in the stream. */
async function trafficByHost(kinesis: KinesisClient, stream: string): Promise<Record<string, HostTraffic>> {
  const byHost: Record<string, HostTraffic> = {};
  for (const record of await readStreamRecords(kinesis, stream)) {
    const host = record.PartitionKey!;
    const t = (byHost[host] ??= { records: 0, bytes: 0, units: 0, maxUnitsPerRecord: 0, samples: 0 });
    const units = putUnits({ data: record.Data! });
    t.records++;
    t.bytes += record.Data!.length;
    t.units += units;
    t.maxUnitsPerRecord = Math.max(t.maxUnitsPerRecord, units);
    t.samples += decodeWireRecord(record.Data!).samples.length;
  }
  return byHost;
}
