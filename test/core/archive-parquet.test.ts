/**
 * The archive's Parquet objects (core/archive.ts on core/parquet/) read back by our reader and by
 * pyarrow, the reference reader of the format (in the project's .venv, scripts/setup.sh): every
 * column, maps with and without entries, a null metric, 2^40 sequence numbers, non-ASCII tags,
 * dictionaries past 256 entries and level runs both RLE and bit-packed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ARCHIVE_COLUMNS, encodeArchiveObject, parseArchiveObject } from '../../core/archive.js';
import { readParquet } from '../../core/parquet/read.js';
import { RunBuilder } from '../../core/parquet/write.js';
import type { ScoredSample } from '../../core/scored-sample.js';

const PYTHON = join(import.meta.dirname, '../../.venv/bin/python');
const dir = mkdtempSync(join(tmpdir(), 'vigil-parquet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WIDTH = 5;
const T0 = Date.UTC(2026, 11, 1);

function samples(n: number): { list: ScoredSample[]; features: Float32Array } {
  const list: ScoredSample[] = [];
  const features = new Float32Array(n * WIDTH);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < WIDTH; k++) features[i * WIDTH + k] = Math.fround(Math.sin(i * 31 + k) * 1e3);
    list.push({
      host: i < 300 ? `host-${i}` : 'web-1', // 300 distinct hosts: dictionary indices 9 bits wide
      tags: i % 3 === 0 ? {} : { env: 'prod', team: `say "hi" \u00e9\u6f22 ${i % 2}` },
      seq: 2 ** 40 + i,
      time: T0 + i * 10_000,
      metrics: i % 50 === 7 ? {} : { cpu_pct: i * 0.1, mem_used_pct: i % 5 === 0 ? Number.NaN : -0.25, net_rx_bytes: 123456789.5 },
      score: 0.41234567 + i,
      anomaly: i % 7 === 0,
      severity: i % 7 === 0 ? 'high' : 'normal',
      confidence: i / n,
      topMetric: i % 2 ? 'cpu_pct' : 'mem_used_pct',
      rankedMetrics: [],
      modelVersion: 'v"2"',
      recordVersion: 1,
    });
  }
  return { list, features };
}

/** pyarrow's reading of a file, as JSON (NaN as null, as Parquet stores it). */
function pyarrowRows(bytes: Uint8Array): { schema: string; rows: Record<string, unknown>[] } {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.parquet`);
  writeFileSync(file, bytes);
  const script = [
    'import json, sys, pyarrow.parquet as pq',
    't = pq.read_table(sys.argv[1])',
    'print(json.dumps({"schema": str(t.schema), "rows": t.to_pylist()}))',
  ].join('\n');
  return JSON.parse(execFileSync(PYTHON, ['-c', script, file], { encoding: 'utf8', maxBuffer: 64 << 20 })) as {
    schema: string;
    rows: Record<string, unknown>[];
  };
}

describe('archive objects in Parquet', () => {
  it('read back the same by pyarrow and by our reader, every column and edge case', () => {
    const { list, features } = samples(400);
    const bytes = encodeArchiveObject(list, features, WIDTH, 4);
    const ours = parseArchiveObject(bytes, 'test object');
    const theirs = pyarrowRows(bytes);

    expect(theirs.rows).toHaveLength(400);
    expect(theirs.schema).toMatch(/^tags: map<string, string/m);
    expect(theirs.schema).toMatch(/^features: list<element: float not null>/m);
    expect(Object.keys(theirs.rows[0]!)).toEqual(ARCHIVE_COLUMNS.map((c) => c.name));
    list.forEach((s, i) => {
      const expected = {
        host: s.host,
        tags: Object.entries(s.tags),
        seq: s.seq,
        time: s.time,
        metrics: Object.entries(s.metrics).map(([k, v]) => [k, Number.isNaN(v) ? null : v]),
        features: Array.from(features.subarray(i * WIDTH, (i + 1) * WIDTH)),
        feature_set: 4,
        score: s.score,
        anomaly: s.anomaly,
        severity: s.severity,
        confidence: s.confidence,
        top_metric: s.topMetric,
        model_version: s.modelVersion,
      };
      expect(theirs.rows[i]).toEqual(expected);
      const row = ours[i]!;
      expect({
        ...row,
        tags: Object.entries(row.tags),
        metrics: Object.entries(row.metrics).map(([k, v]) => [k, Number.isNaN(v) ? null : v]),
        features: Array.from(row.features),
      }).toEqual(expected);
    });
  });

  it('reads back a batch whose samples all carry one metric list and one tag set, as a usual batch does', () => {
    // 700 rows x 3 metrics: the key indices repeat with a period of 24, over more than one bit-packed run of 504.
    const { list, features } = samples(700);
    const usual = list.map((s, i) => ({ ...s, host: `host-${i % 9}`, tags: { env: 'prod' }, metrics: { a: i, b: -i, c: i / 2 } }));
    const bytes = encodeArchiveObject(usual, features, WIDTH, 4);
    const theirs = pyarrowRows(bytes).rows;
    expect(theirs.map((r) => [r.host, r.tags, r.metrics])).toEqual(
      usual.map((s) => [
        s.host,
        [['env', 'prod']],
        [
          ['a', s.metrics.a],
          ['b', s.metrics.b],
          ['c', s.metrics.c],
        ],
      ]),
    );
    expect(parseArchiveObject(bytes).map((r) => [r.host, r.tags, r.metrics])).toEqual(usual.map((s) => [s.host, s.tags, s.metrics]));
  });

  it('writes an object with no tags anywhere and features of width 0', () => {
    const { list } = samples(3);
    const bare = list.map((s) => ({ ...s, tags: {} }));
    const bytes = encodeArchiveObject(bare, new Float32Array(0), 0, 4);
    expect(pyarrowRows(bytes).rows.map((r) => [r.tags, r.features])).toEqual([
      [[], []],
      [[], []],
      [[], []],
    ]);
    expect(parseArchiveObject(bytes).map((r) => r.features.length)).toEqual([0, 0, 0]);
  });

  it('says what is wrong with a body that is not a Parquet file, or a truncated one', () => {
    expect(() => readParquet(Buffer.from('{"host":"a"}\n'), 's3://b/k')).toThrow(/s3:\/\/b\/k: not a Parquet file/);
    const { list, features } = samples(2);
    const bytes = encodeArchiveObject(list, features, WIDTH, 4);
    const damaged = Buffer.concat([bytes.subarray(0, 4), bytes.subarray(bytes.length - 8)]);
    expect(() => readParquet(damaged, 's3://b/k')).toThrow(/s3:\/\/b\/k: footer length \d+ is more than the file holds: the file is truncated/);
  });
});

describe('RunBuilder', () => {
  it('merges equal neighbours and encodes long runs as RLE, short ones bit-packed in whole groups', () => {
    const runs = new RunBuilder();
    runs.push(1, 3);
    runs.push(1, 2);
    runs.push(0);
    runs.push(2, 20);
    expect(runs.count).toBe(26);
    // 1,1,1,1,1,0 then two 2s complete the group of 8 (bit-packed: header 3, 2 bytes at width 2),
    // then an RLE run of the other 18 (header 36, value 2).
    expect(Array.from(runs.encode(2))).toEqual([3, 0b01010101, 0b10100001, 36, 2]);
  });
});
