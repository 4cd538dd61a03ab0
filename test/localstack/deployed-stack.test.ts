/**
 * The stack itself in LocalStack: `cdklocal deploy` of the synthesized app (cdk.json, cdk-nag on),
 * with the 'prometheus' sink pointed at this run's Prometheus (prometheusRemoteWriteUrl) instead of
 * a Managed Prometheus workspace, which LocalStack community lacks. Every resource of the template
 * must be created. Then the real agent sends to the deployed stream, and the real handler, built
 * from the deployed function's own environment, is driven by the local poller with the deployed
 * trigger's settings (LocalStack runs no function without Docker): samples are scored and stored,
 * a bad record is dead-lettered in the deployed queue with its reason. The stack is destroyed after.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand, type StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { GetFunctionConfigurationCommand, LambdaClient, ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { SERIES } from '../../core/alert-series.js';
import { awsClientSettings } from '../../core/aws.js';
import { DeadLetterBodySchema } from '../../functions/score/dead-letter.js';
import { KinesisPoller, type KinesisHandler } from '../../local/kinesis-poller.js';
import { publishModel, readPointer } from '../../model-store/s3-store.js';
import { DEFAULT_MODEL_SOURCE_DIR } from '../../core/default-model.js';
import type { CustomResourceEvent, CustomResourceResponse } from '../../functions/bootstrap-model/handler.js';
import { closeServer, listenOnLoopback } from '../loopback-server.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { zscoreModel } from '../functions/fixtures.js';
import { until } from '../poll.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CDKLOCAL = join(ROOT, 'node_modules', '.bin', 'cdklocal');
const AGENT_BIN = join(ROOT, 'bin', 'vigil-agent.js');
const endpoint = useLocalAws();
const prometheus = inject('prometheusUrl');
const stackName = uniqueName('VigilLocal');
const outdir = mkdtempSync(join(tmpdir(), 'vigil-cdklocal-'));
const DEPLOY_TIMEOUT_MS = 300_000;
/** The app's settings (CDK context): the same for deploy and destroy, which synthesize the app again. */
const SETTINGS = ['-c', `stackName=${stackName}`, '-c', `prometheusRemoteWriteUrl=${prometheus}/api/v1/write`];

