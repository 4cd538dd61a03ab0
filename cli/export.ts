/**
 * `vigil export`: fleet history as a training CSV (models/fleet-csv.ts), for `vigil train`.
 * Sources: `archive` (the stack's history archive of scored samples, models/archive-history.ts) and
 * `prometheus` (any Prometheus-compatible query API, node_exporter series mapped to the agent's
 * metrics by models/node-exporter-queries.ts). Each source is one function below.
 */
import { closeSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { DEFAULT_ARCHIVE_PREFIX } from '../core/archive.js';
import { awsClientSettings } from '../core/aws.js';
import { isAmpUrl, regionOf, sigv4Signer } from '../core/sigv4.js';
import { archiveHistory } from '../models/archive-history.js';
import { HOST_METRICS } from '../core/host-metrics.js';
import { fleetCsvHeader, fleetCsvLine, FLEET_REQUIRED_COLUMNS } from '../models/fleet-csv.js';
import { NODE_EXPORTER_QUERIES } from '../models/node-exporter-queries.js';
import {
  DEFAULT_HOST_LABEL,
  DEFAULT_RATE_WINDOW,
  parseQueryFile,
  prometheusHistory,
  type ExportSummary,
  type PrometheusHistoryOptions,
} from '../models/prometheus-history.js';
import type { FleetRow } from '../models/fleet-csv.js';

export const EXPORT_SOURCES = ['prometheus', 'archive'] as const;
export type ExportSource = (typeof EXPORT_SOURCES)[number];

interface Flags {
  source: string;
  out: string;
  since: string;
  until?: string;
  hosts?: string;
  tags?: string;
  url?: string;
  step: string;
  hostLabel: string;
  rateWindow: string;
  queries?: string;
  header: string[];
  sigv4?: boolean;
  timeoutSeconds: string;
  bucket?: string;
  prefix: string;
}

export function register(program: Command): void {
  program
    .command('export')
    .description('write fleet history as a training CSV for `vigil train` (from the history archive, or Prometheus and node_exporter)')
    .requiredOption('--source <source>', EXPORT_SOURCES.join(' | '))
    .requiredOption('--out <file>', 'the fleet CSV to write')
    .option('--since <duration>', 'history this long before --until: 7d, 36h, 90m', '7d')
    .option('--until <time>', 'end of the history (ISO 8601 or epoch seconds; default now)')
    .option('--hosts <list>', 'comma list of hosts (values of the host label); default every host')
    .option('--tags <list>', 'comma list of name=value: only series with these labels; written as tag columns')
    .option('--url <url>', 'prometheus: base URL of the query API, e.g. http://prometheus:9090')
    .option('--step <seconds>', "prometheus: seconds between two rows of a host (the agent's interval is 10)", '60')
    .option('--host-label <label>', 'prometheus: the label that names a host', DEFAULT_HOST_LABEL)
    .option('--rate-window <duration>', 'prometheus: the rate() window of the counters (at least two scrape intervals)', DEFAULT_RATE_WINDOW)
    .option('--queries <file>', 'prometheus: JSON object of host metric to PromQL, instead of the node_exporter queries')
    .option(
      '--header <header>',
      'prometheus: an HTTP header for every request, "Name: value" (repeatable)',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .option(
      '--sigv4',
      'prometheus: sign the requests with SigV4 (AWS credentials from the environment or profile); on by itself for an Amazon Managed Service for Prometheus URL',
    )
    .option('--no-sigv4', 'prometheus: do not sign, even an Amazon Managed Service for Prometheus URL (a signing proxy in front)')
    .option('--bucket <bucket>', 'archive: the archive bucket (the ArchiveBucketName output of the stack)')
    .option('--prefix <prefix>', 'archive: key prefix of the archive in its bucket', DEFAULT_ARCHIVE_PREFIX)
    .option('--timeout-seconds <s>', 'prometheus: deadline of one request (failed requests are retried 3 times)', '30')
    .addHelpText(
      'after',
      `
The CSV has the columns ${FLEET_REQUIRED_COLUMNS.join(',')} (plus one column per --tags name):
one row per host and step, ready for \`vigil train --in FILE\`.

prometheus: each host metric is one PromQL query over node_exporter's series (listed in
docs/node-exporter.md). A --queries file replaces them; its placeholders: $host (the host label),
$filter (the --hosts and --tags matchers), $window (the rate window).

Examples:
  $ vigil export --source archive --bucket <ArchiveBucketName> --since 7d --out fleet.csv
  $ vigil export --source archive --bucket <ArchiveBucketName> --since 14d --tags env=prod --hosts web-1,web-2 --out prod.csv
  $ vigil export --source prometheus --url http://prometheus:9090 --since 7d --out fleet.csv
  $ vigil export --source prometheus --url http://prometheus:9090 --since 14d --tags env=prod --hosts web-1:9100,web-2:9100 --out prod.csv
  $ vigil export --source prometheus --url https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1 --since 7d --out fleet.csv
  $ vigil train --in fleet.csv --out model/ && vigil publish --model model/ --bucket my-vigil-models`,
    )
    .action(async (flags: Flags, cmd: Command) => {
      try {
        await run(flags);
      } catch (error) {
        cmd.error(`export: ${(error as Error).message}`);
      }
    });
}

async function run(flags: Flags): Promise<void> {
  const source = EXPORT_SOURCES.find((s) => s === flags.source);
  if (!source) throw new Error(`--source must be one of ${EXPORT_SOURCES.join(', ')}; got "${flags.source}"`);
  const until = flags.until === undefined ? Date.now() : timeOf('--until', flags.until);
  const start = until - durationMs('--since', flags.since);
  const hosts = flags.hosts
    ?.split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  const tags = tagsOf(flags.tags);
  const tagNames = Object.keys(tags);
  const summary: { value?: ExportSummary } = {};
  let rows: AsyncGenerator<FleetRow[]>;
  let metrics: readonly string[] = HOST_METRICS;
  switch (source) {
    case 'prometheus': {
      if (!flags.url) throw new Error('--source prometheus needs --url: the base URL of the query API, e.g. http://prometheus:9090');
      let url: URL;
      try {
        url = new URL(flags.url);
      } catch {
        throw new Error(`--url "${flags.url}" is not a URL: give the base URL of the query API, e.g. http://prometheus:9090`);
      }
      const sign = flags.sigv4 ?? isAmpUrl(url);
      const queries = flags.queries ? parseQueryFile(readText(flags.queries), flags.queries) : NODE_EXPORTER_QUERIES;
      metrics = HOST_METRICS.filter((m) => m in queries);
      const options: PrometheusHistoryOptions = {
        url: flags.url,
        start,
        end: until,
        stepSeconds: positive('--step', flags.step),
        hostLabel: flags.hostLabel,
        rateWindow: flags.rateWindow,
        queries,
        timeoutMs: positive('--timeout-seconds', flags.timeoutSeconds) * 1000,
        headers: headersOf(flags.header),
        ...(sign ? { sign: sigv4Signer(regionOf(url)) } : {}),
        ...(hosts?.length ? { hosts } : {}),
        ...(tagNames.length ? { tags } : {}),
      };
      rows = prometheusHistory(options, summary);
      break;
    }
    case 'archive': {
      if (!flags.bucket) throw new Error('--source archive needs --bucket: the archive bucket (the ArchiveBucketName output of the stack)');
      const s3 = new S3Client(awsClientSettings());
      rows = archiveHistory(
        s3,
        {
          archive: { bucket: flags.bucket, prefix: flags.prefix },
          start,
          end: until,
          ...(hosts?.length ? { hosts } : {}),
          ...(tagNames.length ? { tags } : {}),
        },
        summary,
      );
      break;
    }
  }
  const written = await writeFleetCsv(flags.out, rows, tagNames, metrics);
  const result = summary.value!;
  if (written === 0) {
    throw new Error(
      `no data for ${new Date(start).toISOString()} .. ${new Date(until).toISOString()}${hosts ? ` for hosts ${hosts.join(', ')}` : ''}${tagNames.length ? ` with tags ${flags.tags}` : ''}: ${
        source === 'archive'
          ? 'check the range, --bucket and --prefix, and that the stack keeps an archive (archive: true)'
          : 'check the range, the host label (--host-label) and that node_exporter is scraped'
      }; nothing was written`,
    );
  }
  for (const metric of result.emptyMetrics)
    console.error(`warning: no series for ${metric}: its column is empty (check its query, or give one with --queries)`);
  console.log(`wrote ${flags.out}: ${written} rows of ${result.hosts} hosts, ${new Date(start).toISOString()} .. ${new Date(until).toISOString()}`);
}

/** Streams the rows into `path` (through a temporary file, renamed into place when complete); the rows written. */
async function writeFleetCsv(path: string, chunks: AsyncGenerator<FleetRow[]>, tagNames: readonly string[], metrics: readonly string[]): Promise<number> {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  let count = 0;
  try {
    writeAll(fd, `${fleetCsvHeader(tagNames, metrics)}\n`);
    for await (const chunk of chunks) {
      if (chunk.length === 0) continue;
      writeAll(fd, `${chunk.map((row) => fleetCsvLine(row, tagNames, metrics)).join('\n')}\n`);
      count += chunk.length;
    }
    closeSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  if (count === 0) rmSync(tmp, { force: true });
  else renameSync(tmp, path);
  return count;
}

/** A short write (a full disk) is an error, not a truncated file. */
function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  while (offset < bytes.length) {
    const n = writeSync(fd, bytes, offset);
    if (n <= 0) throw new Error('the disk took no more bytes: free space and run the export again');
    offset += n;
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}: check the path`, { cause: error });
  }
}

const DURATION = /^(\d+(?:\.\d+)?)(m|h|d|w)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

function durationMs(flag: string, value: string): number {
  const match = DURATION.exec(value.trim());
  if (!match || !(Number(match[1]) > 0)) throw new Error(`${flag} must be a duration such as 7d, 36h or 90m; got "${value}"`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

function timeOf(flag: string, value: string): number {
  const t = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (!Number.isFinite(t)) throw new Error(`${flag} must be a time such as 2026-12-01T00:00:00Z or epoch seconds; got "${value}"`);
  return t;
}

function positive(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0) || !Number.isFinite(n)) throw new Error(`${flag} must be a number > 0; got "${value}"`);
  return n;
}

function tagsOf(list: string | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const item of (list ?? '').split(',').filter((s) => s.trim() !== '')) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`--tags takes name=value pairs separated by commas; got "${item}"`);
    tags[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return tags;
}

function headersOf(list: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const item of list) {
    const colon = item.indexOf(':');
    if (colon <= 0) throw new Error(`--header must be "Name: value"; got "${item}"`);
    headers[item.slice(0, colon).trim()] = item.slice(colon + 1).trim();
  }
  return headers;
}
