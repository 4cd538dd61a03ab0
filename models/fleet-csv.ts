/**
 * Fleet history: one long CSV for many hosts, as `vigil export` writes it and `vigil train` reads it.
 *
 *   host,timestamp,env,cpu_pct,load1_per_cpu,mem_used_pct,...
 *   web-1,2026-01-05T10:00:00Z,prod,12.5,0.3,41.2,...
 *   web-2,2026-01-05T10:00:00Z,prod,80.1,1.2,63.0,...
 *
 * Columns:
 *   host       the host id, as the agent sends it (required)
 *   timestamp  the sample's time (or `time`; the forms models/csv.ts reads)
 *   metrics    the columns named after a host metric (core/host-metrics.ts); a model vigil can
 *              publish for the agent needs all of them (FLEET_REQUIRED_COLUMNS)
 *   tags       every other column: a string label of the host (env, role, az), kept, not trained on
 * Rows of different hosts may interleave; each host's rows are kept in file order (the feature
 * pipeline handles the odd clock step back). Each host's features are computed with a pipeline of
 * its own, as its agent computes them, and each host's first day (the pipeline's warm-up) is left
 * out of training (features/warm-up.ts).
 */
import { readFileSync } from 'node:fs';
import { HOST_METRICS, METRIC_NAME_PATTERN } from '../core/host-metrics.js';
import { HOST_FEATURE_SET, featureSetFor, type FeatureSet } from '../core/features.js';
import { FeaturePipeline } from '../features/pipeline.js';
import { firstTrainingRow } from '../features/warm-up.js';
import { CsvError, TIME_COLUMN_NAMES, delimiterOf, numberCell, rowCells, splitCells, timestampCell, type MetricCsv } from './csv.js';
import { featureRowsOf } from './csv-features.js';

/** The column that names each row's host. */
export const HOST_COLUMN = 'host';

/** The columns of a fleet file from which a model vigil can publish for the agent is trained. */
export const FLEET_REQUIRED_COLUMNS: readonly string[] = [HOST_COLUMN, 'timestamp', ...HOST_METRICS];

export interface FleetHost {
  readonly host: string;
  /** The host's tags, as its first row gives them (empty cells left out). */
  readonly tags: Readonly<Record<string, string>>;
  /** The host's rows, in file order, with the fleet's metric columns. */
  readonly history: MetricCsv;
}

export interface FleetCsv {
  /** Host-metric columns, in file order. */
  readonly metrics: readonly string[];
  /** Tag columns, in file order. */
  readonly tagNames: readonly string[];
  /** Hosts in order of their first row. */
  readonly hosts: readonly FleetHost[];
}

/** Whether a CSV header line names a host column: the file is a fleet file. */
export function isFleetHeader(headerLine: string): boolean {
  const delimiter = delimiterOf(headerLine);
  return splitCells(headerLine, delimiter).some((cell) => cell.trim().toLowerCase() === HOST_COLUMN);
}

/** Whether the file at `path` is a fleet file (its first non-empty line names a host column). */
export function isFleetFile(path: string): boolean {
  const text = readText(path);
  const header = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/, 2000)
    .find((l) => l.trim() !== '' && !/^"?sep=/i.test(l.trim()));
  return header !== undefined && isFleetHeader(header);
}

