import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import { ensureLocalResources } from '../../local/resources.js';
import { uniqueName, useLocalAws } from '../aws-env.js';

useLocalAws();

describe('local resources', () => {
  it('creates stream, model and archive buckets, queue and table, and a second call finds them', async () => {
    const names = {
      stream: uniqueName('s'),
      bucket: uniqueName('b'),
      archiveBucket: uniqueName('a'),
      queue: uniqueName('q'),
      database: uniqueName('d'),
      table: 't',
    };
    const first = await ensureLocalResources(names, 1);
    const second = await ensureLocalResources(names, 1);
    expect(second).toEqual(first);
    expect(first.queueUrl).toContain(names.queue);
    const summary = await new KinesisClient(awsClientSettings()).send(new DescribeStreamSummaryCommand({ StreamName: names.stream }));
    expect(summary.StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');
    const s3 = new S3Client(awsClientSettings());
    for (const bucket of [names.bucket, names.archiveBucket]) await expect(s3.send(new HeadBucketCommand({ Bucket: bucket }))).resolves.toBeDefined();
  });
});
