/**
 * Reading the dead-letter queue back and redriving records over the wire (moto SQS and Kinesis):
 * letters are described and stay in the queue; a redrive puts exactly the chosen records back on
 * the stream, byte for byte under their partition key, and deletes only their letters.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import { DeadLetterQueue, type DeadLetter } from '../../functions/score/dead-letter.js';
import { receiveDeadLetters, redriveDeadLetters, releaseLetters } from '../../functions/score/dead-letter-redrive.js';
import type { RecordOrigin } from '../../functions/score/records.js';
import { readStreamRecords } from '../../local/read-stream.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { createStream } from '../agent/stream.js';
import { encode, sample, wireRecord } from './fixtures.js';

useLocalAws();
let sqs: SQSClient;
beforeAll(() => {
  sqs = new SQSClient(awsClientSettings());
});

const origin = (index: number, partitionKey: string): RecordOrigin => ({
  index,
  shardId: 'shardId-000000000000',
  sequenceNumber: `4960${index}`,
  partitionKey,
  eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/vigil-samples',
  approximateArrivalTimestamp: 1_795_000_000,
});

const wrongVersion = Buffer.from(encode(wireRecord('web-1', [sample(7), sample(8)])));
const garbage = Buffer.from('not a wire record');

/** A queue holding: a record of another feature-set version, a garbage record, refused results, and a stranger's message. */
async function filledQueue(): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('dlq') }));
  const letters: DeadLetter[] = [
    {
      reason: 'feature_set_version',
      message: 'record of host web-1 carries feature-set version 1, this scoring function computes version 2',
      origin: origin(0, 'web-1'),
      payloadBase64: wrongVersion.toString('base64'),
    },
    {
      reason: 'garbage',
      message: 'wire record of 17 bytes does not start with the vigil wire header',
      origin: origin(1, 'junk'),
      payloadBase64: garbage.toString('base64'),
    },
    { reason: 'sink_rejected', message: 'Timestream rejected the record', origin: origin(2, 'web-2'), details: { sink: 'timestream', samples: [] } },
  ];
  expect(await new DeadLetterQueue(sqs, QueueUrl!).send(letters)).toMatchObject({ sent: 3 });
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello' }));
  return QueueUrl!;
}

async function queueDepth(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible);
}

describe('dead letters read back', () => {
  it('describes every letter, its record when the payload reads, and hands them back', async () => {
    const queueUrl = await filledQueue();
    const letters = await receiveDeadLetters(sqs, queueUrl, 100);
    const byReason = Object.fromEntries(letters.map((l) => [l.body?.reason ?? 'stranger', l]));
    expect(Object.keys(byReason).sort()).toEqual(['feature_set_version', 'garbage', 'sink_rejected', 'stranger']);
    expect(byReason.feature_set_version!.record).toEqual({ host: 'web-1', samples: 2, firstSeq: 7, lastSeq: 8, firstTime: sample(7).t });
    expect(byReason.garbage!.record).toEqual({ error: expect.stringMatching(/does not start with the vigil wire header/) });
    expect(byReason.sink_rejected!.record).toBeUndefined();
    expect(byReason.stranger!.problem).toMatch(/not a vigil dead letter: the body is not JSON \(starts with "hello"\)/);
    await releaseLetters(sqs, queueUrl, letters);
    expect(await receiveDeadLetters(sqs, queueUrl, 100)).toHaveLength(4);
  });

  it('redrives exactly the chosen reasons: the same bytes under the same partition key, their letters deleted, the rest kept', async () => {
    const queueUrl = await filledQueue();
    const stream = uniqueName('samples');
    const kinesis = await createStream(stream);
    const result = await redriveDeadLetters(sqs, kinesis, { queueUrl, streamName: stream, reasons: ['feature_set_version', 'sink_rejected'], max: 100 });
    expect(result).toEqual({
      redriven: 1,
      notDeleted: 0,
      left: { 'reason garbage not chosen': 1, 'reason sink_rejected, no payload to redrive': 1, 'not a vigil dead letter': 1 },
    });
    const arrived = await readStreamRecords(kinesis, stream);
    expect(arrived.map((r) => [r.PartitionKey, Buffer.from(r.Data!).equals(wrongVersion)])).toEqual([['web-1', true]]);
    expect(await queueDepth(queueUrl)).toBe(3);
    const left = await receiveDeadLetters(sqs, queueUrl, 100);
    expect(left.map((l) => l.body?.reason ?? 'stranger').sort()).toEqual(['garbage', 'sink_rejected', 'stranger']);
  });

  it('keeps every letter when the stream does not exist, and says so', async () => {
    const queueUrl = await filledQueue();
    const kinesis = await createStream(uniqueName('other'));
    await expect(redriveDeadLetters(sqs, kinesis, { queueUrl, streamName: uniqueName('missing'), reasons: ['feature_set_version'], max: 100 })).rejects.toThrow(
      /PutRecords to missing-.* failed after 0 records were put .*; 1 letters stay in the queue/,
    );
    expect(await receiveDeadLetters(sqs, queueUrl, 100)).toHaveLength(4);
  });

  it('`vigil dead-letters list` prints a line per letter and the count by reason', async () => {
    const queueUrl = await filledQueue();
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/vigil.js', 'dead-letters', 'list', '--queue', queueUrl], { env: process.env });
    expect(stdout).toMatch(/feature_set_version\s+web-1\s+2 \(seq 7\.\.8\)/);
    expect(stdout).toMatch(/garbage\s+junk\s+/);
    expect(stdout).toMatch(/4 letters: /);
    expect(await queueDepth(queueUrl)).toBe(4);
  });
});

