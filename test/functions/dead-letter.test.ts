/** The dead-letter queue over the wire (moto SQS): batching, large payloads as pointers, failures reported. */
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import { DeadLetterQueue, deadLetterBody, type DeadLetter, type DeadLetterBody } from '../../functions/score/dead-letter.js';
import type { RecordOrigin } from '../../functions/score/records.js';
import { processKinesisBatch } from '../../functions/score/process-batch.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import type { LoadedModel } from '../../functions/score/model-cache.js';
import { createOnnxScorer } from '../../model-store/onnx-scorer.js';
import { kinesisRecords, quietTools, T0, zscoreModel } from './fixtures.js';
import { SqsFaultProxy } from './sqs-fault-proxy.js';

const endpoint = useLocalAws();
let sqs: SQSClient;
let model: LoadedModel;
beforeAll(async () => {
  sqs = new SQSClient(awsClientSettings());
  const { onnx, manifest } = zscoreModel({ version: 'z1', createdAt: new Date(T0) });
  model = { manifest, scorer: await createOnnxScorer(onnx, manifest.featureSet.names.length, 'test'), createdMs: T0 };
});

const origin = (index: number): RecordOrigin => ({
  index,
  shardId: 'shardId-000000000001',
  sequenceNumber: `4960${index}`,
  partitionKey: `host-${index}`,
  eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/vigil-samples',
  approximateArrivalTimestamp: 1_795_000_000,
});

async function receiveAll(queueUrl: string, expected: number): Promise<DeadLetterBody[]> {
  const bodies: DeadLetterBody[] = [];
  for (let polls = 0; bodies.length < expected && polls < 20; polls++) {
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    bodies.push(...(got.Messages ?? []).map((m) => JSON.parse(m.Body!) as DeadLetterBody));
  }
  return bodies;
}

describe('DeadLetterQueue', () => {
  it('dead-letters each record once when the queue took a send in part and the batch is delivered again', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('dlq') }));
    const proxy = await new SqsFaultProxy(endpoint).start();
    try {
      const queue = new DeadLetterQueue(new SQSClient({ ...awsClientSettings({ maxAttempts: 1 }), endpoint: proxy.url }), QueueUrl!, {
        attempts: 2,
        baseDelayMs: 1,
        maxDelayMs: 2,
      });
      const records = kinesisRecords(Array.from({ length: 15 }, (_, i) => Buffer.from(`junk ${i}`)));
      const deps = { models: { current: async () => model }, sinks: [], deadLetters: queue, normalResolutionMs: 0, ...quietTools(), now: () => T0 };
      // The letter of record 3 is not taken, on every try.
      proxy.failIds = (id) => id === '3';
      const first = await processKinesisBatch({ Records: records }, deps);
      expect(first.batchItemFailures).toEqual([{ itemIdentifier: records[3]!.kinesis.sequenceNumber }]);
      // Lambda delivers again from record 3; the queue takes everything now.
      proxy.failIds = undefined;
      expect((await processKinesisBatch({ Records: records.slice(3) }, deps)).batchItemFailures).toEqual([]);
      const bodies = await receiveAll(QueueUrl!, 15);
      // Drain anything sent twice.
      const more = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      bodies.push(...(more.Messages ?? []).map((m) => JSON.parse(m.Body!) as DeadLetterBody));
      expect(bodies.map((b) => b.sequenceNumber).sort()).toEqual(records.map((r) => r.kinesis.sequenceNumber).sort());
    } finally {
      await proxy.stop();
    }
  });

  it('sends every letter (batches of at most 10 and 256 KiB), a large payload as a pointer to the stream', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('dlq') }));
    const queue = new DeadLetterQueue(sqs, QueueUrl!);
    const big = Buffer.alloc(240 * 1024, 7).toString('base64');
    const letters: DeadLetter[] = Array.from({ length: 23 }, (_, i) => ({
      reason: 'invalid',
      message: `record ${i} is bad`,
      origin: origin(i),
      payloadBase64: i === 5 ? big : Buffer.from(`payload ${i}`).toString('base64'),
    }));
    expect(await queue.send(letters)).toEqual({ sent: 23, failed: [] });
    const bodies = await receiveAll(QueueUrl!, 23);
    expect(bodies.map((b) => b.sequenceNumber).sort()).toEqual(letters.map((l) => l.origin.sequenceNumber).sort());
    const large = bodies.find((b) => b.sequenceNumber === '49605')!;
    expect(large.payload).toBeUndefined();
    expect(large.payloadTruncated).toMatchObject({ head: big.slice(0, 1024), base64Chars: big.length });
    expect(large.payloadTruncated!.readFrom).toMatch(/AT_SEQUENCE_NUMBER 49605 on shardId-000000000001 of arn:aws:kinesis:/);
    const small = bodies.find((b) => b.sequenceNumber === '49602')!;
    expect(Buffer.from(small.payload!, 'base64').toString()).toBe('payload 2');
    expect(small).toMatchObject({
      reason: 'invalid',
      message: 'record 2 is bad',
      shardId: 'shardId-000000000001',
      partitionKey: 'host-2',
      payloadEncoding: 'base64',
    });
  });

  it('reports letters a missing queue did not take, by index, with the error', async () => {
    const queue = new DeadLetterQueue(sqs, `${process.env.AWS_ENDPOINT_URL}/123456789012/${uniqueName('missing')}`, {
      attempts: 2,
      baseDelayMs: 1,
      maxDelayMs: 2,
    });
    const result = await queue.send([
      { reason: 'garbage', message: 'x', origin: origin(0), payloadBase64: 'AA==' },
      { reason: 'garbage', message: 'y', origin: origin(1) },
    ]);
    expect(result.failed).toEqual([0, 1]);
    expect(result.error).toMatch(/SendMessageBatch to .* failed after retries/);
  });

  it('carries the details of a refused result and no payload when there is none', () => {
    const body = deadLetterBody({ reason: 'sink_rejected', message: 'too old', origin: origin(3), details: { sink: 'timestream' } }, new Date(0));
    expect(body).toEqual({
      ...origin(3),
      index: undefined,
      reason: 'sink_rejected',
      message: 'too old',
      deadLetteredAt: '1970-01-01T00:00:00.000Z',
      details: { sink: 'timestream' },
    });
  });
});
