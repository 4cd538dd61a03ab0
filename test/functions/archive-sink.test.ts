/**
 * The archive sink over the wire against the local S3 endpoint, driven through processKinesisBatch
 * with a real ONNX model: every scored sample lands under its day, shard and sequence range, a batch
 * delivered again writes the same objects over, and a failed write hands the batch back.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { archiveObjectKey, dedupeArchiveRows, parseArchiveObject, type ArchiveRow } from '../../core/archive.js';
import { awsClientSettings } from '../../core/aws.js';
import { FEATURE_SET_VERSION } from '../../core/features.js';
import type { DeadLetter, DeadLetterResult } from '../../functions/score/dead-letter.js';
import type { LoadedModel } from '../../functions/score/model-cache.js';
import { processKinesisBatch, type ScoreDependencies } from '../../functions/score/process-batch.js';
import { ArchiveSink } from '../../functions/sinks/archive.js';
import { createOnnxScorer } from '../../model-store/onnx-scorer.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { encode, FAR_FEATURE, kinesisRecords, quietTools, sample, T0, WIDTH, wireRecord, zscoreModel } from './fixtures.js';

let model: LoadedModel;
let s3: S3Client;
let bucket: string;
const fast = { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 };

beforeAll(async () => {
  useLocalAws();
  s3 = new S3Client(awsClientSettings({ maxAttempts: 1 }));
  bucket = uniqueName('archive');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const { onnx, manifest } = zscoreModel({ version: 'z1', createdAt: new Date(T0) });
  model = { manifest, scorer: await createOnnxScorer(onnx, manifest.featureSet.names.length, 'test'), createdMs: T0 };
});
afterEach(() => vi.restoreAllMocks());

class MemoryQueue {
  readonly letters: DeadLetter[] = [];
  async send(letters: readonly DeadLetter[]): Promise<DeadLetterResult> {
    this.letters.push(...letters);
    return { sent: letters.length, failed: [] };
  }
}

function deps(sink: ArchiveSink, queue = new MemoryQueue()): ScoreDependencies {
  return { models: { current: async () => model }, sinks: [sink], deadLetters: queue, normalResolutionMs: 60_000, ...quietTools() };
}

async function keys(prefix: string): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

async function rows(key: string): Promise<ArchiveRow[]> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return parseArchiveObject(await got.Body!.transformToByteArray(), key);
}

describe('ArchiveSink', () => {
  it('archives every scored sample, normal ones past the storage resolution included, under day / shard / sequence range', async () => {
    const prefix = uniqueName('p');
    const records = kinesisRecords(
      [encode(wireRecord('web-1', [sample(0), sample(1), sample(2, { anomalous: 'cpu_pct' })], { env: 'prod' })), encode(wireRecord('db-1', [sample(0)]))],
      'shardId-000000000007',
    );
    const answer = await processKinesisBatch({ Records: records }, deps(new ArchiveSink({ client: s3, bucket, prefix, retry: fast })));
    expect(answer.batchItemFailures).toEqual([]);

    const key = archiveObjectKey({
      prefix,
      day: '2026-11-21',
      shardId: 'shardId-000000000007',
      firstSequence: records[0]!.kinesis.sequenceNumber,
      lastSequence: records[1]!.kinesis.sequenceNumber,
    });
    expect(await keys(prefix)).toEqual([key]);
    expect(key).toMatch(/^p-[^/]+\/day=2026-11-21\/shardId-000000000007\/\d+-\d+\.parquet$/);
    const archived = await rows(key);
    expect(archived.map((r) => [r.host, r.seq])).toEqual([
      ['web-1', 0],
      ['web-1', 1],
      ['web-1', 2],
      ['db-1', 0],
    ]);
    const anomalous = archived[2]!;
    expect(anomalous).toMatchObject({
      tags: { env: 'prod' },
      time: T0 + 20_000,
      metrics: { cpu_pct: 99, mem_used_pct: 40 },
      feature_set: FEATURE_SET_VERSION,
      anomaly: true,
      top_metric: 'cpu_pct',
      model_version: 'z1',
    });
    expect(anomalous.features).toHaveLength(WIDTH);
    expect(Array.from(anomalous.features.slice(0, 7))).toEqual([...Array<number>(6).fill(FAR_FEATURE), Math.fround(0.1)]);
    expect(anomalous.score).toBeGreaterThan(archived[0]!.score);
    expect(archived[0]!.anomaly).toBe(false);
  });

  it('writes the same object over when the batch is delivered again, and splits a batch across days', async () => {
    const prefix = uniqueName('p');
    const midnight = Date.UTC(2026, 10, 22);
    const records = kinesisRecords([encode(wireRecord('web-1', [sample(0, { t: midnight - 10_000 }), sample(1, { t: midnight })]))]);
    const sink = new ArchiveSink({ client: s3, bucket, prefix, retry: fast });
    await processKinesisBatch({ Records: records }, deps(sink));
    const first = await keys(prefix);
    const firstRows = await Promise.all(first.map(rows));
    await processKinesisBatch({ Records: records }, deps(sink));

    expect(first.map((k) => k.split('/')[1])).toEqual(['day=2026-11-21', 'day=2026-11-22']);
    expect(await keys(prefix)).toEqual(first);
    expect(await Promise.all(first.map(rows))).toEqual(firstRows);
    expect(firstRows.flat().map((r) => r.seq)).toEqual([0, 1]);
  });

  it('hands the batch back from its first record when the archive cannot be written, and counts the failed samples', async () => {
    const added: Record<string, number[]> = {};
    vi.spyOn(Metrics.prototype, 'addMetric').mockImplementation((name: string, _unit: unknown, value: number) => {
      (added[name] ??= []).push(value);
      return undefined as never;
    });
    const records = kinesisRecords([encode(wireRecord('web-1', [sample(0)])), encode(wireRecord('web-2', [sample(0), sample(1)]))]);
    const queue = new MemoryQueue();
    const missing = new ArchiveSink({ client: s3, bucket: uniqueName('no-such-bucket'), prefix: 'archive', retry: fast });
    const answer = await processKinesisBatch({ Records: records }, deps(missing, queue));

    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: records[0]!.kinesis.sequenceNumber }]);
    expect(queue.letters).toEqual([]);
    expect(added.ArchiveSamplesFailed).toEqual([3]);
    expect(added.ArchiveSamplesWritten).toEqual([0]);
  });

  it('refuses a batch without its origin and feature rows (a caller other than prepareBatch)', () => {
    const sink = new ArchiveSink({ client: s3, bucket, prefix: 'archive' });
    expect(() => sink.prepare({ samples: [], store: [], threshold: 1, modelCreatedMs: 0, scoredAt: 0 })).toThrow(/needs the batch origin and feature rows/);
  });
});

describe('archive rows', () => {
  it('keeps one row per host and sequence number when a batch was archived under two ranges', () => {
    const row = (host: string, seq: number, score: number) => ({ host, seq, score });
    expect(dedupeArchiveRows([row('a', 1, 0.1), row('a', 2, 0.2), row('b', 1, 0.3), row('a', 1, 0.9)])).toEqual([
      row('a', 1, 0.1),
      row('a', 2, 0.2),
      row('b', 1, 0.3),
    ]);
  });

  it('names an object that is not an archive object', () => {
    expect(() => parseArchiveObject(Buffer.from('{"host":"a"}\n{oops\n'), 's3://b/k')).toThrow(/s3:\/\/b\/k: not a Parquet file/);
  });
});
