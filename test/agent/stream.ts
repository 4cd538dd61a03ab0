/** Test helpers around a real (local) Kinesis stream: create one, read every sample in it, wait for a condition. */
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { setTimeout as delay } from 'node:timers/promises';
import { awsClientSettings } from '../../core/aws.js';
import { decodeWireRecord, type WireSample } from '../../core/wire.js';

export interface ArrivedSample extends WireSample {
  readonly host: string;
}

export async function createStream(name: string): Promise<KinesisClient> {
  const kinesis = new KinesisClient(awsClientSettings());
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30, minDelay: 0.1, maxDelay: 0.5 }, { StreamName: name });
  return kinesis;
}

/** Every sample in the stream, in stream order, with its record's host. */
export async function readSamples(kinesis: KinesisClient, stream: string): Promise<ArrivedSample[]> {
  const samples: ArrivedSample[] = [];
  const shards = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  for (const shard of shards.Shards ?? []) {
    let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const record of page.Records ?? []) {
        const wire = decodeWireRecord(record.Data!);
        for (const sample of wire.samples) samples.push({ ...sample, host: wire.host });
      }
      if (!page.Records?.length) break;
      iterator = page.NextShardIterator;
    }
  }
  return samples;
}

/** Polls `condition` until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(50);
  }
}

/** Seqs in first-arrival order; asserts on duplicates being the same sample happen in the tests. */
export function firstArrivals(samples: readonly ArrivedSample[]): number[] {
  const seen = new Set<number>();
  const order: number[] = [];
  for (const s of samples) {
    if (seen.has(s.seq)) continue;
    seen.add(s.seq);
    order.push(s.seq);
  }
  return order;
}