describe('`vigil dead-letters` redrive and purge', () => {
  const vigil = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/vigil.js', 'dead-letters', ...args], { env: process.env });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  it('refuses an unknown reason, naming it and the known ones, and touches nothing', async () => {
    const queueUrl = await filledQueue();
    const run = await vigil('redrive', '--queue', queueUrl, '--stream', 'vigil-samples', '--reason', 'garbag');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--reason "garbag": not a dead-letter reason; the reasons are garbage, oversize, unsupported_version, invalid');
    expect((await vigil('purge', '--queue', queueUrl, '--reason', 'feature_count,nope')).stderr).toContain('--reason "nope": not a dead-letter reason');
    expect(await queueDepth(queueUrl)).toBe(4);
  });

  it('--dry-run says what a redrive would put back and changes nothing', async () => {
    const queueUrl = await filledQueue();
    const stream = uniqueName('samples');
    const kinesis = await createStream(stream);
    const run = await vigil('redrive', '--queue', queueUrl, '--stream', stream, '--reason', 'feature_set_version,sink_rejected', '--dry-run');
    expect(run.stdout).toContain(`dry run: would redrive 1 records (2 samples) onto ${stream} and delete their letters`);
    expect(run.stdout).toContain('left in the queue: 1 (reason sink_rejected, no payload to redrive)');
    expect(await readStreamRecords(kinesis, stream)).toEqual([]);
    expect(await receiveDeadLetters(sqs, queueUrl, 100)).toHaveLength(4);
  });

  it('purge deletes exactly the letters of the chosen reasons; its --dry-run deletes none', async () => {
    const queueUrl = await filledQueue();
    const dry = await vigil('purge', '--queue', queueUrl, '--reason', 'garbage,sink_rejected', '--dry-run');
    expect(dry.stdout).toContain('dry run: would delete 2 letters');
    expect(await queueDepth(queueUrl)).toBe(4);
    const run = await vigil('purge', '--queue', queueUrl, '--reason', 'garbage,sink_rejected');
    expect(run.stdout).toContain('purged: 2 letters deleted');
    expect(run.stdout).toContain('left in the queue: 1 (reason feature_set_version not chosen)');
    const left = await receiveDeadLetters(sqs, queueUrl, 100);
    expect(left.map((l) => l.body?.reason ?? 'stranger').sort()).toEqual(['feature_set_version', 'stranger']);
  });
});
