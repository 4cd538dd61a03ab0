/** Reading the archive back over the wire (local S3): sampling by row budget, one shard's whole series, a share of the hosts. */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { archiveObjectKey, encodeArchiveObject } from '../../core/archive.js';
import { awsClientSettings } from '../../core/aws.js';
import { FEATURE_SET_VERSION } from '../../core/features.js';
import type { ScoredSample } from '../../core/scored-sample.js';
import { hostShare, readArchiveDay } from '../../model-store/archive-reader.js';
import { seededRandom } from '../../models/forest/random.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { scoredSample } from '../scored-sample.js';

const DAY = '2026-11-20';
const T = Date.UTC(2026, 10, 20);
let s3: S3Client;
const location = { bucket: '', prefix: 'archive' };
const hostsOf = (shard: number) => Array.from({ length: 40 }, (_, i) => `s${shard}-host-${i}`);

const sample = (host: string, seq: number): ScoredSample => scoredSample({ host, seq, time: T + seq * 10_000, metrics: { cpu_pct: seq } });

beforeAll(async () => {
  useLocalAws();
  s3 = new S3Client(awsClientSettings());
  location.bucket = uniqueName('reader');
  await s3.send(new CreateBucketCommand({ Bucket: location.bucket }));
  // Two shards, 40 hosts each, 10 objects per shard of one sample per host.
  for (const shard of [0, 1]) {
    for (let o = 0; o < 10; o++) {
      const hosts = hostsOf(shard);
      const body = encodeArchiveObject(
        hosts.map((h) => sample(h, o)),
        new Float32Array(2 * hosts.length),
        2,
        FEATURE_SET_VERSION,
      );
      const key = archiveObjectKey({
        ...location,
        day: DAY,
        shardId: `shardId-00000000000${shard}`,
        firstSequence: String(100 + o),
        lastSequence: String(100 + o),
      });
      await s3.send(new PutObjectCommand({ Bucket: location.bucket, Key: key, Body: body }));
    }
  }
});

describe('readArchiveDay', () => {
  it('reads every object of the day by default', async () => {
    const day = await readArchiveDay(s3, location, DAY);
    expect(day).toMatchObject({ objects: 20, objectsRead: 20 });
    expect(day.rows).toHaveLength(800);
  });

  it('stops at the row budget, objects in random order', async () => {
    const day = await readArchiveDay(s3, location, DAY, { maxRows: 100, random: seededRandom(1), concurrency: 1 });
    expect(day.rows).toHaveLength(100);
    expect(day.objectsRead).toBe(3);
  });

  it("reads one shard's objects whole, and a share of the fleet's hosts from it", async () => {
    const one = await readArchiveDay(s3, location, DAY, { shards: 1 });
    expect(one.objectsRead).toBe(10);
    expect(new Set(one.rows.map((r) => r.host))).toEqual(new Set(hostsOf(0)));
    // A quarter of the fleet (80 hosts) is about 20 hosts: half of the one shard read.
    const share = await readArchiveDay(s3, location, DAY, { shards: 1, hostShare: 0.25 });
    const expected = hostsOf(0).filter((h) => hostShare(h) < 0.5);
    expect(new Set(share.rows.map((r) => r.host))).toEqual(new Set(expected));
    expect(share.rows).toHaveLength(expected.length * 10);
  });
});
