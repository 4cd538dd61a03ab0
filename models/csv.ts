/**
 * Reading metric history from CSV: a header `timestamp,<metric>...` (also the `timestamp,value` and
 * `timestamp,cpu_usage` files of older tools, and Grafana's CSV export `"Time","cpu"`), one row per
 * sample, in time order. The time column is the one named `timestamp` or `time` (any case), or the
 * one the caller names. The delimiter is what the header is split by: `,`, `;`, tab or `|` (the most
 * frequent of them in the header line; a first line `sep=;`, as spreadsheet exports write, says it).
 * In a file not separated by commas, a value such as `12,5` is read with a decimal comma.
 * Timestamps: ISO 8601 (`2026-01-05T10:00:00Z`, with an offset, or without a zone = UTC),
 * `YYYY-MM-DD HH:MM[:SS]` (UTC), or epoch seconds / milliseconds. Rows stay in file order. An empty cell, `NaN` or `null`
 * is a missing value (the feature pipeline imputes it); any other non-number is an error.
 * Every error names the file, the line and how to fix it.
 *
 * Files without timestamps (one row per sample at a fixed interval, as exported by many tools and
 * data sets) are read with a clock: row i is at clock.startMs + i x clock.intervalMs. Their first
 * line is either a header of metric names or, when every cell is a number, already data: the
 * columns are then numbered m1, m2, ... in file order.
 */
import { readFileSync } from 'node:fs';
import { METRIC_NAME_PATTERN } from '../core/host-metrics.js';

export interface MetricCsv {
  /** Epoch milliseconds, one per row, in file order (real exports have the odd clock step back; the pipeline handles it). */
  readonly timestamps: number[];
  /** The timestamp cells as written, so outputs can echo them unchanged. */
  readonly timestampText: string[];
  /** Metric columns in file order. */
  readonly metrics: string[];
  /** Values per metric, one per row; NaN where the file has no value. */
  readonly columns: Record<string, Float64Array>;
}

export class CsvError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    problem: string,
    fix: string,
  ) {
    super(`${file}:${line}: ${problem}: ${fix}`);
    this.name = 'CsvError';
  }
}

/** Times for a file without a timestamp column: row i is at startMs + i x intervalMs. */
export interface RowClock {
  readonly startMs: number;
  readonly intervalMs: number;
}

/** Name of the 1-based column k of a file without a header. */
export const numberedColumn = (k: number): string => `m${k}`;

/** How to read a file beyond its clock. */
export interface CsvOptions {
  /** The name of the time column; default: the column named `timestamp` or `time` (any case). */
  readonly timestampColumn?: string;
}

/** Names a time column has when the caller names none, in order of preference (compared in lower case). */
export const TIME_COLUMN_NAMES = ['timestamp', 'time'] as const;

