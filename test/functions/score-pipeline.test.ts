/**
 * The score function end to end over the wire: records put on Kinesis (moto) are read by the local
 * event source mapping, scored with a model published to S3, and come out as Timestream records
 * (read back through a recording proxy) and Prometheus series (queried back); bad records land in
 * the SQS dead-letter queue; a Timestream outage loses and duplicates nothing; a newly published
 * model takes over without a restart.
 */
import { CreateStreamCommand, KinesisClient, PutRecordsCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateDatabaseCommand, CreateTableCommand, TimestreamWriteClient, type _Record } from '@aws-sdk/client-timestream-write';
import { afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import { featureSetFor } from '../../core/features.js';
import type { WireRecord } from '../../core/wire.js';
import { DeadLetterQueue } from '../../functions/score/dead-letter.js';
import { createScoreHandler } from '../../functions/score/create-handler.js';
import { ModelCache } from '../../functions/score/model-cache.js';
import { createOnnxScorer } from '../../model-store/onnx-scorer.js';
import type { ScoreDependencies } from '../../functions/score/process-batch.js';
import { s3ModelSource } from '../../functions/score/s3-model-source.js';
import { PrometheusSink } from '../../functions/sinks/prometheus.js';
import { TimestreamSink } from '../../functions/sinks/timestream.js';
import { KinesisPoller } from '../../local/kinesis-poller.js';
import { publishModel } from '../../model-store/s3-store.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { encode, features, quietTools, sample, wireRecord, zscoreModel } from './fixtures.js';
import { TimestreamRecordingProxy } from './recording-proxy.js';
import { until } from '../poll.js';

/** How long a delivery may take: LocalStack's Kinesis on a loaded machine is several times slower than moto's. */
const DELIVERY_WAIT_MS = 60_000;

const endpoint = useLocalAws();
const prometheus = inject('prometheusUrl');
const fastRetry = { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 };

let kinesis: KinesisClient;
let s3: S3Client;
let sqs: SQSClient;
beforeAll(() => {
  kinesis = new KinesisClient(awsClientSettings());
  s3 = new S3Client(awsClientSettings());
  sqs = new SQSClient(awsClientSettings());
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.unstubAllEnvs();
});

interface Pipeline {
  models: ModelCache;
  stream: string;
  bucket: string;
  queueUrl: string;
  proxy: TimestreamRecordingProxy;
  poller: KinesisPoller;
  put(records: readonly WireRecord[] | readonly Uint8Array[]): Promise<string[]>;
}

/** Stream, bucket with a published model, queue, Timestream table behind a proxy, handler, poller. */
async function pipeline(): Promise<Pipeline> {
  const stream = uniqueName('score');
  const bucket = uniqueName('models');
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('dlq') }));
  const database = uniqueName('vigil');
  const timestreamDirect = new TimestreamWriteClient(awsClientSettings());
  await timestreamDirect.send(new CreateDatabaseCommand({ DatabaseName: database }));
  await timestreamDirect.send(new CreateTableCommand({ DatabaseName: database, TableName: 'host_scores' }));
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30, minDelay: 0.1, maxDelay: 0.5 }, { StreamName: stream });
  await publishModel(s3, { bucket, prefix: 'models', ...zscoreModel({ version: 'first' }) });

  const proxy = await new TimestreamRecordingProxy(endpoint).start();
  cleanups.push(() => proxy.stop());
  const { logger, metrics } = quietTools();
  const models = new ModelCache({ source: s3ModelSource(s3, { bucket, prefix: 'models' }), recheckMs: 1000, createScorer: createOnnxScorer, logger, metrics });
  const deps: ScoreDependencies = {
    models,
    sinks: [
      new TimestreamSink({
        client: new TimestreamWriteClient({ ...awsClientSettings({ maxAttempts: 1 }), endpoint: proxy.url }),
        database,
        table: 'host_scores',
        retry: fastRetry,
      }),
      new PrometheusSink({ url: `${prometheus}/api/v1/write`, retry: fastRetry }),
    ],
    deadLetters: new DeadLetterQueue(sqs, QueueUrl!, fastRetry),
    normalResolutionMs: 0,
    logger,
    metrics,
  };
  const handler = createScoreHandler(() => deps, { logger, metrics });
  const poller = new KinesisPoller({ client: kinesis, streamName: stream, handler, batchSize: 50, idlePollMs: 20, retryDelayMs: 50, maxRetries: 1000 });
  await poller.start();
  cleanups.push(() => poller.stop());
  const put = async (records: readonly WireRecord[] | readonly Uint8Array[]): Promise<string[]> => {
    const out = await kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: records.map((r) => (r instanceof Uint8Array ? { Data: r, PartitionKey: 'junk' } : { Data: encode(r), PartitionKey: r.host })),
      }),
    );
    expect(out.FailedRecordCount).toBe(0);
    return out.Records!.map((r) => r.SequenceNumber!);
  };
  return { models, stream, bucket, queueUrl: QueueUrl!, proxy, poller, put };
}

