/**
 * A local stand-in for Lambda's Kinesis event source mapping: reads every shard of a stream with
 * GetRecords and invokes the real handler with the event Lambda would build, with the same
 * semantics: per-shard order, batch size and batching window, ReportBatchItemFailures (delivery
 * resumes from the lowest failed sequence number), bisect on function error, bounded retries and
 * an on-failure callback for what is given up. Used by `npm start` and the integration tests.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  DescribeStreamSummaryCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type _Record,
  type Shard,
} from '@aws-sdk/client-kinesis';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

export type KinesisHandler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse | undefined>;

export interface KinesisPollerOptions {
  readonly client: KinesisClient;
  readonly streamName: string;
  readonly handler: KinesisHandler;
  /** Most records per invocation (Lambda: 1-10,000). @default 100 */
  readonly batchSize?: number;
  /** How long to gather records before invoking with fewer than batchSize (Lambda: 0-300 s). @default 0 */
  readonly batchingWindowMs?: number;
  /** Split a batch in two when the handler throws. @default true */
  readonly bisectOnError?: boolean;
  /** Retries of a failing batch before its records are given up (Lambda: -1 = forever). @default 10 */
  readonly maxRetries?: number;
  /** Pause before a retry. @default 200 */
  readonly retryDelayMs?: number;
  /** Pause after a GetRecords that returned nothing (Lambda polls each shard about once a second). @default 250 */
  readonly idlePollMs?: number;
  /** Where reading starts on each shard. @default 'TRIM_HORIZON' */
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** The on-failure destination: records given up after maxRetries, with why. */
  readonly onDiscard?: (records: readonly KinesisStreamRecord[], reason: string) => void;
  /** Errors of the poller itself (GetRecords failing), for logs. */
  readonly onError?: (error: unknown) => void;
}

export interface PollerCounters {
  invocations: number;
  /** Records the handler took (acknowledged). */
  recordsDelivered: number;
  /** Invocations that threw. */
  functionErrors: number;
  /** Invocations that answered with batchItemFailures. */
  partialFailures: number;
  bisections: number;
  retries: number;
  discardedRecords: number;
  getRecordsCalls: number;
}

interface ShardReader {
  readonly shardId: string;
  iterator: string | undefined;
  lastSequenceNumber: string | undefined;
  closed: boolean;
}

export class KinesisPoller {
  readonly counters: PollerCounters = {
    invocations: 0,
    recordsDelivered: 0,
    functionErrors: 0,
    partialFailures: 0,
    bisections: 0,
    retries: 0,
    discardedRecords: 0,
    getRecordsCalls: 0,
  };
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly stopController = new AbortController();
  private streamArn = '';
  private readonly options: Required<Omit<KinesisPollerOptions, 'onDiscard' | 'onError'>> & Pick<KinesisPollerOptions, 'onDiscard' | 'onError'>;

  constructor(options: KinesisPollerOptions) {
    this.options = {
      batchSize: 100,
      batchingWindowMs: 0,
      bisectOnError: true,
      maxRetries: 10,
      retryDelayMs: 200,
      idlePollMs: 250,
      startingPosition: 'TRIM_HORIZON',
      ...options,
    };
    const { batchSize, batchingWindowMs, maxRetries } = this.options;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
      throw new Error(`batchSize ${batchSize} is out of range: use 1 to 10000 records, as Lambda allows`);
    if (!(batchingWindowMs >= 0 && batchingWindowMs <= 300_000))
      throw new Error(`batchingWindowMs ${batchingWindowMs} is out of range: use 0 to 300000 ms, as Lambda allows`);
    if (!Number.isInteger(maxRetries) || maxRetries < 0)
      throw new Error(`maxRetries ${maxRetries} must be a whole number >= 0: the local poller never retries forever`);
  }

