/**
 * Fleet history from the history archive (core/archive.ts) as fleet-CSV rows (models/fleet-csv.ts):
 * the raw metrics of every archived sample in a time range, of the hosts and tags asked for, each
 * sample once. What `vigil export --source archive` writes for `vigil train`.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { archiveDay } from '../core/archive.js';
import { archiveRows, type ArchiveLocation } from '../model-store/archive-reader.js';
import type { FleetRow } from './fleet-csv.js';
import type { ExportSummary } from './prometheus-history.js';

export interface ArchiveHistoryOptions {
  readonly archive: ArchiveLocation;
  /** Epoch ms, start inclusive, end exclusive. */
  readonly start: number;
  readonly end: number;
  readonly hosts?: readonly string[];
  /** Only hosts whose samples carry every one of these tags. */
  readonly tags?: Readonly<Record<string, string>>;
}

const DAY_MS = 86_400_000;

/** The UTC days a range touches, in order. */
export function daysOf(start: number, end: number): string[] {
  const days: string[] = [];
  for (let t = Math.floor(start / DAY_MS) * DAY_MS; t < end; t += DAY_MS) days.push(archiveDay(t));
  return days;
}

export async function* archiveHistory(s3: S3Client, options: ArchiveHistoryOptions, summary?: { value?: ExportSummary }): AsyncGenerator<FleetRow[]> {
  const hosts = options.hosts?.length ? new Set(options.hosts) : undefined;
  const tags = Object.entries(options.tags ?? {});
  const seenHosts = new Set<string>();
  let rows = 0;
  for await (const chunk of archiveRows(s3, options.archive, daysOf(options.start, options.end))) {
    const out: FleetRow[] = [];
    for (const r of chunk) {
      if (r.time < options.start || r.time >= options.end) continue;
      if (hosts && !hosts.has(r.host)) continue;
      if (tags.some(([k, v]) => r.tags[k] !== v)) continue;
      out.push({ host: r.host, t: r.time, tags: r.tags, values: r.metrics });
      seenHosts.add(r.host);
    }
    rows += out.length;
    if (summary) summary.value = { rows, hosts: seenHosts.size, emptyMetrics: [] };
    yield out;
  }
  if (summary) summary.value = { rows, hosts: seenHosts.size, emptyMetrics: [] };
}
