/**
 * `vigil export --source archive` over the wire (local AWS endpoint): archive objects as the
 * scoring function writes them, read back as a fleet CSV for the range, hosts and tags asked for,
 * each sample once although it was archived twice.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { archiveObjectKey, encodeArchiveObject } from '../../core/archive.js';
import { awsClientSettings } from '../../core/aws.js';
import { FEATURE_SET_VERSION, HOST_FEATURE_SET } from '../../core/features.js';
import { HOST_METRICS } from '../../core/host-metrics.js';
import type { ScoredSample } from '../../core/scored-sample.js';
import { fleetCsvHeader } from '../../models/fleet-csv.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { runVigil, type CliRun } from '../vigil-cli.js';
import { scoredSample } from '../scored-sample.js';

useLocalAws();
const DAY = Date.UTC(2026, 10, 20);
let s3: S3Client;
let bucket: string;

const vigil = (...args: string[]): Promise<CliRun> => runVigil(args);

const sample = (host: string, seq: number, time: number, env: string): ScoredSample =>
  scoredSample({ host, seq, time, tags: { env }, metrics: Object.fromEntries(HOST_METRICS.map((m, i) => [m, seq + i / 10])) });

async function put(day: string, first: string, last: string, samples: ScoredSample[]): Promise<void> {
  const width = HOST_FEATURE_SET.names.length;
  const body = encodeArchiveObject(samples, new Float32Array(samples.length * width), width, FEATURE_SET_VERSION);
  const key = archiveObjectKey({ prefix: 'archive', day, shardId: 'shardId-000000000000', firstSequence: first, lastSequence: last });
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

beforeAll(async () => {
  s3 = new S3Client(awsClientSettings());
  bucket = uniqueName('export-archive');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await put('2026-11-20', '100', '102', [
    sample('web-1', 1, DAY + 1000, 'prod'),
    sample('db-1', 1, DAY + 1000, 'test'),
    sample('web-1', 2, DAY + 11_000, 'prod'),
  ]);
  // Delivered again from its second record (another sink failed): web-1 seq 2 is archived twice.
  await put('2026-11-20', '102', '104', [sample('web-1', 2, DAY + 11_000, 'prod'), sample('web-1', 3, DAY + 21_000, 'prod')]);
  await put('2026-11-21', '105', '105', [sample('web-1', 4, DAY + 86_400_000 + 1000, 'prod')]);
});

describe('vigil export --source archive', () => {
  it('writes the archived samples of the range as a fleet CSV, each once, filtered by host and tags', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'vigil-export-')), 'fleet.csv');
    const run = await vigil(
      'export',
      '--source',
      'archive',
      '--bucket',
      bucket,
      '--since',
      '2d',
      '--until',
      '2026-11-22T00:00:00Z',
      '--tags',
      'env=prod',
      '--out',
      out,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('4 rows of 1 hosts');
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(fleetCsvHeader(['env']));
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 4))).toEqual([
      ['web-1', '2026-11-20T00:00:01.000Z', 'prod', '1'],
      ['web-1', '2026-11-20T00:00:11.000Z', 'prod', '2'],
      ['web-1', '2026-11-20T00:00:21.000Z', 'prod', '3'],
      ['web-1', '2026-11-21T00:00:01.000Z', 'prod', '4'],
    ]);

    const one = await vigil(
      'export',
      '--source',
      'archive',
      '--bucket',
      bucket,
      '--since',
      '1d',
      '--until',
      '2026-11-21T00:00:00Z',
      '--hosts',
      'db-1',
      '--out',
      out,
    );
    expect(one.code).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n').slice(1)).toEqual([
      `db-1,2026-11-20T00:00:01.000Z,${HOST_METRICS.map((_, i) => String(1 + i / 10)).join(',')}`,
    ]);
  });

  it('says what to give when the bucket is missing or the range holds nothing', async () => {
    const noBucket = await vigil('export', '--source', 'archive', '--out', '/dev/null');
    expect(noBucket.code).not.toBe(0);
    expect(noBucket.stderr).toContain('--source archive needs --bucket');
    const empty = await vigil(
      'export',
      '--source',
      'archive',
      '--bucket',
      bucket,
      '--since',
      '1d',
      '--until',
      '2026-01-02T00:00:00Z',
      '--out',
      '/tmp/never.csv',
    );
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toMatch(/no data for .*check the range, --bucket and --prefix/);
  });
});