export function readFleetCsv(path: string): FleetCsv {
  return parseFleetCsv(readText(path), path);
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}: check the path`, { cause: error });
  }
}

interface HostRows {
  tags: Record<string, string>;
  timestamps: number[];
  timestampText: string[];
  values: number[][];
}

/** Parses a fleet CSV; `file` names the source in errors. */
export function parseFleetCsv(text: string, file = '(csv)'): FleetCsv {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0)
    throw new CsvError(file, 1, 'the file is empty', `write a header such as \`${FLEET_REQUIRED_COLUMNS.join(',')}\` and one row per sample`);
  const declared = /^"?sep=([,;\t|])"?$/i.exec(lines[headerIndex]!.trim())?.[1];
  if (declared !== undefined) headerIndex = lines.findIndex((l, i) => i > headerIndex && l.trim() !== '');
  if (headerIndex < 0) throw new CsvError(file, 2, 'the file has a `sep=` line but no header', 'write the header below it');
  const delimiter = declared ?? delimiterOf(lines[headerIndex]!);
  const header = splitCells(lines[headerIndex]!, delimiter).map((h) => h.trim());
  const headerLine = headerIndex + 1;
  const hostColumn = header.findIndex((h) => h.toLowerCase() === HOST_COLUMN);
  if (hostColumn < 0)
    throw new CsvError(file, headerLine, `no "${HOST_COLUMN}" column in the header (${header.join(',')})`, 'name the column of host ids `host`');
  const timeColumn = TIME_COLUMN_NAMES.map((name) => header.findIndex((h) => h.toLowerCase() === name)).find((i) => i >= 0) ?? -1;
  if (timeColumn < 0)
    throw new CsvError(file, headerLine, `no timestamp column in the header (${header.join(',')})`, 'call the column of sample times `timestamp`');
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw new CsvError(file, headerLine, `column "${name}" appears twice`, 'give every column its own name');
    seen.add(name);
  }
  const hostMetrics: readonly string[] = HOST_METRICS;
  const metricColumns = header.flatMap((h, i) => (hostMetrics.includes(h) ? [i] : []));
  if (metricColumns.length === 0) {
    throw new CsvError(
      file,
      headerLine,
      `no host-metric column in the header (${header.join(',')})`,
      `name the metric columns as the agent does: ${HOST_METRICS.join(', ')} (every other column is read as a tag)`,
    );
  }
  const tagColumns = header.flatMap((h, i) => (i !== hostColumn && i !== timeColumn && !metricColumns.includes(i) ? [i] : []));
  for (const i of tagColumns) {
    if (!METRIC_NAME_PATTERN.test(header[i]!)) {
      throw new CsvError(
        file,
        headerLine,
        `column "${header[i]}" is neither a host metric (${HOST_METRICS.join(', ')}) nor a valid tag name`,
        'name tags in lower snake case (e.g. `env`), and metrics as the agent does',
      );
    }
  }

  const byHost = new Map<string, HostRows>();
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const line = i + 1;
    const cells = rowCells(raw, delimiter, header, file, line);
    const host = cells[hostColumn]!.trim();
    if (host === '') throw new CsvError(file, line, 'the host cell is empty', 'give every row the id of its host');
    const t = timestampCell(cells[timeColumn]!, file, line);
    let rows = byHost.get(host);
    if (!rows) {
      const tags: Record<string, string> = {};
      for (const c of tagColumns) if (cells[c]!.trim() !== '') tags[header[c]!] = cells[c]!.trim();
      rows = { tags, timestamps: [], timestampText: [], values: metricColumns.map(() => []) };
      byHost.set(host, rows);
    }
    rows.timestamps.push(t);
    rows.timestampText.push(cells[timeColumn]!.trim());
    metricColumns.forEach((c, k) => rows.values[k]!.push(numberCell(cells[c]!, delimiter, header[c]!, file, line)));
  }
  if (byHost.size === 0) throw new CsvError(file, headerLine + 1, 'the file has a header but no rows', 'add one row per host and sample below the header');
  const metrics = metricColumns.map((c) => header[c]!);
  return {
    metrics,
    tagNames: tagColumns.map((c) => header[c]!),
    hosts: [...byHost].map(([host, rows]) => ({
      host,
      tags: rows.tags,
      history: {
        timestamps: rows.timestamps,
        timestampText: rows.timestampText,
        metrics: [...metrics],
        columns: Object.fromEntries(metrics.map((m, k) => [m, Float64Array.from(rows.values[k]!)])),
      },
    })),
  };
}

/** The feature set a fleet file trains: the agent's when it has every host metric, else one for its metrics. */
export function fleetFeatureSet(fleet: FleetCsv): FeatureSet {
  return fleet.metrics.length === HOST_FEATURE_SET.metrics.length ? HOST_FEATURE_SET : featureSetFor(fleet.metrics);
}

/**
 * Training rows of a fleet: each host's rows through a feature pipeline of its own (as its agent
 * computes them), each host's warm-up day left out (features/warm-up.ts).
 */
export function fleetTrainingRows(fleet: FleetCsv, featureSet: FeatureSet, onRow?: (done: number) => void): Float64Array[] {
  const rows: Float64Array[] = [];
  let done = 0;
  for (const { history } of fleet.hosts) {
    const hostRows = featureRowsOf(history, new FeaturePipeline(featureSet), (n) => onRow?.(done + n));
    done += history.timestamps.length;
    const first = firstTrainingRow(history.timestamps);
    for (let i = first; i < hostRows.length; i++) rows.push(hostRows[i]!);
  }
  onRow?.(done);
  return rows;
}

/** Rows of the whole fleet. */
export function fleetRowCount(fleet: FleetCsv): number {
  return fleet.hosts.reduce((n, h) => n + h.history.timestamps.length, 0);
}

/** One sample of a host, as a fleet file holds it. */
export interface FleetRow {
  readonly host: string;
  /** Epoch ms. */
  readonly t: number;
  readonly tags?: Readonly<Record<string, string>>;
  /** Metric -> value; a missing metric is an empty cell. */
  readonly values: Readonly<Record<string, number>>;
}

/** The header line of a fleet file with these tag columns and metric columns (default: every host metric). */
export function fleetCsvHeader(tagNames: readonly string[] = [], metrics: readonly string[] = HOST_METRICS): string {
  return [HOST_COLUMN, 'timestamp', ...tagNames, ...metrics].join(',');
}

/** One line of a fleet file, its columns as fleetCsvHeader names them; values as JavaScript writes them (exact round trip). */
export function fleetCsvLine(row: FleetRow, tagNames: readonly string[] = [], metrics: readonly string[] = HOST_METRICS): string {
  const cells = [quoteCell(row.host), new Date(row.t).toISOString(), ...tagNames.map((k) => quoteCell(row.tags?.[k] ?? ''))];
  for (const m of metrics) {
    const v = row.values[m];
    cells.push(v === undefined || !Number.isFinite(v) ? '' : String(v));
  }
  return cells.join(',');
}

function quoteCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
