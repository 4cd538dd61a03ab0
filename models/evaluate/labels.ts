/**
 * Labels for evaluation, aligned with the rows of the evaluated CSV:
 *  - NAB windows JSON ({ "<relative path of the file>": [["start", "end"], ...] }), the key chosen
 *    by --labels-key, else the key the input path ends with, else the only key;
 *  - or a CSV with a timestamp column and a 0/1 label column (`label`, `anomaly` or `is_anomaly`),
 *    matched by timestamp (the evaluated CSV itself may carry the label column);
 *  - for an evaluated file without timestamps (read with a RowClock), a file of one 0/1 per row,
 *    with or without a header, read with the same clock.
 */
import { readFileSync } from 'node:fs';
import { parseMetricCsv, parseTimestamp, type MetricCsv, type RowClock } from '../csv.js';
import type { Window } from './metrics.js';

export interface Labels {
  /** 1 where the row is labelled anomalous. */
  readonly perRow: Uint8Array;
  /** Runs of labelled rows (the NAB windows, or runs of 1s in a label column). */
  readonly windows: Window[];
  readonly description: string;
}

export const LABEL_COLUMNS = ['label', 'anomaly', 'is_anomaly'];

export function readLabels(path: string, csv: MetricCsv, inputPath: string, key?: string, clock?: RowClock): Labels {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read labels ${path}: ${(error as Error).message}: check the path`, { cause: error });
  }
  return path.toLowerCase().endsWith('.json') ? windowLabels(text, path, csv, inputPath, key) : columnLabels(text, path, csv, clock);
}

function windowLabels(text: string, path: string, csv: MetricCsv, inputPath: string, key?: string): Labels {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${path} is not valid JSON (${(error as Error).message}): give NAB windows JSON such as {"dir/file.csv": [["2014-04-10 07:15:00", "2014-04-11 16:45:00"]]}`,
      { cause: error },
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`${path}: expected an object keyed by file name, got ${Array.isArray(json) ? 'an array' : typeof json}: give NAB windows JSON`);
  }
  const all = json as Record<string, unknown>;
  const keys = Object.keys(all);
  const normalized = inputPath.replaceAll('\\', '/');
  const chosen = key ?? keys.find((k) => normalized === k || normalized.endsWith(`/${k}`)) ?? (keys.length === 1 ? keys[0] : undefined);
  if (chosen === undefined || !(chosen in all)) {
    throw new Error(
      `${path} has no windows for ${key ?? inputPath} (keys: ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', …' : ''}): pass --labels-key with one of its keys`,
    );
  }
  const entries = all[chosen];
  if (!Array.isArray(entries)) throw new Error(`${path}: "${chosen}" must be a list of [start, end] pairs; got ${typeof entries}`);
  const perRow = new Uint8Array(csv.timestamps.length);
  const windows: Window[] = [];
  entries.forEach((pair: unknown, w) => {
    const [a, b] = Array.isArray(pair) ? pair : [];
    const start = typeof a === 'string' ? parseTimestamp(a.trim()) : undefined;
    const end = typeof b === 'string' ? parseTimestamp(b.trim()) : undefined;
    if (start === undefined || end === undefined || end < start) {
      throw new Error(
        `${path}: window ${w} of "${chosen}" (${JSON.stringify(pair)}) is not a [start, end] pair of timestamps with start <= end: fix that window`,
      );
    }
    let first = -1;
    let last = -1;
    csv.timestamps.forEach((t, i) => {
      if (t >= start && t <= end) {
        perRow[i] = 1;
        if (first < 0) first = i;
        last = i;
      }
    });
    if (first >= 0) windows.push({ start: first, end: last });
  });
  return { perRow, windows, description: `${path} [${chosen}]: ${entries.length} windows` };
}

function columnLabels(text: string, path: string, csv: MetricCsv, clock?: RowClock): Labels {
  const table = parseMetricCsv(text, path, clock);
  const column = LABEL_COLUMNS.find((c) => table.metrics.includes(c)) ?? (table.metrics.length === 1 ? table.metrics[0] : undefined);
  if (column === undefined) {
    throw new Error(`${path}:1: no label column among [${table.metrics.join(', ')}]: name the 0/1 column one of ${LABEL_COLUMNS.join(', ')}`);
  }
  const values = table.columns[column]!;
  const byTime = new Map<number, number>();
  table.timestamps.forEach((t, i) => {
    const v = values[i]!;
    if (v !== 0 && v !== 1)
      throw new Error(
        `${path}:${i + 2}: label ${Number.isNaN(v) ? '(empty)' : v} in column ${column} is not 0 or 1: write 1 for anomalous rows and 0 for normal ones`,
      );
    byTime.set(t, Math.max(v, byTime.get(t) ?? 0));
  });
  const perRow = new Uint8Array(csv.timestamps.length);
  csv.timestamps.forEach((t, i) => {
    const v = byTime.get(t);
    if (v === undefined) {
      throw new Error(
        `${path}: no label for timestamp ${csv.timestampText[i]} (row ${i + 1} of the evaluated file): give every row of the evaluated file a label`,
      );
    }
    perRow[i] = v;
  });
  const windows: Window[] = [];
  for (let i = 0; i < perRow.length; i++) {
    if (!perRow[i]) continue;
    const start = i;
    while (i + 1 < perRow.length && perRow[i + 1]) i++;
    windows.push({ start, end: i });
  }
  return { perRow, windows, description: `${path} (column ${column}): ${windows.length} labelled runs` };
}
