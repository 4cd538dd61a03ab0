/** Test helpers around a real (local) Kinesis stream: create one, read every sample in it, wait for a condition. */
import { CreateStreamCommand, KinesisClient, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { awsClientSettings } from '../../core/aws.js';
import { decodeWireRecord, type WireSample } from '../../core/wire.js';
import { readStreamRecords } from '../../local/read-stream.js';
import { until } from '../poll.js';

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
  return (await readStreamRecords(kinesis, stream)).flatMap((record) => {
    const wire = decodeWireRecord(record.Data!);
    return wire.samples.map((sample) => ({ ...sample, host: wire.host }));
  });
}

/** Polls `condition` until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  await until(condition, what, timeoutMs);
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
