import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMetricCsv, parseTimestamp, readMetricCsv } from '../../models/csv.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-csv-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('readMetricCsv', () => {
  it('reads timestamp,<metric>... with several metrics', () => {
    const csv = readMetricCsv(file('multi.csv', 'timestamp,cpu_pct,mem_used_pct\n2026-01-05T10:00:00Z,12.5,40\n2026-01-05T10:01:00Z,13,41.25\n'));
    expect(csv.metrics).toEqual(['cpu_pct', 'mem_used_pct']);
    expect(csv.timestamps).toEqual([Date.UTC(2026, 0, 5, 10, 0), Date.UTC(2026, 0, 5, 10, 1)]);
    expect([...csv.columns.cpu_pct!]).toEqual([12.5, 13]);
    expect([...csv.columns.mem_used_pct!]).toEqual([40, 41.25]);
  });

  it('reads the timestamp,value and timestamp,cpu_usage formats with naive UTC times and CRLF', () => {
    const nab = readMetricCsv(file('nab.csv', 'timestamp,value\r\n2014-04-01 00:00:00,-21.04\r\n2014-04-01 00:05:00,1e3\r\n'));
    expect(nab.metrics).toEqual(['value']);
    expect(nab.timestamps).toEqual([Date.UTC(2014, 3, 1, 0, 0), Date.UTC(2014, 3, 1, 0, 5)]);
    expect([...nab.columns.value!]).toEqual([-21.04, 1000]);
    const old = readMetricCsv(file('old.csv', 'timestamp,cpu_usage\n1767607200,55\n'));
    expect(old.metrics).toEqual(['cpu_usage']);
    expect(old.timestamps).toEqual([1767607200_000]);
  });

  it('reads empty cells and NaN as missing values', () => {
    const csv = parseMetricCsv('timestamp,a,b\n2026-01-05 00:00,,1\n2026-01-05 00:01,NaN,2\n');
    expect([...csv.columns.a!].every(Number.isNaN)).toBe(true);
    expect([...csv.columns.b!]).toEqual([1, 2]);
  });

  it('names file, line and fix for an empty file or a header without rows', () => {
    expect(() => readMetricCsv(file('empty.csv', ''))).toThrow(/empty\.csv:1: the file is empty: write a header/);
    expect(() => readMetricCsv(file('header.csv', 'timestamp,value\n'))).toThrow(/header\.csv:2: the file has a header but no rows/);
    expect(() => readMetricCsv(join(dir, 'absent.csv'))).toThrow(/cannot read .*absent\.csv.*check the path/);
  });

  it('names file, line and fix for missing columns', () => {
    expect(() => readMetricCsv(file('nots.csv', 'when,value\n1,2\n'))).toThrow(
      /nots\.csv:1: no timestamp column in the header \(when,value\): name the column that holds the times \(--timestamp-column NAME\), or call it `timestamp` or `time`/,
    );
    expect(() => readMetricCsv(file('nometric.csv', 'timestamp\n1\n'))).toThrow(/nometric\.csv:1: no metric column/);
    expect(() => readMetricCsv(file('short.csv', 'timestamp,a,b\n2026-01-05 00:00,1,2\n2026-01-05 00:01,1\n'))).toThrow(
      /short\.csv:3: 2 fields where the header has 3/,
    );
    expect(() => readMetricCsv(file('dup.csv', 'timestamp,a,a\n1,2,3\n'))).toThrow(/dup\.csv:1: column "a" appears twice/);
    expect(() => readMetricCsv(file('name.csv', 'timestamp,CPU Usage\n1,2\n'))).toThrow(
      /name\.csv:1: column name "CPU Usage" is not a valid metric name: use lower snake case/,
    );
  });

  it('names file, line and fix for an unparsable timestamp', () => {
    expect(() => readMetricCsv(file('ts.csv', 'timestamp,value\n2026-01-05 00:00,1\nyesterday,2\n'))).toThrow(
      /ts\.csv:3: unparsable timestamp "yesterday": use ISO 8601/,
    );
    expect(() => readMetricCsv(file('feb.csv', 'timestamp,value\n2026-02-31 00:00,1\n'))).toThrow(/feb\.csv:2: unparsable timestamp "2026-02-31 00:00"/);
  });

  it('names file, line, column and fix for a non-numeric value', () => {
    expect(() => readMetricCsv(file('num.csv', 'timestamp,a,b\n2026-01-05 00:00,1,2\n\n2026-01-05 00:01,1,high\n'))).toThrow(
      /num\.csv:4: non-numeric value "high" in column b: write a number/,
    );
  });

  it('parses the accepted timestamp forms', () => {
    expect(parseTimestamp('2026-01-05T10:00:00+02:00')).toBe(Date.UTC(2026, 0, 5, 8));
    expect(parseTimestamp('2026-01-05T10:00:00.250Z')).toBe(Date.UTC(2026, 0, 5, 10, 0, 0, 250));
    expect(parseTimestamp('2026-01-05 10:00')).toBe(Date.UTC(2026, 0, 5, 10));
    expect(parseTimestamp('2026-01-05')).toBe(Date.UTC(2026, 0, 5));
    expect(parseTimestamp('1767607200000')).toBe(1767607200000);
    expect(parseTimestamp('2026-13-01 00:00')).toBeUndefined();
    expect(parseTimestamp('-5')).toBeUndefined();
  });

  it('reads a file without timestamps on a fixed clock: headerless columns are numbered, a header names them', () => {
    const clock = { startMs: Date.UTC(2019, 0, 1), intervalMs: 60_000 };
    const bare = readMetricCsv(file('bare.txt', '0.5,1\n0.25,\n0.75,3\n'), clock);
    expect(bare.metrics).toEqual(['m1', 'm2']);
    expect(bare.timestamps).toEqual([0, 1, 2].map((i) => Date.UTC(2019, 0, 1, 0, i)));
    expect(bare.timestampText[1]).toBe('2019-01-01T00:01:00.000Z');
    expect([...bare.columns.m2!]).toEqual([1, NaN, 3]);
    const named = readMetricCsv(file('named.txt', 'cpu_pct,mem_used_pct\n1,2\n'), clock);
    expect(named.metrics).toEqual(['cpu_pct', 'mem_used_pct']);
    expect(named.timestamps).toEqual([clock.startMs]);
  });

  it('names the interval as the fix for a file without a timestamp column, and refuses both at once', () => {
    expect(() => readMetricCsv(file('no-time.txt', '0.5,1\n'))).toThrow(
      /no-time\.txt:1: no timestamp column in the header \(0\.5,1\).*give the interval \(--interval-seconds\)/,
    );
    expect(() => readMetricCsv(file('both.csv', 'timestamp,cpu_pct\n2026-01-05T10:00:00Z,1\n'), { startMs: 0, intervalMs: 1000 })).toThrow(
      /both\.csv:1: the file has a timestamp column and a fixed interval was given too/,
    );
  });

  it("reads Grafana's CSV export: quoted header, a Time column, local times without a zone", () => {
    const csv = readMetricCsv(file('grafana.csv', '"Time","cpu"\n2026-01-05 10:00:00,12.5\n2026-01-05 10:00:10,13\n'));
    expect(csv.metrics).toEqual(['cpu']);
    expect(csv.timestamps).toEqual([Date.UTC(2026, 0, 5, 10, 0, 0), Date.UTC(2026, 0, 5, 10, 0, 10)]);
    expect(csv.timestampText).toEqual(['2026-01-05 10:00:00', '2026-01-05 10:00:10']);
    const epoch = parseMetricCsv('Time,cpu\n1767607200000,1\n');
    expect(epoch.timestamps).toEqual([1767607200_000]);
  });

  it('detects the delimiter (semicolon with decimal commas, tab, pipe, a sep= line)', () => {
    const semicolon = parseMetricCsv('timestamp;cpu;mem\n2026-01-05 10:00;12,5;40\n2026-01-05 10:01;13;41,25\n');
    expect(semicolon.metrics).toEqual(['cpu', 'mem']);
    expect([...semicolon.columns.cpu!]).toEqual([12.5, 13]);
    expect([...semicolon.columns.mem!]).toEqual([40, 41.25]);
    expect([...parseMetricCsv('time\tcpu\n2026-01-05 10:00\t7\n').columns.cpu!]).toEqual([7]);
    expect([...parseMetricCsv('time|cpu\n2026-01-05 10:00|7\n').columns.cpu!]).toEqual([7]);
    const declared = parseMetricCsv('sep=;\n"Time";"cpu"\n2026-01-05 10:00;1,5\n');
    expect([...declared.columns.cpu!]).toEqual([1.5]);
    // Commas stay thousands-free decimal points in comma files: a comma there splits cells.
    expect(() => parseMetricCsv('timestamp,cpu\n2026-01-05 10:00,1,5\n', 'c.csv')).toThrow(/c\.csv:2: 3 fields where the header has 2/);
  });

  it('takes the time column the caller names, and names it when the header lacks it', () => {
    const csv = parseMetricCsv('host_time,cpu,time_spent\n2026-01-05 10:00,1,2\n', 'x.csv', undefined, { timestampColumn: 'host_time' });
    expect(csv.metrics).toEqual(['cpu', 'time_spent']);
    expect(csv.timestamps).toEqual([Date.UTC(2026, 0, 5, 10, 0)]);
    expect(parseMetricCsv('When,cpu\n2026-01-05 10:00,1\n', 'x.csv', undefined, { timestampColumn: 'when' }).metrics).toEqual(['cpu']);
    expect(() => parseMetricCsv('timestamp,cpu\n2026-01-05 10:00,1\n', 'x.csv', undefined, { timestampColumn: 'ts' })).toThrow(
      'x.csv:1: no column named "ts" in the header (timestamp,cpu): give the name of the column that holds the times, as the header writes it',
    );
  });
});