const measure = (r: _Record, name: string): string | undefined => r.MeasureValues?.find((m) => m.Name === name)?.Value;

/** Recent samples (Prometheus keeps a 2 h out-of-order window): `n` per host, 1 s apart, ending now. */
function recentSamples(n: number, anomalousAt?: number): WireRecord['samples'] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    seq: i,
    t: now - (n - i) * 1000,
    m: { cpu_pct: i === anomalousAt ? 99 : 10, mem_used_pct: 40 },
    f: features(i === anomalousAt ? 'cpu_pct' : undefined),
  }));
}

async function promQuery(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const url = new URL('/api/v1/query', prometheus);
  url.searchParams.set('query', promql);
  const answer = (await (await fetch(url)).json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  return answer.data.result;
}

/** The numeric value of each series of an instant query, in answer order. */
const seriesValues = (result: { value: [number, string] }[]): number[] => result.map((r) => Number(r.value[1]));

/** What a stored Timestream record says of its sample: seq, anomaly flag, severity, top metric. */
const verdictOf = (r: _Record): (string | undefined)[] => [measure(r, 'seq'), measure(r, 'anomaly'), measure(r, 'severity'), measure(r, 'top_metric')];

describe('score function over the wire', { timeout: 4 * DELIVERY_WAIT_MS }, () => {
  it('stores every sample in Timestream and Prometheus, and dead-letters a poison record while its neighbours are stored', async () => {
    // Arrange: two hosts' good records around a poison record.
    const p = await pipeline();
    const a = uniqueName('web');
    const b = uniqueName('web');
    // A well-formed record whose sample time is 5 ms after 1970: invalid.
    const late = wireRecord('web-x', [sample(1)]);
    const poison = Buffer.from(encode(late));
    const at = poison.indexOf(Buffer.from(new Float64Array([late.samples[0]!.t]).buffer));
    poison.writeDoubleLE(5, at);
    // Act
    const sequenceNumbers = await p.put([encode(wireRecord(a, recentSamples(3, 2), { env: 'prod' })), poison, encode(wireRecord(b, recentSamples(2)))]);
    await until(() => p.poller.counters.recordsDelivered >= 3 || undefined, 'the batch to be taken', DELIVERY_WAIT_MS);

    // Assert: Timestream, Prometheus, then the dead letter.
    const verdictsOfA = p.proxy.recordsOf(a).map(verdictOf);
    expect(verdictsOfA).toEqual([
      ['0', 'false', 'normal', expect.any(String)],
      ['1', 'false', 'normal', expect.any(String)],
      ['2', 'true', 'high', 'cpu_pct'],
    ]);
    expect(p.proxy.recordsOf(a)[0]).toMatchObject({
      Dimensions: [
        { Name: 'host', Value: a },
        { Name: 'env', Value: 'prod' },
      ],
      MeasureName: 'vigil_sample',
      MeasureValueType: 'MULTI',
    });
    expect(p.proxy.recordsOf(b)).toHaveLength(2);

    const anomalies = await until(async () => {
      const result = await promQuery(`vigil_anomaly{host="${a}"}`);
      return result.length ? result : undefined;
    }, 'the series in Prometheus');
    const topMetricOfA = (await promQuery(`vigil_anomaly_top_metric{host="${a}"}`))[0]?.metric;
    const scoresOfB = seriesValues(await promQuery(`count_over_time(vigil_anomaly{host="${b}"}[1h])`));
    expect(seriesValues(anomalies)).toEqual([1]);
    expect(topMetricOfA).toMatchObject({ metric: 'cpu_pct', env: 'prod' });
    // Which way it went: the fixture's anomalous features sit far above the model's center.
    expect(seriesValues(await promQuery(`vigil_anomaly_top_metric_direction{host="${a}",metric="cpu_pct"}`))).toEqual([1]);
    expect(scoresOfB).toEqual([2]);

    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: p.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect(got.Messages).toHaveLength(1);
    const letter = JSON.parse(got.Messages![0]!.Body!) as Record<string, unknown>;
    expect(letter).toMatchObject({
      reason: 'invalid',
      shardId: 'shardId-000000000000',
      sequenceNumber: sequenceNumbers[1],
      partitionKey: 'junk',
      payload: poison.toString('base64'),
      payloadEncoding: 'base64',
    });
    expect(letter.message).toMatch(/samples\[0\]\.t: time before 2000 \(got 5\)/);
  });

  it('reports the batch failed while Timestream is down, then stores every record exactly once', async () => {
    const p = await pipeline();
    const hosts = Array.from({ length: 4 }, () => uniqueName('web'));
    p.proxy.down = true;
    await p.put(hosts.map((h) => wireRecord(h, recentSamples(5))));
    await until(() => p.poller.counters.partialFailures >= 2 || undefined, 'the batch to be reported failed twice');
    expect(p.proxy.refused).toBeGreaterThan(0);
    expect(p.proxy.accepted).toHaveLength(0);
    expect(p.poller.counters.recordsDelivered).toBe(0);

    p.proxy.down = false;
    await until(() => p.poller.counters.recordsDelivered >= 4 || undefined, 'every record to be taken', DELIVERY_WAIT_MS);
    for (const host of hosts) {
      const stored = p.proxy.recordsOf(host);
      const seqs = stored.map((r) => measure(r, 'seq'));
      const distinctWrites = new Set(stored.map((r) => `${r.Time}/${r.Version}`));
      expect(seqs).toEqual(['0', '1', '2', '3', '4']);
      expect(distinctWrites.size).toBe(5);
    }
    expect(p.poller.counters.discardedRecords).toBe(0);
    // Prometheus got the batch on every delivery; identical samples are kept once.
    const counts = await until(async () => {
      const result = await promQuery(`count_over_time(vigil_anomaly{host=~"${hosts.join('|')}"}[1h])`);
      return result.length === hosts.length ? result : undefined;
    }, 'the series of every host');
    expect(seriesValues(counts)).toEqual([5, 5, 5, 5]);
  });

  it('stores a record scored twice once, and the other hosts of its request with it', async () => {
    const p = await pipeline();
    const again = uniqueName('web');
    const resent = wireRecord(again, recentSamples(3));
    await p.put([resent]);
    await until(() => p.poller.counters.recordsDelivered >= 1 || undefined, 'the first delivery', DELIVERY_WAIT_MS);
    // The agent sends the same record again (a crash before its acknowledgement), next to 20 other hosts.
    const others = Array.from({ length: 20 }, () => uniqueName('web'));
    await p.put([resent, ...others.map((h) => wireRecord(h, recentSamples(2)))]);
    await until(() => p.poller.counters.recordsDelivered >= 22 || undefined, 'the second batch to be taken', DELIVERY_WAIT_MS);

    const counts = await promQuery(`count_over_time(vigil_anomaly{host=~"${[again, ...others].join('|')}"}[1h])`);
    expect(counts).toHaveLength(21);
    expect(seriesValues(counts).sort()).toEqual([...Array<number>(20).fill(2), 3].sort());
    // The lag is a point per scoring, never a second value at the sample's time.
    expect(seriesValues(await promQuery(`count_over_time(vigil_result_lag_seconds{host="${again}"}[1h])`))).toEqual([2]);
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: p.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect(got.Messages ?? []).toEqual([]);
  });

  it('keeps the other hosts of a request when two records claim one host and time with different values', async () => {
    const p = await pipeline();
    const cloned = uniqueName('web');
    const [first] = recentSamples(1);
    const twin = { ...first!, m: { cpu_pct: 99, mem_used_pct: 40 }, f: features('cpu_pct') };
    const others = Array.from({ length: 5 }, () => uniqueName('web'));
    await p.put([wireRecord(cloned, [first!])]);
    await until(() => p.poller.counters.recordsDelivered >= 1 || undefined, 'the first record to be taken', DELIVERY_WAIT_MS);
    await p.put([...others.map((h) => wireRecord(h, recentSamples(2))), wireRecord(cloned, [twin])]);
    await until(() => p.poller.counters.recordsDelivered >= 7 || undefined, 'the batch to be taken', DELIVERY_WAIT_MS);
    const counts = await promQuery(`count_over_time(vigil_anomaly{host=~"${[cloned, ...others].join('|')}"}[1h])`);
    // Prometheus keeps one of the twins (the other is reported as a conflict); every other host is stored.
    const byHost = Object.fromEntries(counts.map((r) => [r.metric.host, Number(r.value[1])]));
    expect(byHost).toEqual(Object.fromEntries([[cloned, 1], ...others.map((h) => [h, 2])]));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: p.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect(got.Messages ?? []).toEqual([]);
  });

  it('stores the rest of a batch around a sample too old for Prometheus, and dead-letters that one with its payload', async () => {
    const p = await pipeline();
    const replayed = uniqueName('web');
    const threeHoursAgo = Date.now() - 3 * 3_600_000;
    const old = wireRecord(replayed, [{ seq: 0, t: threeHoursAgo, m: { cpu_pct: 10, mem_used_pct: 40 }, f: features() }]);
    const others = Array.from({ length: 20 }, () => uniqueName('web'));
    const sequenceNumbers = await p.put([old, ...others.map((h) => wireRecord(h, recentSamples(2)))]);
    await until(() => p.poller.counters.recordsDelivered >= 21 || undefined, 'the batch to be taken', DELIVERY_WAIT_MS);
    expect(p.poller.counters.discardedRecords).toBe(0);

    const counts = await promQuery(`count_over_time(vigil_anomaly{host=~"${others.join('|')}"}[1h])`);
    expect(seriesValues(counts)).toEqual(Array<number>(20).fill(2));
    // Timestream takes it.
    expect(p.proxy.recordsOf(replayed)).toHaveLength(1);
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: p.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    expect(got.Messages).toHaveLength(1);
    const letter = JSON.parse(got.Messages![0]!.Body!) as Record<string, unknown>;
    expect(letter).toMatchObject({
      reason: 'sink_too_old',
      sequenceNumber: sequenceNumbers[0],
      payload: Buffer.from(encode(old)).toString('base64'),
      details: { sink: 'prometheus', samples: [expect.objectContaining({ host: replayed, seq: 0, time: threeHoursAgo })] },
    });
    expect(letter.message).toMatch(/too old sample|out of bounds/);
  });

  it('switches to a newly published model without a restart', async () => {
    const p = await pipeline();
    const host = uniqueName('web');
    await p.put([wireRecord(host, recentSamples(1))]);
    await until(() => p.proxy.recordsOf(host).length === 1 || undefined, 'the first result');
    expect(measure(p.proxy.recordsOf(host)[0]!, 'model_version')).toBe('first');

    const second = zscoreModel({ version: 'second', gain: 2 });
    await publishModel(s3, { bucket: p.bucket, prefix: 'models', ...second });
    // Keep sending until a result carries the new model (the re-check interval is 1 s).
    let seq = 1;
    const switched = await until(
      async () => {
        const t = Date.now();
        await p.put([wireRecord(host, [{ seq: seq++, t, m: { cpu_pct: 10 }, f: features() }])]);
        return p.proxy.recordsOf(host).find((r) => measure(r, 'model_version') === 'second');
      },
      'a result scored by the new model',
      15_000,
    );
    expect(Number(measure(switched, 'score'))).toBeCloseTo(0.2, 5);
    expect(switched.Version).toBe(Date.parse(second.manifest.createdAt));
    await until(() => p.poller.counters.recordsDelivered >= seq || undefined, 'every record to be taken', DELIVERY_WAIT_MS);
    const versions = p.proxy.recordsOf(host).map((r) => measure(r, 'model_version'));
    // Once switched, it stays switched.
    expect(versions.slice(versions.indexOf('second')).every((v) => v === 'second')).toBe(true);
  });

  it('keeps scoring with the last good model when the published one cannot be used', async () => {
    const p = await pipeline();
    const host = uniqueName('web');
    await p.put([wireRecord(host, recentSamples(1))]);
    await until(() => p.proxy.recordsOf(host).length === 1 || undefined, 'the first result');
    await publishModel(s3, { bucket: p.bucket, prefix: 'models', ...zscoreModel({ version: 'narrow', featureSet: featureSetFor(['cpu_pct']) }) });
    // Records keep arriving; the re-check (every 1 s) refuses the new model and says why.
    let seq = 1;
    const why = await until(async () => {
      await p.put([wireRecord(host, [{ seq: seq++, t: Date.now(), m: { cpu_pct: 10 }, f: features() }])]);
      return p.models.status().lastError;
    }, 'the refused model to be reported');
    expect(why).toMatch(/model zscore narrow cannot score this fleet's features: feature names differ/);
    await p.put([wireRecord(host, [{ seq: seq++, t: Date.now(), m: { cpu_pct: 10 }, f: features() }])]);
    await until(() => p.poller.counters.recordsDelivered >= seq || undefined, 'every record to be taken', DELIVERY_WAIT_MS);
    expect(new Set(p.proxy.recordsOf(host).map((r) => measure(r, 'model_version')))).toEqual(new Set(['first']));
    expect(p.proxy.recordsOf(host)).toHaveLength(seq);
    expect(p.models.status().version).toBe('first');
  });

  it('the deployed handler reads its configuration from the environment, and says what is missing', async () => {
    const p = await pipeline();
    await p.poller.stop();
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    vi.stubEnv('VIGIL_MODEL_BUCKET', p.bucket);
    vi.stubEnv('VIGIL_PROMETHEUS_URL', `${prometheus}/api/v1/write`);
    vi.stubEnv('VIGIL_DEAD_LETTER_QUEUE_URL', p.queueUrl);
    vi.stubEnv('VIGIL_SINKS', undefined);
    const { handler } = await import('../../functions/score/handler.js');
    const host = uniqueName('web');
    const records = [encode(wireRecord(host, recentSamples(2, 1)))];
    await p.put(records);
    const deployed = new KinesisPoller({
      client: kinesis,
      streamName: p.stream,
      handler,
      idlePollMs: 20,
      retryDelayMs: 50,
      maxRetries: 0,
      bisectOnError: false,
    });
    const discarded: string[] = [];
    const failing = new KinesisPoller({
      client: kinesis,
      streamName: p.stream,
      handler,
      idlePollMs: 20,
      maxRetries: 0,
      onDiscard: (_r, reason) => discarded.push(reason),
    });
    await failing.start();
    await until(() => discarded.length === 1 || undefined, 'the misconfigured invocation to fail');
    await failing.stop();
    expect(discarded[0]).toMatch(/VIGIL_SINKS is not set: set it to a comma list of timestream, prometheus, log/);

    vi.stubEnv('VIGIL_SINKS', 'prometheus,log');
    await deployed.start();
    cleanups.push(() => deployed.stop());
    await until(() => deployed.counters.recordsDelivered >= 1 || undefined, 'the record to be taken', DELIVERY_WAIT_MS);
    const result = await until(async () => {
      const r = await promQuery(`vigil_anomaly_severity{host="${host}"}`);
      return r.length ? r : undefined;
    }, 'the series in Prometheus');
    expect(seriesValues(result)).toEqual([3]);
  });
});
