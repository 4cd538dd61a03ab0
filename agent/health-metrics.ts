/**
 * The agent's health as Prometheus metrics (text exposition format 0.0.4), for the operator's
 * choice of collection: a loopback HTTP endpoint (`metricsListen`, scraped by a local Prometheus or
 * agent) or a file for node_exporter's textfile collector (`metricsTextfile`, replaced atomically).
 * Names follow the Prometheus conventions: a `vigil_agent_` prefix, base units in the name,
 * counters ending in `_total`, plus the standard process metrics.
 */
import { createServer, type Server } from 'node:http';
import { renameSync, writeFileSync } from 'node:fs';
import type { AgentCounters } from './agent.js';
import type { Logger } from './log.js';

type Kind = 'counter' | 'gauge';

/** Each health counter's metric: name, type and help. One table, so the log and the metrics agree. */
export const HEALTH_METRICS: Record<keyof AgentCounters, { readonly name: string; readonly type: Kind; readonly help: string }> = {
  samples: { name: 'vigil_agent_samples_collected_total', type: 'counter', help: 'Samples collected from the host.' },
  spooled: { name: 'vigil_agent_samples_spooled_total', type: 'counter', help: 'Samples written to the disk spool.' },
  samplesSent: { name: 'vigil_agent_samples_sent_total', type: 'counter', help: 'Samples Kinesis accepted.' },
  recordsSent: { name: 'vigil_agent_records_sent_total', type: 'counter', help: 'Kinesis records accepted.' },
  recordsRetried: { name: 'vigil_agent_records_retried_total', type: 'counter', help: 'Kinesis records sent again after a failure.' },
  putCallsFailed: { name: 'vigil_agent_put_calls_failed_total', type: 'counter', help: 'PutRecords calls that failed as a whole.' },
  throttled: { name: 'vigil_agent_put_throttled_total', type: 'counter', help: 'PutRecords calls or records Kinesis throttled.' },
  dropped: { name: 'vigil_agent_samples_dropped_total', type: 'counter', help: 'Unsent samples dropped because the spool was full.' },
  spoolDamaged: { name: 'vigil_agent_spool_frames_damaged_total', type: 'counter', help: 'Damaged spool frames skipped (their samples lost).' },
  pending: { name: 'vigil_agent_spool_samples', type: 'gauge', help: 'Samples in the spool not yet sent.' },
  collectErrors: { name: 'vigil_agent_collect_errors_total', type: 'counter', help: 'Failed readings of the host metrics.' },
  spoolErrors: { name: 'vigil_agent_spool_errors_total', type: 'counter', help: 'Samples lost because the spool could not be written.' },
  invalidSamples: { name: 'vigil_agent_invalid_samples_total', type: 'counter', help: 'Samples skipped because they were not valid.' },
  lastSentMs: {
    name: 'vigil_agent_last_send_timestamp_seconds',
    type: 'gauge',
    help: 'When Kinesis last accepted samples (Unix time; 0 = not since start).',
  },
};

export interface HealthInfo {
  readonly version: string;
  readonly host: string;
  readonly stream: string;
}

/** Label values escaped as the exposition format asks (backslash, double quote, newline). */
const label = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The exposition text of the counters, the build info and the process metrics. */
export function formatHealthMetrics(counters: AgentCounters, info: HealthInfo, processStartSeconds = processStartTime()): string {
  const lines: string[] = [];
  const metric = (name: string, type: Kind, help: string, value: number, labels = ''): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name}${labels} ${Number.isFinite(value) ? value : 0}`);
  };
  metric(
    'vigil_agent_build_info',
    'gauge',
    'The running agent: version, host id and stream (always 1).',
    1,
    `{version="${label(info.version)}",host="${label(info.host)}",stream="${label(info.stream)}"}`,
  );
  for (const [key, m] of Object.entries(HEALTH_METRICS) as [keyof AgentCounters, (typeof HEALTH_METRICS)[keyof AgentCounters]][]) {
    const value = key === 'lastSentMs' ? counters.lastSentMs / 1000 : counters[key];
    metric(m.name, m.type, m.help, value);
  }
  const cpu = process.cpuUsage();
  metric('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.', (cpu.user + cpu.system) / 1e6);
  metric('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', process.memoryUsage.rss());
  metric('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', processStartSeconds);
  return `${lines.join('\n')}\n`;
}

function processStartTime(): number {
  return Math.round((Date.now() - process.uptime() * 1000) / 1000);
}

export interface HealthExporterOptions {
  readonly listen?: string;
  readonly textfile?: string;
  /** How often the textfile is rewritten. */
  readonly textfileEveryMs: number;
  readonly counters: () => AgentCounters;
  readonly info: HealthInfo;
  readonly log: Logger;
}

/** Serves and/or writes the health metrics until close(). */
export class HealthExporter {
  private constructor(
    private readonly options: HealthExporterOptions,
    private readonly server: Server | undefined,
  ) {}

  private timer: NodeJS.Timeout | undefined;

  static async start(options: HealthExporterOptions): Promise<HealthExporter> {
    const text = (): string => formatHealthMetrics(options.counters(), options.info);
    let server: Server | undefined;
    if (options.listen) {
      const at = options.listen.lastIndexOf(':');
      const host = options.listen.slice(0, at).replace(/^\[|\]$/g, '');
      const port = Number(options.listen.slice(at + 1));
      server = createServer((request, response) => {
        if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
          response.writeHead(404, { 'content-type': 'text/plain' }).end('the agent serves /metrics only\n');
          return;
        }
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text());
      });
      server.requestTimeout = 10_000;
      await new Promise<void>((resolve, reject) => {
        server!.once('error', (error: NodeJS.ErrnoException) =>
          reject(
            new Error(`cannot serve metrics on ${options.listen} (${error.code ?? error.message}): choose a free port for metricsListen`, { cause: error }),
          ),
        );
        server!.listen(port, host, () => resolve());
      });
      options.log.info('serving health metrics', { url: `http://${options.listen}/metrics` });
    }
    const exporter = new HealthExporter(options, server);
    if (options.textfile) {
      exporter.writeTextfile();
      exporter.timer = setInterval(() => exporter.writeTextfile(), options.textfileEveryMs);
      exporter.timer.unref();
      options.log.info('writing health metrics', { file: options.textfile, everySeconds: options.textfileEveryMs / 1000 });
    }
    return exporter;
  }

  /** Replaces the textfile at once (write aside, then rename), so the collector never reads half a file. */
  writeTextfile(): void {
    const file = this.options.textfile;
    if (!file) return;
    const aside = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(aside, formatHealthMetrics(this.options.counters(), this.options.info));
      renameSync(aside, file);
    } catch (error) {
      this.options.log.error('cannot write the health metrics file', { error, file });
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.writeTextfile();
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
