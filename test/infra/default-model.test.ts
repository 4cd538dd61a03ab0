/**
 * Scoring from the first sample: the deploy-time custom resource, from its real bundle, publishes
 * the shipped default model into a fresh model bucket, leaves a bucket with a current model as it
 * is and replaces a current model of another feature-set version, over the wire (local AWS
 * endpoint), answering CloudFormation's response URL each time; its role may write the default
 * model's files and the pointer only.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import { DEFAULT_MODEL_SOURCE_DIR } from '../../core/default-model.js';
import { HOST_FEATURE_SET } from '../../core/features.js';
import { modelKeys, pointerKey } from '../../core/model-keys.js';
import type { CustomResourceEvent, CustomResourceResponse } from '../../functions/bootstrap-model/handler.js';
import { directoryBytes, functionAssetDir } from '../../infra/function-asset.js';
import { fetchCurrentModel, publishModel, readPointer } from '../../model-store/s3-store.js';
import { fakeModel } from '../models/fake-model.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { closeServer, listenOnLoopback } from '../loopback-server.js';
import { PROJECT_ROOT } from '../../infra/vigil-stack.js';
import { resourcesOf, synthVigil } from './synth.js';

useLocalAws();
const synthesized = synthVigil({}, { bundle: true });
synthesized.app.synth();
const asset = functionAssetDir(synthesized.outdir, synthesized.stack, synthesized.stack.defaultModel.function.node.defaultChild as CfnFunction);
const shipped = (file: string): Buffer => readFileSync(join(PROJECT_ROOT, DEFAULT_MODEL_SOURCE_DIR, file));
const defaultVersion = (JSON.parse(shipped('manifest.json').toString('utf8')) as { version: string }).version;

let s3: S3Client;
let responses: CustomResourceResponse[];
let responseServer: Server;
let responseUrl: string;
let handler: (event: CustomResourceEvent) => Promise<CustomResourceResponse>;
beforeAll(async () => {
  s3 = new S3Client(awsClientSettings());
  responses = [];
  // Stands in for CloudFormation's presigned response URL.
  responseServer = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      responses.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CustomResourceResponse);
      response.writeHead(200).end();
    });
  });
  responseUrl = await listenOnLoopback(responseServer);
  ({ handler } = (await import(pathToFileURL(join(asset, 'index.mjs')).href)) as { handler: typeof handler });
});
afterAll(() => closeServer(responseServer));

async function newBucket(): Promise<string> {
  const bucket = uniqueName('default-model');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

function event(type: CustomResourceEvent['RequestType'], bucket: string, prefix = 'models'): CustomResourceEvent {
  return {
    RequestType: type,
    ResponseURL: `${responseUrl}/response?signature=x`,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Vigil/1',
    RequestId: uniqueName('request'),
    LogicalResourceId: 'DefaultModelResource',
    ...(type === 'Create' ? {} : { PhysicalResourceId: `vigil-default-model:${bucket}/${prefix}` }),
    ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:x', Bucket: bucket, Prefix: prefix, DefaultVersion: defaultVersion },
  };
}

/** Invokes the bundled handler and returns what CloudFormation received. */
async function invoke(e: CustomResourceEvent): Promise<CustomResourceResponse> {
  const returned = await handler(e);
  const received = responses.find((r) => r.RequestId === e.RequestId);
  expect(received).toEqual(returned);
  return received!;
}

