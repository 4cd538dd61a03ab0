import { DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import { ensureLocalResources } from '../../local/resources.js';
import { uniqueName, useLocalAws } from '../aws-env.js';

useLocalAws();

describe('local resources', () => {
  it('creates stream, bucket, queue and table, and a second call finds them', async () => {
    const names = { stream: uniqueName('s'), bucket: uniqueName('b'), queue: uniqueName('q'), database: uniqueName('d'), table: 't' };
    const first = await ensureLocalResources(names, 1);
    const second = await ensureLocalResources(names, 1);
    expect(second).toEqual(first);
    expect(first.queueUrl).toContain(names.queue);
    const summary = await new KinesisClient(awsClientSettings()).send(new DescribeStreamSummaryCommand({ StreamName: names.stream }));
    expect(summary.StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');
  });
});