/** Runs cdklocal as an operator would, against this run's LocalStack (every endpoint, S3 included, path-style on 127.0.0.1). */
function cdklocal(args: string[]): { status: number | null; output: string } {
  const run = spawnSync(CDKLOCAL, [...args, '--no-notices', '--output', outdir], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: DEPLOY_TIMEOUT_MS,
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: endpoint,
      AWS_ENDPOINT_URL_S3: endpoint,
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      CDK_DISABLE_VERSION_CHECK: 'true',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
  return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
}

let outputs: Record<string, string>;
let deployed = false;

beforeAll(() => {
  const bootstrap = cdklocal(['bootstrap', 'aws://000000000000/us-east-1']);
  expect(bootstrap.status, bootstrap.output).toBe(0);
  const deploy = cdklocal(['deploy', '--require-approval', 'never', ...SETTINGS, '--outputs-file', join(outdir, 'outputs.json')]);
  deployed = true;
  expect(deploy.status, deploy.output).toBe(0);
  outputs = (JSON.parse(readFileSync(join(outdir, 'outputs.json'), 'utf8')) as Record<string, Record<string, string>>)[stackName]!;
}, DEPLOY_TIMEOUT_MS * 2);

afterAll(async () => {
  try {
    if (deployed) {
      // LocalStack deletes the model bucket on destroy although the stack retains it (AWS keeps it,
      // and infra/README.md empties and deletes it after): it must be empty by then.
      if (outputs?.ModelBucketName) await emptyBucket(outputs.ModelBucketName);
      const destroy = cdklocal(['destroy', '--force', ...SETTINGS, stackName]);
      expect(destroy.status, destroy.output).toBe(0);
      const stacks = await new CloudFormationClient(awsClientSettings())
        .send(new DescribeStacksCommand({ StackName: stackName }))
        .catch(() => ({ Stacks: [] }));
      expect(stacks.Stacks?.map((s) => s.StackStatus).filter((status) => status !== 'DELETE_COMPLETE')).toEqual([]);
      if (outputs?.ModelBucketName)
        await new S3Client(awsClientSettings()).send(new DeleteBucketCommand({ Bucket: outputs.ModelBucketName })).catch(() => undefined);
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}, DEPLOY_TIMEOUT_MS);

describe('the vigil stack deployed into LocalStack with cdklocal', () => {
  it('creates every resource of the synthesized template, none skipped', async () => {
    const template = JSON.parse(readFileSync(join(outdir, `${stackName}.template.json`), 'utf8')) as { Resources: Record<string, { Type: string }> };
    const cloudformation = new CloudFormationClient(awsClientSettings());
    const resources: StackResourceSummary[] = [];
    let NextToken: string | undefined;
    do {
      const page = await cloudformation.send(new ListStackResourcesCommand({ StackName: stackName, NextToken }));
      resources.push(...(page.StackResourceSummaries ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
    const created = Object.fromEntries(resources.map((r) => [r.LogicalResourceId!, `${r.ResourceType} ${r.ResourceStatus}`]));
    const expected = Object.fromEntries(Object.entries(template.Resources).map(([id, r]) => [id, `${r.Type} CREATE_COMPLETE`]));
    expect(created).toEqual(expected);
    expect(Object.values(template.Resources).map((r) => r.Type)).not.toContain('AWS::APS::Workspace');
    expect(outputs.PrometheusRemoteWriteUrl).toBe(`${prometheus}/api/v1/write`);
  });

  it('publishes the default model into the deployed bucket with the deployed custom resource function (run here: this LocalStack runs no functions)', async () => {
    const template = JSON.parse(readFileSync(join(outdir, `${stackName}.template.json`), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { Description?: string; Code?: { S3Key?: string } } }>;
    };
    const fn = Object.values(template.Resources).find(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Description?.includes('publishes the default model'),
    );
    const asset = join(outdir, `asset.${fn!.Properties.Code!.S3Key!.replace(/\.zip$/, '')}`);
    const { handler } = (await import(pathToFileURL(join(asset, 'index.mjs')).href)) as {
      handler: (event: CustomResourceEvent) => Promise<CustomResourceResponse>;
    };
    const answers: string[] = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        answers.push(Buffer.concat(chunks).toString('utf8'));
        response.writeHead(200).end();
      });
    });
    const url = await listenOnLoopback(server);
    try {
      const location = { bucket: outputs.ModelBucketName!, prefix: outputs.ModelPrefix! };
      const answer = await handler({
        RequestType: 'Create',
        ResponseURL: `${url}/cloudformation-response`,
        StackId: stackName,
        RequestId: 'deploy-1',
        LogicalResourceId: 'DefaultModelResource',
        ResourceProperties: { ServiceToken: 'unused', Bucket: location.bucket, Prefix: location.prefix, DefaultVersion: 'unused' },
      });
      expect(answer.Status).toBe('SUCCESS');
      expect(answers.map((a) => (JSON.parse(a) as CustomResourceResponse).Status)).toEqual(['SUCCESS']);
      const shipped = JSON.parse(readFileSync(join(ROOT, DEFAULT_MODEL_SOURCE_DIR, 'manifest.json'), 'utf8')) as { version: string };
      expect((await readPointer(new S3Client(awsClientSettings()), location))?.version).toBe(shipped.version);
    } finally {
      await closeServer(server);
    }
  });

  it('scores and stores what the real agent sends, and dead-letters a bad record with its reason', { timeout: 180_000 }, async () => {
    const lambda = new LambdaClient(awsClientSettings());
    const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: outputs.ScoreFunctionName }));
    const environment = fn.Environment?.Variables ?? {};
    expect(environment).toMatchObject({ VIGIL_SINKS: 'prometheus', VIGIL_PROMETHEUS_SIGV4: 'false', VIGIL_DEAD_LETTER_QUEUE_URL: outputs.DeadLetterQueueUrl });

    // The deployed trigger: LocalStack would invoke a function it cannot run, so it is paused and
    // the local poller reads the stream with the same batch, window, retry and bisect settings.
    const [mapping] = (await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: outputs.ScoreFunctionName }))).EventSourceMappings ?? [];
    expect(mapping?.EventSourceArn).toContain(`stream/${outputs.StreamName}`);
    await lambda.send(new UpdateEventSourceMappingCommand({ UUID: mapping!.UUID!, Enabled: false }));

    // A model published where the deployed function looks for it.
    await publishModel(new S3Client(awsClientSettings()), { bucket: outputs.ModelBucketName!, prefix: outputs.ModelPrefix!, ...zscoreModel() });

    // The real handler module, configured by nothing but the deployed function's environment.
    for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'ERROR');
    const { handler } = (await import('../../functions/score/handler.js')) as { handler: KinesisHandler };
    const kinesis = new KinesisClient(awsClientSettings());
    const poller = new KinesisPoller({
      client: kinesis,
      streamName: outputs.StreamName!,
      handler,
      batchSize: mapping!.BatchSize!,
      batchingWindowMs: (mapping!.MaximumBatchingWindowInSeconds ?? 0) * 1000,
      bisectOnError: mapping!.BisectBatchOnFunctionError ?? false,
      maxRetries: mapping!.MaximumRetryAttempts!,
      idlePollMs: 100,
    });
    const host = uniqueName('deployed-host');
    let agent: ChildProcess | undefined;
    try {
      await poller.start();
      agent = spawn(
        process.execPath,
        [AGENT_BIN, 'run', '--stream', outputs.StreamName!, '--region', 'us-east-1', '--host', host, '--interval', '0.5', '--no-start-jitter'].concat([
          '--spool-dir',
          mkdtempSync(join(tmpdir(), 'vigil-deployed-agent-')),
        ]),
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      const agentLog: string[] = [];
      agent.stderr!.on('data', (chunk: Buffer) => agentLog.push(chunk.toString()));
      const poison = await kinesis.send(new PutRecordCommand({ StreamName: outputs.StreamName, PartitionKey: 'junk', Data: Buffer.from('not a wire record') }));

      const scored = await until(
        async () => {
          const samples = await promQuery(`count_over_time(${SERIES.anomaly}{host="${host}"}[1h])`);
          return samples >= 3 && samples;
        },
        `3 scored samples of ${host} in Prometheus (agent log: ${agentLog.join('').slice(-500)})`,
        90_000,
      );
      expect(scored).toBeGreaterThanOrEqual(3);

      const sqs = new SQSClient(awsClientSettings());
      const letter = await until(
        async () => {
          const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: outputs.DeadLetterQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
          return Messages?.map((m) => DeadLetterBodySchema.parse(JSON.parse(m.Body!))).find((b) => b.sequenceNumber === poison.SequenceNumber);
        },
        'the bad record in the deployed dead-letter queue',
        60_000,
      );
      expect(letter.reason).toMatch(/\w/);
      expect(letter.partitionKey).toBe('junk');
      expect(Buffer.from(letter.payload!, 'base64').toString()).toBe('not a wire record');

      agent.kill('SIGTERM');
      const code = await new Promise<number | string>((done) => agent!.once('exit', (c, signal) => done(signal ?? c ?? -1)));
      expect(code, agentLog.join('')).toBe(0);
    } finally {
      if (agent && agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
      await poller.stop();
      vi.unstubAllEnvs();
    }
  });
});

/** The value of a one-series instant query, or 0 when it has none. */
async function promQuery(promql: string): Promise<number> {
  const url = new URL('/api/v1/query', prometheus);
  url.searchParams.set('query', promql);
  const answer = (await (await fetch(url, { signal: AbortSignal.timeout(5_000) })).json()) as { data: { result: { value: [number, string] }[] } };
  return Number(answer.data.result[0]?.value[1] ?? 0);
}

/** Deletes every object version and delete marker of a bucket (fewer than 1,000 here). */
async function emptyBucket(bucket: string): Promise<void> {
  const s3 = new S3Client(awsClientSettings());
  const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  const objects = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId! }));
  if (objects.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
}
