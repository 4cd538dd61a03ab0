/**
 * Every outbound call has a deadline: against servers that accept a connection and never answer
 * (Timestream, SQS, S3, Prometheus, Kinesis), the call fails in time, the sink reports its samples
 * failed, the handler answers with a batch item failure before Lambda's own timeout, and the
 * agent's sender abandons a stalled PutRecords, logs the stall and sends again.
 */
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../agent/log.js';
import { KinesisSender } from '../../agent/sender/kinesis-sender.js';
import { awsClientSettings } from '../../core/aws.js';
import { awsRegion } from '../../core/aws-endpoint.js';
import { SignedKinesisClient } from '../../agent/sender/kinesis-client.js';
import { createScoreHandler } from '../../functions/score/create-handler.js';
import { DeadLetterQueue } from '../../functions/score/dead-letter.js';
import { ModelCache, type LoadedModel } from '../../functions/score/model-cache.js';
import { s3ModelSource } from '../../functions/score/s3-model-source.js';
import { publishModel } from '../../model-store/s3-store.js';
import { PrometheusSink } from '../../functions/sinks/prometheus.js';
import { TimestreamSink } from '../../functions/sinks/timestream.js';
import { lambdaContext } from '../../local/kinesis-poller.js';
import { createOnnxScorer } from '../../model-store/onnx-scorer.js';
import { KinesisProxy } from '../agent/kinesis-proxy.js';
import { createStream, readSamples } from '../agent/stream.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { encode, kinesisRecords, quietTools, sample, T0, wireRecord, zscoreModel } from './fixtures.js';
import { scoredSample } from '../scored-sample.js';

const endpoint = useLocalAws();
const fast = { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 };

/** Accepts connections, reads what comes, never answers. */
class SilentServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  url = '';
  constructor() {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('data', () => undefined);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let silent: SilentServer;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  silent = await new SilentServer().start();
  return () => silent.stop();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Client settings pointing at the silent server, with a short deadline. */
const silentSettings = (requestTimeoutMs: number) => ({ ...awsClientSettings({ maxAttempts: 1, requestTimeoutMs }), endpoint: silent.url });

describe('deadlines on outbound calls', () => {
  it('an AWS call to a server that never answers fails at its deadline (S3 model re-check, SQS dead letters, Timestream)', async () => {
    const s3 = new S3Client(silentSettings(300));
    const started = Date.now();
    await expect(s3.send(new GetObjectCommand({ Bucket: 'models', Key: 'models/current.json' }))).rejects.toThrow(/requestTimeout/);
    expect(Date.now() - started).toBeLessThan(5_000);

    const queue = new DeadLetterQueue(new SQSClient(silentSettings(300)), `${silent.url}/000000000000/dlq`, fast);
    const origin = { index: 0, shardId: 's', sequenceNumber: '1', partitionKey: 'h', eventSourceARN: 'arn', approximateArrivalTimestamp: 0 };
    const sent = await queue.send([{ reason: 'garbage', message: 'junk', origin, payloadBase64: 'AA==' }]);
    expect(sent).toMatchObject({ sent: 0, failed: [0] });

    const sink = new TimestreamSink({ client: new TimestreamWriteClient(silentSettings(300)), database: 'd', table: 't', retry: fast });
    const outcome = await sink
      .prepare({
        samples: [scoredSample({ host: 'h', seq: 1, time: Date.now(), modelVersion: 'z1' })],
        store: [true],
        threshold: 1,
        modelCreatedMs: 0,
        scoredAt: Date.now(),
      })
      .send();
    expect(outcome).toMatchObject({ written: 0, failed: [0], rejected: [] });
    expect(outcome.error).toMatch(/requestTimeout/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a model re-check against an S3 that never answers does not hold scoring: the batch is scored with the model in use', async () => {
    const bucket = uniqueName('models');
    const s3 = new S3Client(awsClientSettings());
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await publishModel(s3, { bucket, prefix: 'models', ...zscoreModel({ version: 'good' }) });
    const clock = { now: 0 };
    // Reads go to moto until the "network" turns to a server that never answers.
    let hung = false;
    const switching = new S3Client({ ...awsClientSettings({ requestTimeoutMs: 20_000 }), forcePathStyle: true });
    switching.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { hostname?: string; port?: number };
        if (hung) Object.assign(request, { hostname: '127.0.0.1', port: Number(new URL(silent.url).port) });
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    const models = new ModelCache({
      source: s3ModelSource(switching, { bucket, prefix: 'models' }),
      recheckMs: 1000,
      createScorer: createOnnxScorer,
      ...quietTools(),
      now: () => clock.now,
    });
    expect((await models.current()).manifest.version).toBe('good');
    hung = true;
    clock.now = 5_000;
    const started = Date.now();
    expect((await models.current()).manifest.version).toBe('good');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("answers with a batch item failure before the invocation's own timeout when a sink never answers", async () => {
    const { onnx, manifest } = zscoreModel({ version: 'z1', createdAt: new Date(T0) });
    const model: LoadedModel = { manifest, scorer: await createOnnxScorer(onnx, manifest.featureSet.names.length, 'test'), createdMs: T0 };
    const { logger, metrics } = quietTools();
    // The sink's own limits (10 s a request, 4 tries) add up to far more than the invocation has.
    const sink = new PrometheusSink({ url: `${silent.url}/api/v1/write` });
    const handler = createScoreHandler(
      () => ({
        models: { current: async () => model },
        sinks: [sink],
        deadLetters: { send: async () => ({ sent: 0, failed: [] }) },
        normalResolutionMs: 0,
        logger,
        metrics,
      }),
      { logger, metrics },
    );
    const records = kinesisRecords([encode(wireRecord('web-1', [sample(1)])), encode(wireRecord('web-2', [sample(2)]))]);
    const started = Date.now();
    const answer = await handler({ Records: records }, lambdaContext('vigil-score-test', 6_000));
    const took = Date.now() - started;
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: records[0]!.kinesis.sequenceNumber }] });
    expect(took).toBeLessThan(6_000);
  });

  it('the agent abandons a PutRecords call held without an answer, logs the stall, and sends again', async () => {
    const stream = uniqueName('stall');
    const kinesis = await createStream(stream);
    const proxy = await KinesisProxy.start(endpoint);
    cleanups.push(() => proxy.close());
    proxy.mode = 'hold';
    const lines: string[] = [];
    const sender = new KinesisSender({
      client: new SignedKinesisClient({ region: awsRegion(), endpoint: proxy.url }),
      stream,
      log: createLogger('info', (line) => lines.push(line)),
      backoff: { baseMs: 10, throttledBaseMs: 20, capMs: 50 },
      callTimeoutMs: 500,
    });
    const data = encode(wireRecord('web-1', [sample(1)]));
    const sending = sender.put([{ data, partitionKey: 'web-1', samples: 1 }]);
    // The network comes back once the first call is held.
    const held = setInterval(() => {
      if (proxy.calls.length > 0) proxy.mode = 'forward';
    }, 20);
    try {
      expect(await sending).toBe('sent');
    } finally {
      clearInterval(held);
    }
    expect(proxy.calls.map((c) => c.held)).toEqual([true, false]);
    const stall = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l.msg ?? l.message).includes('stalled'));
    expect(stall).toMatchObject({ level: 'warn', error: 'TimeoutError: no answer within 500 ms' });
    expect((await readSamples(kinesis, stream)).map((s) => s.seq)).toContain(1);
  });
});
