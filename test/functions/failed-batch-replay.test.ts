/**
 * `vigil failed-batches replay` over the wire (moto SQS and Kinesis): a failed-batch message as
 * Lambda's trigger sends it names a shard and a range; the replay puts exactly that range back on
 * the stream, byte for byte under its partition keys, deletes the message, and leaves what it
 * cannot replay in the queue with why.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DescribeStreamSummaryCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import { readStreamRecords } from '../../local/read-stream.js';
import { createStream } from '../agent/stream.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { encode, sample, wireRecord } from './fixtures.js';

useLocalAws();

describe('vigil failed-batches replay', () => {
  it('puts the range of each failed batch back on the stream and deletes its message; keeps what it cannot replay', async () => {
    const sqs = new SQSClient(awsClientSettings());
    const stream = uniqueName('replay');
    const kinesis = await createStream(stream);
    const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    const payloads = ['web-1', 'web-2', 'web-3', 'web-4'].map((h, i) => Buffer.from(encode(wireRecord(h, [sample(i)]))));
    const put = await kinesis.send(
      new PutRecordsCommand({ StreamName: stream, Records: payloads.map((data, i) => ({ Data: data, PartitionKey: `web-${i + 1}` })) }),
    );
    const seqs = put.Records!.map((r) => r.SequenceNumber!);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('failed') }));
    // What the trigger sends its on-failure destination for records 2 and 3.
    const failed = {
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 4 },
      version: '1.0',
      KinesisBatchInfo: {
        shardId: put.Records![1]!.ShardId!,
        startSequenceNumber: seqs[1],
        endSequenceNumber: seqs[2],
        approximateArrivalOfFirstRecord: new Date().toISOString(),
        approximateArrivalOfLastRecord: new Date().toISOString(),
        batchSize: 2,
        streamArn: StreamDescriptionSummary!.StreamARN,
      },
    };
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify(failed) }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello' }));

    const run = promisify(execFile)(process.execPath, ['bin/vigil.js', 'failed-batches', 'replay', '--queue', QueueUrl!], { env: process.env });
    const { stdout } = await run.catch((error: { stdout: string; code: number }) => {
      expect(error.code).toBe(1);
      return { stdout: error.stdout };
    });
    expect(stdout).toMatch(/replayed: 1 batches, 2 records put back on the stream/);
    expect(stdout).toMatch(/left in the queue: .*not a failed-batch message/);

    const records = await readStreamRecords(kinesis, stream);
    expect(records.map((r) => [Buffer.from(r.Data!).toString('base64'), r.PartitionKey])).toEqual(
      [...payloads, payloads[1]!, payloads[2]!].map((p, i) => [p.toString('base64'), `web-${[1, 2, 3, 4, 2, 3][i]}`]),
    );
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    expect(attributes.Attributes?.ApproximateNumberOfMessages).toBe('1');
  });
});