  /** Finds the shards and starts one reading loop per shard; returns once reading has begun. */
  async start(): Promise<void> {
    if (this.running) return;
    const { client, streamName } = this.options;
    const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    this.streamArn = summary.StreamDescriptionSummary!.StreamARN!;
    const shards = await this.listShards();
    this.running = true;
    const readers = await Promise.all(shards.filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber).map((s) => this.openShard(s.ShardId!)));
    this.loops = readers.map((reader) => this.pollShard(reader));
  }

  /** Stops reading; waits for the invocations in flight to finish. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopController.abort();
    await Promise.allSettled(this.loops);
    this.loops = [];
  }

  private async listShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: this.options.streamName }));
      shards.push(...(page.Shards ?? []));
      token = page.NextToken;
    } while (token);
    return shards;
  }

  private async openShard(shardId: string): Promise<ShardReader> {
    const out = await this.options.client.send(
      new GetShardIteratorCommand({ StreamName: this.options.streamName, ShardId: shardId, ShardIteratorType: this.options.startingPosition }),
    );
    return { shardId, iterator: out.ShardIterator, lastSequenceNumber: undefined, closed: false };
  }

  private async pollShard(reader: ShardReader): Promise<void> {
    const { batchSize, batchingWindowMs, idlePollMs } = this.options;
    let buffer: KinesisStreamRecord[] = [];
    let windowStart = 0;
    while (this.running && (!reader.closed || buffer.length > 0)) {
      let got = 0;
      if (!reader.closed && buffer.length < batchSize) {
        const records = await this.read(reader, batchSize - buffer.length);
        got = records.length;
        if (buffer.length === 0 && got > 0) windowStart = Date.now();
        buffer.push(...records.map((r) => this.toEventRecord(reader.shardId, r)));
      }
      const windowOver = Date.now() - windowStart >= batchingWindowMs;
      if (buffer.length >= batchSize || (buffer.length > 0 && (windowOver || reader.closed))) {
        const batch = buffer.slice(0, batchSize);
        buffer = buffer.slice(batchSize);
        windowStart = Date.now();
        await this.deliver(batch);
      } else if (got === 0) {
        await this.pause(buffer.length > 0 ? Math.min(idlePollMs, batchingWindowMs) : idlePollMs);
      }
    }
  }

  private async read(reader: ShardReader, limit: number): Promise<_Record[]> {
    if (!reader.iterator) {
      reader.closed = true;
      return [];
    }
    try {
      this.counters.getRecordsCalls++;
      const out = await this.options.client.send(new GetRecordsCommand({ ShardIterator: reader.iterator, Limit: Math.min(limit, 10_000) }));
      reader.iterator = out.NextShardIterator;
      if (!reader.iterator) reader.closed = true;
      // Sequence numbers only grow within a shard: a record at or before the last one read was read
      // already (kinesis-mock, LocalStack's Kinesis, can hand one out again at a new iterator).
      const last = reader.lastSequenceNumber === undefined ? undefined : BigInt(reader.lastSequenceNumber);
      const records = (out.Records ?? []).filter((r) => last === undefined || BigInt(r.SequenceNumber!) > last);
      if (records.length) reader.lastSequenceNumber = records[records.length - 1]!.SequenceNumber;
      return records;
    } catch (error) {
      if (error instanceof ExpiredIteratorException) {
        const out = await this.options.client.send(
          new GetShardIteratorCommand({
            StreamName: this.options.streamName,
            ShardId: reader.shardId,
            ...(reader.lastSequenceNumber
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: reader.lastSequenceNumber }
              : { ShardIteratorType: this.options.startingPosition }),
          }),
        );
        reader.iterator = out.ShardIterator;
        return [];
      }
      if (!this.running) return [];
      this.options.onError?.(error);
      await this.pause(this.options.retryDelayMs);
      return [];
    }
  }

  /**
   * Invokes until the batch is taken or given up. A thrown error retries the whole batch (bisected
   * when on; a split does not count as a retry); batchItemFailures resume from the lowest failed
   * sequence number; an answer naming a record not in the batch counts as a failure of it all.
   */
  private async deliver(batch: KinesisStreamRecord[]): Promise<void> {
    let pending = batch;
    let retries = 0;
    while (pending.length > 0) {
      let failedFrom: number;
      let reason: string;
      try {
        this.counters.invocations++;
        const response = await this.options.handler({ Records: pending }, lambdaContext());
        const failures = response?.batchItemFailures ?? [];
        if (failures.length === 0) {
          this.counters.recordsDelivered += pending.length;
          return;
        }
        this.counters.partialFailures++;
        const positions = failures.map((f) => pending.findIndex((r) => r.kinesis.sequenceNumber === f.itemIdentifier));
        failedFrom = positions.includes(-1) ? 0 : Math.min(...positions);
        reason = positions.includes(-1)
          ? `the handler answered batchItemFailures ${JSON.stringify(failures)} naming a record not in the batch`
          : `the handler reported a failure at sequence number ${pending[failedFrom]!.kinesis.sequenceNumber}`;
      } catch (error) {
        this.counters.functionErrors++;
        reason = `the handler threw: ${(error as Error).message}`;
        if (this.options.bisectOnError && pending.length > 1) {
          this.counters.bisections++;
          const half = Math.ceil(pending.length / 2);
          await this.deliver(pending.slice(0, half));
          await this.deliver(pending.slice(half));
          return;
        }
        failedFrom = 0;
      }
      this.counters.recordsDelivered += failedFrom;
      pending = pending.slice(failedFrom);
      if (retries >= this.options.maxRetries || !this.running) {
        if (!this.running) return; // stopped: these records are read again on the next start
        this.counters.discardedRecords += pending.length;
        this.options.onDiscard?.(pending, `${reason}; gave up after ${retries} retries`);
        return;
      }
      retries++;
      this.counters.retries++;
      await this.pause(this.options.retryDelayMs);
    }
  }

  private toEventRecord(shardId: string, r: _Record): KinesisStreamRecord {
    const region = this.streamArn.split(':')[3] ?? 'us-east-1';
    const account = this.streamArn.split(':')[4] ?? '000000000000';
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.PartitionKey!,
        sequenceNumber: r.SequenceNumber!,
        data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
        approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${r.SequenceNumber!}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${account}:role/vigil-score-local`,
      awsRegion: region,
      eventSourceARN: this.streamArn,
    };
  }

  private async pause(ms: number): Promise<void> {
    await delay(ms, undefined, { signal: this.stopController.signal }).catch(() => undefined);
  }
}

/** The Lambda context a handler receives, as far as a local invocation can fill it. */
export function lambdaContext(functionName = 'vigil-score-local', timeoutMs = 60_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
