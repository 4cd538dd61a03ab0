/**
 * The local event source mapping over the wire (moto Kinesis): the Lambda event shape, batch size,
 * batching window, resuming from a reported failure, bisect on error, bounded retries.
 */
import { CreateStreamCommand, KinesisClient, PutRecordsCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import { KinesisPoller, type KinesisPollerOptions } from '../../local/kinesis-poller.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { until } from '../poll.js';

useLocalAws();
let kinesis: KinesisClient;
beforeAll(() => {
  kinesis = new KinesisClient(awsClientSettings());
});
let poller: KinesisPoller | undefined;
afterEach(async () => poller?.stop());

/** A one-shard stream holding records whose data are the texts `0`..`n-1`. */
async function streamWith(n: number): Promise<string> {
  const StreamName = uniqueName('poller');
  await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30, minDelay: 0.1, maxDelay: 0.5 }, { StreamName });
  for (let start = 0; start < n; start += 500) {
    const Records = Array.from({ length: Math.min(500, n - start) }, (_, i) => ({ Data: Buffer.from(String(start + i)), PartitionKey: 'host-1' }));
    const put = await kinesis.send(new PutRecordsCommand({ StreamName, Records }));
    expect(put.FailedRecordCount).toBe(0);
  }
  return StreamName;
}

const valueOf = (r: KinesisStreamRecord): number => Number(Buffer.from(r.kinesis.data, 'base64').toString());

async function run(
  streamName: string,
  handler: (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>,
  options: Partial<KinesisPollerOptions> = {},
): Promise<KinesisPoller> {
  poller = new KinesisPoller({ client: kinesis, streamName, handler, idlePollMs: 20, retryDelayMs: 10, ...options });
  await poller.start();
  return poller;
}

describe('KinesisPoller', () => {
  it('invokes with the Lambda Kinesis event shape, in order, in batches of at most batchSize', async () => {
    const stream = await streamWith(25);
    const events: KinesisStreamEvent[] = [];
    const p = await run(
      stream,
      async (event) => {
        events.push(event);
        return { batchItemFailures: [] };
      },
      { batchSize: 10 },
    );
    await until(() => p.counters.recordsDelivered === 25, '25 records');
    const seen = events.flatMap((e) => e.Records.map(valueOf));
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(Math.max(...events.map((e) => e.Records.length))).toBe(10);
    const record = events[0]!.Records[0]!;
    expect(record).toMatchObject({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventName: 'aws:kinesis:record',
      awsRegion: 'us-east-1',
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'host-1', data: Buffer.from('0').toString('base64') },
    });
    expect(record.eventSourceARN).toMatch(new RegExp(`^arn:aws:kinesis:us-east-1:\\d{12}:stream/${stream}$`));
    expect(record.eventID).toBe(`shardId-000000000000:${record.kinesis.sequenceNumber}`);
    expect(record.kinesis.approximateArrivalTimestamp).toBeGreaterThan(Date.now() / 1000 - 600);
  });

  it('gathers records for the batching window before invoking with fewer than batchSize', async () => {
    const stream = await streamWith(2);
    const sizes: number[] = [];
    const p = await run(
      stream,
      async (event) => {
        sizes.push(event.Records.length);
        return { batchItemFailures: [] };
      },
      { batchSize: 100, batchingWindowMs: 1500 },
    );
    await until(() => p.counters.getRecordsCalls > 0, 'the first read');
    // Arrives while the window is open: delivered in the same invocation as the first two.
    await kinesis.send(
      new PutRecordsCommand({ StreamName: stream, Records: [2, 3, 4].map((i) => ({ Data: Buffer.from(String(i)), PartitionKey: 'host-1' })) }),
    );
    await until(() => p.counters.recordsDelivered === 5, '5 records');
    expect(sizes).toEqual([5]);
  });

  it('resumes from the lowest failed sequence number the handler reports', async () => {
    const stream = await streamWith(6);
    const events: number[][] = [];
    let failOnce = true;
    const p = await run(
      stream,
      async (event) => {
        events.push(event.Records.map(valueOf));
        const at = event.Records.find((r) => valueOf(r) === 3);
        if (at && failOnce) {
          failOnce = false;
          return {
            batchItemFailures: [
              { itemIdentifier: event.Records.find((r) => valueOf(r) === 4)!.kinesis.sequenceNumber },
              { itemIdentifier: at.kinesis.sequenceNumber },
            ],
          };
        }
        return { batchItemFailures: [] };
      },
      { batchSize: 6 },
    );
    await until(() => p.counters.recordsDelivered === 6, '6 records');
    expect(events).toEqual([
      [0, 1, 2, 3, 4, 5],
      [3, 4, 5],
    ]);
    expect(p.counters).toMatchObject({ partialFailures: 1, retries: 1, discardedRecords: 0 });
  });

  it('bisects a batch whose handler throws until the poison record is alone, retries it a bounded number of times, then gives it up', async () => {
    const stream = await streamWith(8);
    const delivered: number[] = [];
    const discarded: number[] = [];
    const p = await run(
      stream,
      async (event) => {
        const values = event.Records.map(valueOf);
        if (values.includes(5)) throw new Error('poison');
        delivered.push(...values);
        return { batchItemFailures: [] };
      },
      { batchSize: 8, maxRetries: 2, onDiscard: (records, reason) => discarded.push(...records.map(valueOf), reason.length) },
    );
    await until(() => p.counters.recordsDelivered === 7 && p.counters.discardedRecords === 1, '7 delivered, 1 discarded');
    expect(delivered.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 6, 7]);
    expect(discarded[0]).toBe(5);
    // 8 -> 4+4 -> 2+2 -> 1+1: three splits on the poison side; then the lone record: 1 try + 2 retries.
    expect(p.counters).toMatchObject({ bisections: 3, retries: 2 });
  });

  it('refuses settings Lambda does not allow', () => {
    const handler = async (): Promise<KinesisStreamBatchResponse> => ({ batchItemFailures: [] });
    expect(() => new KinesisPoller({ client: kinesis, streamName: 's', handler, batchSize: 20_000 })).toThrow(
      /batchSize 20000 is out of range: use 1 to 10000/,
    );
    expect(() => new KinesisPoller({ client: kinesis, streamName: 's', handler, maxRetries: -1 })).toThrow(/never retries forever/);
  });
});
