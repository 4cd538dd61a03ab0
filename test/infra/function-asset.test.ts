/**
 * The real function bundle (esbuild, local, no Docker): under Lambda's 250 MB unzipped limit and
 * the project's 60 MB target, with onnxruntime-node's binaries for the function's platform only,
 * and working: built for this machine's architecture, the bundled onnxruntime scores a model and
 * the bundled handler, driven by the local event source mapping from a stream on the local AWS
 * endpoint, scores records with a published model, remote-writes to Prometheus and dead-letters a
 * poison record to SQS, over the wire.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { CreateStreamCommand, KinesisClient, PutRecordsCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { arch } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type * as Ort from 'onnxruntime-node';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import { HOST_FEATURE_SET } from '../../core/features.js';
import type { Manifest } from '../../core/manifest.js';
import { encodeWireRecord } from '../../core/wire.js';
import { WIRE_VERSION, type WireRecord } from '../../core/wire.js';
import type { KinesisHandler } from '../../local/kinesis-poller.js';
import { KinesisPoller } from '../../local/kinesis-poller.js';
import { buildManifest } from '../../model-store/artifact.js';
import { publishModel } from '../../model-store/s3-store.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { directoryBytes, functionAssetDir, LAMBDA_UNZIPPED_LIMIT_BYTES } from '../../infra/function-asset.js';
import { attr, DataType, encodeModel, tensor } from '../../models/onnx/proto.js';
import { synthVigil } from './synth.js';
import type { Synthesized } from './synth.js';
import { until } from '../poll.js';

const MB = 1024 * 1024;
const TARGET_BYTES = 60 * MB;

function assetOf(s: Synthesized): string {
  s.app.synth();
  return functionAssetDir(s.outdir, s.stack, s.stack.score.function.node.defaultChild as CfnFunction);
}

const arm64 = assetOf(synthVigil({}, { bundle: true }));
// The same bundle built for this machine, so that it can be loaded and run here.
const local = assetOf(synthVigil({ functionArchitecture: arch() === 'arm64' ? Architecture.ARM_64 : Architecture.X86_64 }, { bundle: true }));
const runtimeBinaries = (dir: string): string => join(dir, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');

describe('function asset (arm64, as deployed)', () => {
  it(`is at most 60 MB unzipped, well under Lambda's 250 MB`, () => {
    const bytes = directoryBytes(arm64);
    expect(bytes).toBeLessThanOrEqual(TARGET_BYTES);
    expect(bytes).toBeLessThan(LAMBDA_UNZIPPED_LIMIT_BYTES);
    // The runtime's Linux arm64 library alone is over 20 MB: a smaller asset has lost it.
    expect(bytes).toBeGreaterThan(20 * MB);
  });

  it("carries onnxruntime-node's Linux arm64 binaries and no other platform's", () => {
    const bin = runtimeBinaries(arm64);
    expect(readdirSync(bin)).toEqual(['linux']);
    expect(readdirSync(join(bin, 'linux'))).toEqual(['arm64']);
    expect(readdirSync(join(bin, 'linux', 'arm64')).sort()).toEqual(['libonnxruntime.so.1', 'onnxruntime_binding.node']);
    // The binding is an ELF file for AArch64 (e_machine 0xB7 at offset 18).
    const binding = readFileSync(join(bin, 'linux', 'arm64', 'onnxruntime_binding.node'));
    expect(binding.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(binding.readUInt16LE(18)).toBe(0xb7);
  });

  it('is one ES module bundle with the SDK inside and onnxruntime-node beside it', () => {
    const files = readdirSync(arm64).sort();
    expect(files).toEqual(['index.mjs', 'index.mjs.map', 'node_modules']);
    expect(readdirSync(join(arm64, 'node_modules')).sort()).toEqual(['onnxruntime-common', 'onnxruntime-node']);
    const bundle = readFileSync(join(arm64, 'index.mjs'), 'utf8');
    // Every module the bundle imports (statically, or like onnxruntime-node on first use) is Node's
    // own or onnxruntime-node, so the SDK is inside it, at the project's versions rather than the
    // Lambda runtime's.
    const imported = [...new Set([...bundle.matchAll(/\b(?:from\s*|import\s*\(\s*)"([^"]+)"/g)].map((m) => m[1]!))];
    expect(imported.filter((name) => !name.startsWith('node:') && !['buffer', 'onnxruntime-node'].includes(name))).toEqual([]);
    expect(imported).toContain('onnxruntime-node');
    expect(bundle).toContain('AmazonSQS');
  });
});

describe('function asset (this machine, to load it)', () => {
  it('imports and exports the handler', async () => {
    const mod = (await import(pathToFileURL(join(local, 'index.mjs')).href)) as { handler?: unknown };
    expect(typeof mod.handler).toBe('function');
  });

  it("scores a model with the asset's own onnxruntime", async () => {
    const runtime = join(local, 'node_modules', 'onnxruntime-node', 'dist', 'index.js');
    expect(existsSync(runtime)).toBe(true);
    const ort = (await import(pathToFileURL(runtime).href)) as typeof Ort;
    // score = mean of the features of each row
    const model = encodeModel({
      opsets: { '': 13 },
      graph: {
        name: 'mean',
        nodes: [{ opType: 'ReduceMean', input: ['features'], output: ['score'], attribute: [attr.ints('axes', [1]), attr.int('keepdims', 0)] }],
        inputs: [{ name: 'features', elemType: DataType.FLOAT, shape: ['N', 2] }],
        outputs: [{ name: 'score', elemType: DataType.FLOAT, shape: ['N'] }],
      },
    });
    const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
    const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from([1, 3, 10, 20]), [2, 2]) });
    expect(Array.from(out.score!.data as Float32Array)).toEqual([2, 15]);
    await session.release();
  });
});

describe('bundled handler over the wire', () => {
  useLocalAws();
  const prometheus = inject('prometheusUrl');
  const kinesis = new KinesisClient(awsClientSettings());
  const s3 = new S3Client(awsClientSettings());
  const sqs = new SQSClient(awsClientSettings());
  const pollers: KinesisPoller[] = [];
  afterAll(async () => {
    for (const poller of pollers) await poller.stop();
  });

  it('scores with a published model, writes Prometheus series and dead-letters a poison record', { timeout: 60_000 }, async () => {
    const bucket = uniqueName('vigil-models');
    const stream = uniqueName('vigil-bundle');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('vigil-dead-letters') }));
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30, minDelay: 0.1, maxDelay: 0.5 }, { StreamName: stream });
    const { onnx, manifest } = meanDistanceModel();
    await publishModel(s3, { bucket, prefix: 'models', onnx, manifest });

    // The environment the stack gives the function, pointed at the local endpoints.
    Object.assign(process.env, {
      VIGIL_MODEL_BUCKET: bucket,
      VIGIL_MODEL_PREFIX: 'models',
      VIGIL_SINKS: 'prometheus',
      VIGIL_PROMETHEUS_URL: `${prometheus}/api/v1/write`,
      VIGIL_PROMETHEUS_SIGV4: 'false',
      VIGIL_DEAD_LETTER_QUEUE_URL: QueueUrl!,
      POWERTOOLS_SERVICE_NAME: 'vigil-score',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    const { handler } = (await import(pathToFileURL(join(local, 'index.mjs')).href)) as { handler: KinesisHandler };

    const host = uniqueName('web');
    const now = Date.now();
    const record: WireRecord = {
      v: WIRE_VERSION,
      host,
      fs: HOST_FEATURE_SET.version,
      samples: [
        { seq: 0, t: now - 2000, m: { cpu_pct: 10 }, f: HOST_FEATURE_SET.names.map(() => 0.1) },
        { seq: 1, t: now - 1000, m: { cpu_pct: 99 }, f: HOST_FEATURE_SET.names.map(() => 5) },
      ],
    };
    const poison = Buffer.from('not a wire record');
    const put = await kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: [
          { Data: encodeWireRecord(record), PartitionKey: host },
          { Data: poison, PartitionKey: 'poison' },
        ],
      }),
    );
    expect(put.FailedRecordCount).toBe(0);

    const poller = new KinesisPoller({ client: kinesis, streamName: stream, handler, idlePollMs: 20, maxRetries: 0 });
    pollers.push(poller);
    await poller.start();
    await until(() => poller.counters.recordsDelivered === 2, 'both records to be taken');

    const severity = await until(async () => {
      const result = await promQuery(prometheus, `vigil_anomaly_severity{host="${host}"}`);
      return result.length ? result : undefined;
    }, 'the series in Prometheus');
    // The later sample (every feature at 5) is past every severity cut point of the model.
    expect(severity.map((r) => Number(r.value[1]))).toEqual([4]);

    const letters = await until(async () => {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      return Messages?.length ? Messages : undefined;
    }, 'the dead letter');
    expect(letters).toHaveLength(1);
    const letter = JSON.parse(letters[0]!.Body!) as { reason: string; partitionKey: string; payload: string };
    expect(letter.partitionKey).toBe('poison');
    expect(letter.reason).toEqual(expect.any(String));
    expect(Buffer.from(letter.payload, 'base64').toString()).toBe('not a wire record');
  });
});

/** score = mean |feature|; threshold 1, severity cut points 1, 2, 3, 4 (a test model, not a forest). */
function meanDistanceModel(): { onnx: Uint8Array; manifest: Manifest } {
  const width = HOST_FEATURE_SET.names.length;
  const onnx = encodeModel({
    opsets: { '': 13 },
    graph: {
      name: 'mean-distance',
      inputs: [{ name: 'features', elemType: DataType.FLOAT, shape: ['N', width] }],
      outputs: [{ name: 'score', elemType: DataType.FLOAT, shape: ['N'] }],
      initializers: [tensor.float('zero', [width], new Array<number>(width).fill(0))],
      nodes: [
        { opType: 'Sub', input: ['features', 'zero'], output: ['deviation'] },
        { opType: 'Abs', input: ['deviation'], output: ['distance'] },
        { opType: 'ReduceMean', input: ['distance'], output: ['score'], attribute: [attr.ints('axes', [1]), attr.int('keepdims', 0)] },
      ],
    },
  });
  const manifest = buildManifest({
    name: 'mean-distance',
    onnx,
    featureSet: HOST_FEATURE_SET,
    threshold: 1,
    severity: { low: 1, medium: 2, high: 3, critical: 4 },
    baseline: { center: new Array<number>(width).fill(0), scale: new Array<number>(width).fill(1) },
    training: { algorithm: 'mean-distance', rows: 1, params: {} },
  });
  return { onnx, manifest };
}

async function promQuery(prometheus: string, promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const url = new URL('/api/v1/query', prometheus);
  url.searchParams.set('query', promql);
  const answer = (await (await fetch(url)).json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  return answer.data.result;
}
