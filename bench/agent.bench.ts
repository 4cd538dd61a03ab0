/**
 * Agent cost on the host: the single executable hosts install (agent/package/executable.ts) at a
 * 10 s and a 1 s interval, and the single-file JavaScript agent run by Node.js (agent/build.ts,
 * install.sh without --executable) at 10 s, side by side for VIGIL_BENCH_AGENT_SECONDS (default 60)
 * of sampling and sending to a local Kinesis endpoint (moto). CPU time from /proc/<pid>/stat over the window,
 * resident memory sampled every second, bytes and PUT payload units from what reached the stream.
 *
 * The executables run as the systemd unit runs them (AGENT_ENVIRONMENT), from a file that is not in
 * the page cache, as after a host boots: a file just written (by the build here) sits in the page
 * cache in large folios, which the kernel maps whole at a page fault, so the same process would show
 * tens of MB more of clean, shared, droppable file pages in VmRSS. Two more executables, side by
 * side, show the two effects: one run from the file as written, one without AGENT_ENVIRONMENT.
 */
import { CreateStreamCommand, KinesisClient, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { AGENT_ENVIRONMENT, AGENT_NODE_FLAGS, buildAgentBundle } from '../agent/build.js';
import { buildAgentExecutable, nodeBinary, type Arch } from '../agent/package/executable.js';
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

/** How an agent of the bench runs. */
type Form =
  /** The single executable as the unit runs it, from a file out of the page cache: the figures the targets are about. */
  | 'executable'
  /** The same, from a file just written (what the page cache holds right after an install). */
  | 'executable_fresh_file'
  /** The same as `executable`, without AGENT_ENVIRONMENT. */
  | 'executable_default_malloc'
  /** The JavaScript agent run by node with the unit's flags and environment. */
  | 'bundle';

interface RunningAgent {
  readonly form: Form;
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
    let floor: { child: ChildProcess; maxRssKb: number; maxRssAnonKb: number } | undefined;
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
      // A second copy written in one go, as the build writes: it stays in the page cache as written.
      const freshFile = join(dataDir, 'vigil-agent-fresh');
      writeFileSync(freshFile, readFileSync(executable), { mode: 0o755 });
      dropFromPageCache(executable);
      const forms: { form: Form; interval: number; command: string; prefix: string[]; environment: Readonly<Record<string, string>> }[] = [
        ...INTERVALS.map((interval) => ({ form: 'executable' as const, interval, command: executable, prefix: [], environment: AGENT_ENVIRONMENT })),
        { form: 'executable_fresh_file', interval: INTERVALS[0], command: freshFile, prefix: [], environment: AGENT_ENVIRONMENT },
        { form: 'executable_default_malloc', interval: INTERVALS[0], command: executable, prefix: [], environment: {} },
        { form: 'bundle', interval: INTERVALS[0], command: process.execPath, prefix: [...AGENT_NODE_FLAGS, bundle], environment: AGENT_ENVIRONMENT },
      ];

      for (const { form, interval, command, prefix, environment } of forms) {
        const host = `bench-${form.replaceAll('_', '-')}-${interval}s`;
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
        const child = spawn(command, args, { env: { ...env, ...environment }, stdio: ['ignore', 'ignore', 'pipe'] });
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

      // The floor: the executable's Node.js binary, with the same flags and environment, running nothing but a timer.
      const runtime = nodeBinary(process.arch as Arch);
      dropFromPageCache(runtime);
      floor = {
        child: spawn(runtime, [...AGENT_NODE_FLAGS, '-e', 'setInterval(() => {}, 1 << 30)'], { env: { ...env, ...AGENT_ENVIRONMENT }, stdio: 'ignore' }),
        maxRssKb: 0,
        maxRssAnonKb: 0,
      };
      await delay(2000);

      const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
      const start = agents.map((a) => cpuTicks(a.child.pid!));
      const startedAt = Date.now();
      while (Date.now() - startedAt < MEASURE_SECONDS * 1000) {
        for (const a of [...agents, floor]) {
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

      const cpuOf = (form: Form, interval: number): number => cpuPct[agents.findIndex((a) => a.form === form && a.interval === interval)]!;
      const results: BenchResult[] = INTERVALS.map((interval) => ({
        metric: `cpu_pct.interval_${interval}s`,
        value: cpuOf('executable', interval),
        unit: '% of one core',
        note: `CPU time (user+sys) of the single executable over ${elapsedSeconds.toFixed(0)} s at a ${interval} s interval; target <= ${interval === 10 ? '0.2' : '1'}%`,
      }));
      results.push({
        metric: `bundle_cpu_pct.interval_${INTERVALS[0]}s`,
        value: cpuOf('bundle', INTERVALS[0]),
        unit: '% of one core',
        note: `the same for the JavaScript agent run by node; target <= 0.2%`,
      });
      results.push({
        metric: `default_malloc_cpu_pct.interval_${INTERVALS[0]}s`,
        value: cpuOf('executable_default_malloc', INTERVALS[0]),
        unit: '% of one core',
        note: `the same for the single executable without ${Object.keys(AGENT_ENVIRONMENT).join(', ')}`,
      });
      // Memory at the default interval (10 s); the 1 s executable's figures are in the notes.
      const peak = (form: Form, field: 'maxRssKb' | 'maxRssAnonKb', interval: number = INTERVALS[0]): number =>
        agents.find((a) => a.form === form && a.interval === interval)![field] / 1024;
      results.push(
        {
          metric: 'rss_mb',
          value: peak('executable', 'maxRssKb'),
          unit: 'MB',
          note: `peak VmRSS of the single executable at a 10 s interval, started from a file out of the page cache (as after boot); ${peak('executable', 'maxRssAnonKb').toFixed(1)} MB of it private, the rest the binary's file pages (at 1 s: ${peak('executable', 'maxRssKb', 1).toFixed(1)} MB); target <= 64`,
        },
        {
          metric: 'rss_private_mb',
          value: peak('executable', 'maxRssAnonKb'),
          unit: 'MB',
          note: 'peak RssAnon of the single executable: memory only this process holds',
        },
        {
          metric: 'rss_private_default_malloc_mb',
          value: peak('executable_default_malloc', 'maxRssAnonKb'),
          unit: 'MB',
          note: `the same without ${Object.entries(AGENT_ENVIRONMENT)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')} (one malloc arena per thread, glibc's default)`,
        },
        {
          metric: 'rss_fresh_file_mb',
          value: peak('executable_fresh_file', 'maxRssKb'),
          unit: 'MB',
          note: `peak VmRSS of the same executable started from a file just written (${peak('executable_fresh_file', 'maxRssAnonKb').toFixed(1)} MB private): the kernel maps the page cache's large folios whole`,
        },
        {
          metric: 'node_floor_rss_mb',
          value: floor.maxRssKb / 1024,
          unit: 'MB',
          note: `peak VmRSS of the executable's Node.js binary with the same flags, running an empty timer (${(floor.maxRssAnonKb / 1024).toFixed(1)} MB private): what Node.js ${process.versions.node} holds before any agent code`,
        },
        {
          metric: 'bundle_rss_mb',
          value: peak('bundle', 'maxRssKb'),
          unit: 'MB',
          note: `peak VmRSS of the JavaScript agent run by node (${peak('bundle', 'maxRssAnonKb').toFixed(1)} MB private; node's file pages are shared with the bench's own node); target <= 64`,
        },
      );
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
      for (const a of [...agents, ...(floor ? [floor] : [])]) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
      await moto?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
};

export default area;

/**
 * Drops a file's pages from the page cache (GNU dd: `iflag=nocache count=0` advises the kernel that
 * the whole file is not needed), so that the next process maps it as read from disk.
 */
function dropFromPageCache(file: string): void {
  execFileSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
}

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