export function readMetricCsv(path: string, clock?: RowClock, options: CsvOptions = {}): MetricCsv {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}: check the path`, { cause: error });
  }
  return parseMetricCsv(text, path, clock, options);
}

/** Cells (lower case) that mean a missing value. */
export const MISSING = new Set(['', 'nan', 'null', 'na']);

/** Parses CSV text; `file` names the source in errors. */
export function parseMetricCsv(text: string, file = '(csv)', clock?: RowClock, options: CsvOptions = {}): MetricCsv {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let firstIndex = lines.findIndex((l) => l.trim() !== '');
  if (firstIndex < 0) throw new CsvError(file, 1, 'the file is empty', 'write a header such as `timestamp,cpu_pct` and one row per sample');
  const declared = SEPARATOR_LINE.exec(lines[firstIndex]!.trim())?.[1];
  if (declared !== undefined) {
    firstIndex = lines.findIndex((l, i) => i > firstIndex && l.trim() !== '');
    if (firstIndex < 0) throw new CsvError(file, 2, 'the file has a `sep=` line but no header', 'write a header such as `timestamp,cpu_pct` below it');
  }
  const delimiter = declared ?? delimiterOf(lines[firstIndex]!);
  const splitRow = (line: string): string[] => splitCells(line, delimiter);
  const firstCells = splitRow(lines[firstIndex]!).map((h) => h.trim());
  // Without a clock every file has a header; with one, an all-numeric first line is data.
  const headerless = clock !== undefined && firstCells.every((cell) => MISSING.has(cell.toLowerCase()) || !Number.isNaN(Number(cell)));
  const headerIndex = headerless ? firstIndex - 1 : firstIndex;
  const headerLine = headerIndex + 1;
  const header = headerless ? firstCells.map((_, k) => numberedColumn(k + 1)) : firstCells;
  const timeColumn = timeColumnOf(header, options.timestampColumn, clock !== undefined);
  if (options.timestampColumn !== undefined && timeColumn < 0) {
    throw new CsvError(
      file,
      headerLine,
      `no column named "${options.timestampColumn}" in the header (${header.join(',')})`,
      'give the name of the column that holds the times, as the header writes it',
    );
  }
  if (clock && timeColumn >= 0) {
    throw new CsvError(
      file,
      headerLine,
      'the file has a timestamp column and a fixed interval was given too',
      "leave out the interval to use the file's timestamps",
    );
  }
  if (!clock && timeColumn < 0) {
    throw new CsvError(
      file,
      headerLine,
      `no timestamp column in the header (${header.join(delimiter)})`,
      'name the column that holds the times (--timestamp-column NAME), or call it `timestamp` or `time`; for a file with one row per sample at a fixed interval and no timestamps, give the interval (--interval-seconds)',
    );
  }
  const metrics = header.filter((_, i) => i !== timeColumn);
  if (metrics.length === 0) throw new CsvError(file, headerLine, 'no metric column in the header', 'add at least one metric column, e.g. `timestamp,value`');
  const seen = new Set<string>();
  for (const m of metrics) {
    if (!METRIC_NAME_PATTERN.test(m)) {
      throw new CsvError(
        file,
        headerLine,
        `column name "${m}" is not a valid metric name`,
        'use lower snake case names of 1-63 letters, digits and _ starting with a letter, e.g. `cpu_pct`',
      );
    }
    if (seen.has(m)) throw new CsvError(file, headerLine, `column "${m}" appears twice`, 'give every column its own name');
    seen.add(m);
  }

  const timestamps: number[] = [];
  const timestampText: string[] = [];
  const values: number[][] = metrics.map(() => []);
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const line = i + 1;
    const cells = rowCells(raw, delimiter, header, file, line);
    if (clock) {
      const t = clock.startMs + timestamps.length * clock.intervalMs;
      timestamps.push(t);
      timestampText.push(new Date(t).toISOString());
    } else {
      const t = timestampCell(cells[timeColumn]!, file, line);
      timestamps.push(t);
      timestampText.push(cells[timeColumn]!.trim());
    }
    let k = 0;
    for (let c = 0; c < cells.length; c++) {
      if (c === timeColumn) continue;
      values[k++]!.push(numberCell(cells[c]!, delimiter, header[c]!, file, line));
    }
  }
  if (timestamps.length === 0) throw new CsvError(file, headerLine + 1, 'the file has a header but no rows', 'add one row per sample below the header');
  return {
    timestamps,
    timestampText,
    metrics,
    columns: Object.fromEntries(metrics.map((m, k) => [m, Float64Array.from(values[k]!)])),
  };
}

/** The time column: the one named (exactly, else in any case), else the first of TIME_COLUMN_NAMES there; -1 when none. */
function timeColumnOf(header: readonly string[], named: string | undefined, hasClock: boolean): number {
  if (named !== undefined) {
    const exact = header.indexOf(named);
    return exact >= 0 ? exact : header.findIndex((h) => h.toLowerCase() === named.toLowerCase());
  }
  // With a clock only `timestamp` counts as a time column: `time` may be a metric of a file without timestamps.
  for (const name of hasClock ? ['timestamp'] : TIME_COLUMN_NAMES) {
    const i = header.findIndex((h) => h.toLowerCase() === name);
    if (i >= 0) return i;
  }
  return -1;
}

/** `sep=;` (or another delimiter) as the first line: how spreadsheet exports declare the delimiter. */
const SEPARATOR_LINE = /^"?sep=([,;\t|])"?$/i;
const DELIMITERS = [',', ';', '\t', '|'] as const;
/** A number written with a decimal comma (files separated by something else than a comma). */
const DECIMAL_COMMA = /^[+-]?\d+,\d+$/;

/** The delimiter the header line uses most, outside quotes; a comma when it has none (one column). */
export function delimiterOf(headerLine: string): string {
  const unquoted = headerLine.replace(/"[^"]*"/g, '');
  let best: string = ',';
  let most = 0;
  for (const d of DELIMITERS) {
    const n = unquoted.split(d).length - 1;
    if (n > most) [best, most] = [d, n];
  }
  return best;
}

/** Splits one CSV row at `delimiter`; fields may be double-quoted (with "" for a quote). */
export function splitCells(line: string, delimiter: string): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

const NAIVE_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?$/;
const ZONED = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Epoch ms of a timestamp cell, or undefined when it is not one of the accepted forms. */
/** A data row's cells; a CsvError naming the line when it has not one cell per header column. */
export function rowCells(raw: string, delimiter: string, header: readonly string[], file: string, line: number): string[] {
  const cells = splitCells(raw, delimiter);
  if (cells.length !== header.length) {
    throw new CsvError(
      file,
      line,
      `${cells.length} fields where the header has ${header.length} (${header.join(',')})`,
      'give every row one value per header column (leave a cell empty for a missing value)',
    );
  }
  return cells;
}

/**
 * A value cell as a number, NaN where it is missing (empty, nan, null, na); a decimal comma reads as
 * a point where the delimiter is not a comma. A CsvError naming the cell and column when it is neither.
 */
export function numberCell(raw: string, delimiter: string, column: string, file: string, line: number): number {
  let cell = raw.trim();
  if (MISSING.has(cell.toLowerCase())) return NaN;
  if (delimiter !== ',' && DECIMAL_COMMA.test(cell)) cell = cell.replace(',', '.');
  const v = Number(cell);
  if (Number.isNaN(v)) {
    throw new CsvError(
      file,
      line,
      `non-numeric value "${cell}" in column ${column}`,
      'write a number (e.g. 42.5), or leave the cell empty for a missing value',
    );
  }
  return v;
}

/** The epoch ms of a row's timestamp cell; a CsvError naming the file, line and the formats read when it is none of them. */
export function timestampCell(cell: string, file: string, line: number): number {
  const t = parseTimestamp(cell.trim());
  if (t === undefined) {
    throw new CsvError(
      file,
      line,
      `unparsable timestamp "${cell}"`,
      'use ISO 8601 (2026-01-05T10:00:00Z), `YYYY-MM-DD HH:MM:SS` (UTC) or epoch seconds/milliseconds',
    );
  }
  return t;
}

export function parseTimestamp(cell: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(cell)) {
    const n = Number(cell);
    // Epoch seconds until the year 5138; larger numbers are milliseconds.
    return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
  }
  const naive = NAIVE_DATE_TIME.exec(cell);
  if (naive) {
    const [, y, mo, d, h, mi, s, ms] = naive;
    const month = Number(mo);
    const day = Number(d);
    if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) return undefined;
    const t = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s ?? 0), Number((ms ?? '0').padEnd(3, '0')));
    // Date.UTC rolls 31 February over into March: reject dates that do not exist.
    return new Date(t).getUTCDate() === day ? t : undefined;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(cell)) return parseTimestamp(`${cell} 00:00`);
  if (ZONED.test(cell)) {
    const t = Date.parse(cell.replace(' ', 'T'));
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}