describe('the default model custom resource (bundled)', () => {
  it('ships the default model next to the handler, and no ONNX runtime', () => {
    expect(readFileSync(join(asset, 'default-model', 'model.onnx')).equals(shipped('model.onnx'))).toBe(true);
    expect(readFileSync(join(asset, 'default-model', 'manifest.json')).equals(shipped('manifest.json'))).toBe(true);
    expect(directoryBytes(asset)).toBeLessThan(5 * 1024 * 1024);
  });

  it('publishes the default model into a bucket with no current model, once', async () => {
    const bucket = await newBucket();
    const created = await invoke(event('Create', bucket));
    expect(created).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: `vigil-default-model:${bucket}/models`,
      Data: { Published: 'true', CurrentVersion: defaultVersion },
    });
    const current = await fetchCurrentModel(s3, { bucket, prefix: 'models' });
    expect(current.manifest.version).toBe(defaultVersion);
    expect(Buffer.from(current.onnx).equals(shipped('model.onnx'))).toBe(true);
    const pointer = await readPointer(s3, { bucket, prefix: 'models' });
    // A second deploy (an update) finds it current and leaves the pointer as it is.
    const updated = await invoke(event('Update', bucket));
    expect(updated).toMatchObject({ Status: 'SUCCESS', Data: { Published: 'false', CurrentVersion: defaultVersion } });
    expect(await readPointer(s3, { bucket, prefix: 'models' })).toEqual(pointer);
  });

  it('leaves an operator’s current model current', async () => {
    const bucket = await newBucket();
    const operators = fakeModel('operator');
    await publishModel(s3, { bucket, prefix: 'models', ...operators });
    const pointer = await readPointer(s3, { bucket, prefix: 'models' });
    const created = await invoke(event('Create', bucket));
    expect(created).toMatchObject({ Status: 'SUCCESS', Data: { Published: 'false', CurrentVersion: operators.manifest.version } });
    expect(await readPointer(s3, { bucket, prefix: 'models' })).toEqual(pointer);
  });

  it('replaces a current model of another feature-set version, which the scoring function would refuse, and names it as the previous one', async () => {
    const bucket = await newBucket();
    const older = fakeModel('before-the-upgrade');
    const olderManifest = { ...older.manifest, featureSet: { ...older.manifest.featureSet, version: HOST_FEATURE_SET.version - 1 } };
    await publishModel(s3, { bucket, prefix: 'models', onnx: older.onnx, manifest: olderManifest });
    const created = await invoke(event('Update', bucket));
    expect(created).toMatchObject({
      Status: 'SUCCESS',
      Data: { Published: 'true', CurrentVersion: defaultVersion, ReplacedVersion: olderManifest.version },
    });
    const pointer = await readPointer(s3, { bucket, prefix: 'models' });
    expect(pointer).toMatchObject({ version: defaultVersion, previous: olderManifest.version });
    // Once replaced, the default model is current and is left as it is.
    expect(await invoke(event('Update', bucket))).toMatchObject({ Status: 'SUCCESS', Data: { Published: 'false', CurrentVersion: defaultVersion } });
    expect(await readPointer(s3, { bucket, prefix: 'models' })).toEqual(pointer);
  });

  it('deletes nothing when the stack is deleted', async () => {
    const bucket = await newBucket();
    await invoke(event('Create', bucket));
    expect(await invoke(event('Delete', bucket))).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `vigil-default-model:${bucket}/models` });
    expect((await readPointer(s3, { bucket, prefix: 'models' }))?.version).toBe(defaultVersion);
  });

  it('answers FAILED with the reason when it cannot publish, so the deploy does not hang', async () => {
    const bucket = uniqueName('absent');
    const failed = await invoke(event('Create', bucket));
    expect(failed.Status).toBe('FAILED');
    expect(failed.Reason).toMatch(/^vigil default model: .*bucket .* does not exist|cannot read/);
  });
});

describe('the default model function’s permissions', () => {
  it('read and write exactly the default model’s two files and the pointer, read published manifests, and list under the prefix', () => {
    const roleId = synthesized.stack.getLogicalId(synthesized.stack.defaultModel.role.node.defaultChild as never);
    const policies = Object.values(resourcesOf(synthesized.template, 'AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties?.Roles).includes(roleId));
    expect(policies).toHaveLength(1);
    const statements = (policies[0]!.Properties!.PolicyDocument as { Statement: { Sid: string; Action: string | string[]; Resource: unknown }[] }).Statement;
    expect(statements.map((s) => s.Sid).sort()).toEqual(['ListPublishedModels', 'PublishDefaultModel', 'ReadPublishedManifests', 'WriteOwnLogs']);
    const manifests = statements.find((s) => s.Sid === 'ReadPublishedManifests')!;
    expect(manifests.Action).toBe('s3:GetObject');
    expect(JSON.stringify(manifests.Resource)).toContain(`/${modelKeys('models', '*').manifest}`);
    const publish = statements.find((s) => s.Sid === 'PublishDefaultModel')!;
    expect(publish.Action).toEqual(['s3:GetObject', 's3:PutObject']);
    const keys = JSON.stringify(publish.Resource);
    const expected = modelKeys('models', defaultVersion);
    for (const key of [expected.model, expected.manifest, pointerKey('models')]) expect(keys).toContain(`/${key}`);
    expect(keys).not.toContain('*');
    const resource = Object.values(resourcesOf(synthesized.template, 'Custom::VigilDefaultModel'));
    expect(resource).toHaveLength(1);
    expect(resource[0]!.Properties).toMatchObject({ Prefix: 'models', DefaultVersion: defaultVersion });
  });
});
