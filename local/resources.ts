/**
 * The AWS resources the pipeline needs, created on the local endpoint (idempotently) the way the
 * CDK stack creates them in an account: stream, model bucket, history archive bucket, dead-letter
 * queue, Timestream table.
 */
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient, ResourceInUseException, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ConflictException, CreateDatabaseCommand, CreateTableCommand, TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { awsClientSettings } from '../core/aws.js';
import { DEFAULT_TIMESTREAM_DATABASE, DEFAULT_TIMESTREAM_TABLE } from '../core/stored-result.js';

export interface LocalResourceNames {
  stream: string;
  bucket: string;
  /** The history archive's bucket (core/archive.ts), apart from the models as in the stack. */
  archiveBucket: string;
  queue: string;
  database: string;
  table: string;
}

export const DEFAULT_LOCAL_RESOURCES: LocalResourceNames = {
  stream: 'vigil-samples',
  bucket: 'vigil-models',
  archiveBucket: 'vigil-archive',
  queue: 'vigil-dead-letters',
  database: DEFAULT_TIMESTREAM_DATABASE,
  table: DEFAULT_TIMESTREAM_TABLE,
};

export interface LocalResources extends LocalResourceNames {
  streamArn: string;
  queueUrl: string;
}

export async function ensureLocalResources(names: LocalResourceNames = DEFAULT_LOCAL_RESOURCES, shards = 2): Promise<LocalResources> {
  const settings = awsClientSettings();
  const kinesis = new KinesisClient(settings);
  const s3 = new S3Client(settings);
  const sqs = new SQSClient(settings);
  const timestream = new TimestreamWriteClient(settings);
  try {
    await kinesis.send(new CreateStreamCommand({ StreamName: names.stream, ShardCount: shards }));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30, minDelay: 0.2, maxDelay: 1 }, { StreamName: names.stream });
  const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: names.stream }));
  for (const bucket of [names.bucket, names.archiveBucket]) {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    }
  }
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: names.queue }));
  for (const create of [
    () => timestream.send(new CreateDatabaseCommand({ DatabaseName: names.database })),
    () => timestream.send(new CreateTableCommand({ DatabaseName: names.database, TableName: names.table })),
  ]) {
    try {
      await create();
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
    }
  }
  return { ...names, streamArn: summary.StreamDescriptionSummary!.StreamARN!, queueUrl: QueueUrl! };
}
