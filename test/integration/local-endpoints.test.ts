/** One smoke test per service, over the wire, against the endpoints the global setup started. */
import { randomBytes, createHash } from 'node:crypto';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateDatabaseCommand, CreateTableCommand, TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { describe, expect, inject, it } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import { decodeWireRecord, encodeWireRecord, WIRE_VERSION, type WireRecord } from '../../core/wire.js';
import { toTimestreamRecord } from '../../core/stored-result.js';
import { encodeWriteRequest, REMOTE_WRITE_HEADERS } from '../../functions/sinks/remote-write-codec.js';
import { uniqueName, useLocalAws } from '../aws-env.js';

useLocalAws();

describe('local AWS endpoint', () => {
  it('Kinesis: CreateStream, PutRecords, GetRecords round-trips wire records', async () => {
    const kinesis = new KinesisClient(awsClientSettings());
    const StreamName = uniqueName('smoke');
    await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
    await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30, minDelay: 0.1, maxDelay: 0.5 }, { StreamName });
    const records: WireRecord[] = [0, 1, 2].map((i) => ({
      v: WIRE_VERSION,
      host: `host-${i}`,
      fs: 1,
      samples: [{ seq: i, t: Date.UTC(2026, 0, 1) + i, m: { cpu_pct: i }, f: [i, i + 0.5] }],
    }));
    const put = await kinesis.send(new PutRecordsCommand({ StreamName, Records: records.map((r) => ({ Data: encodeWireRecord(r), PartitionKey: r.host })) }));
    expect(put.FailedRecordCount).toBe(0);
    const shards = await kinesis.send(new ListShardsCommand({ StreamName }));
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName, ShardId: shards.Shards![0]!.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const got = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    expect(got.Records!.map((r) => decodeWireRecord(r.Data!))).toEqual(records);
  });

  it('S3: a 2 MB binary object comes back byte for byte', async () => {
    const s3 = new S3Client(awsClientSettings());
    const Bucket = uniqueName('smoke');
    const body = randomBytes(2 * 1024 * 1024);
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'models/blob.bin', Body: body }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'models/blob.bin' }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(bytes.length).toBe(body.length);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('Timestream: CreateDatabase, CreateTable, WriteRecords with a stored-result record', async () => {
    const timestream = new TimestreamWriteClient(awsClientSettings());
    const DatabaseName = uniqueName('smoke');
    await timestream.send(new CreateDatabaseCommand({ DatabaseName }));
    await timestream.send(new CreateTableCommand({ DatabaseName, TableName: 'results' }));
    const record = toTimestreamRecord({
      host: 'web-1',
      tags: { env: 'test' },
      seq: 1,
      time: Date.now(),
      metrics: { cpu_pct: 12.5 },
      score: 0.61,
      anomaly: true,
      severity: 'high',
      confidence: 0.8,
      topMetric: 'cpu_pct',
      rankedMetrics: ['cpu_pct'],
      modelVersion: 'm1',
      recordVersion: 1,
    });
    const out = await timestream.send(new WriteRecordsCommand({ DatabaseName, TableName: 'results', Records: [record] }));
    expect(out.RecordsIngested?.Total).toBe(1);
  });

  it('SQS: send then receive a message', async () => {
    const sqs = new SQSClient(awsClientSettings());
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('smoke') }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"reason":"garbage"}' }));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 1 }));
    expect(got.Messages?.[0]?.Body).toBe('{"reason":"garbage"}');
  });
});

describe('local Prometheus', () => {
  it('accepts remote write and answers a query with the written value', async () => {
    const prometheus = inject('prometheusUrl');
    const host = uniqueName('smoke');
    const now = Date.now();
    const body = encodeWriteRequest([
      { labels: { __name__: 'vigil_smoke_value', host }, value: 41, timestamp: now - 1000 },
      { labels: { __name__: 'vigil_smoke_value', host }, value: 42, timestamp: now },
    ]);
    const write = await fetch(`${prometheus}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body });
    expect(write.status, await write.text()).toBe(204);
    const query = new URL('/api/v1/query', prometheus);
    query.searchParams.set('query', `vigil_smoke_value{host="${host}"}`);
    query.searchParams.set('time', String(now / 1000));
    const answer = (await (await fetch(query)).json()) as { data: { result: { value: [number, string] }[] } };
    expect(answer.data.result.map((r) => Number(r.value[1]))).toEqual([42]);
  });
});
