/** Publishing to S3 over the wire (moto): versions, the current pointer, verification, rollback. */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import { modelKeys, pointerKey } from '../../model-store/layout.js';
import { PointerChangedError, fetchCurrentModel, listModels, publishModel, readPointer, rollbackModel } from '../../model-store/s3-store.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { AtomicWriteProxy } from './atomic-write-proxy.js';
import { fakeModel } from './fake-model.js';

const endpoint = useLocalAws();
let s3: S3Client;
/** Through AtomicWriteProxy: conditional writes atomic, as in S3 (moto's are not). */
let atomic: S3Client;
beforeAll(async () => {
  s3 = new S3Client(awsClientSettings());
  const proxy = await new AtomicWriteProxy(endpoint).start();
  atomic = new S3Client({ ...awsClientSettings(), endpoint: proxy.url });
  return () => proxy.stop();
});

async function newBucket(): Promise<string> {
  const bucket = uniqueName('models');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

describe('publishModel / fetchCurrentModel', () => {
  it('publishes a version and fetches the same bytes and manifest through the pointer', async () => {
    const bucket = await newBucket();
    const model = fakeModel('alpha', randomBytes(300_000));
    const pointer = await publishModel(s3, { bucket, prefix: 'vigil/models', ...model });
    expect(pointer).toMatchObject({
      version: model.manifest.version,
      sha256: model.manifest.onnx.sha256,
      model: modelKeys('vigil/models', model.manifest.version).model,
    });
    expect(pointer.previous).toBeUndefined();
    const fetched = await fetchCurrentModel(s3, { bucket, prefix: 'vigil/models' });
    expect(Buffer.from(fetched.onnx).equals(Buffer.from(model.onnx))).toBe(true);
    expect(fetched.manifest).toEqual(model.manifest);
    expect(fetched.pointer).toEqual(pointer);
  });

  it('rejects tampered ONNX bytes in S3, naming the object', async () => {
    const bucket = await newBucket();
    const model = fakeModel();
    await publishModel(s3, { bucket, prefix: 'models', ...model });
    const key = modelKeys('models', model.manifest.version).model;
    const tampered = Buffer.from(model.onnx);
    tampered[0] = tampered[0]! ^ 1;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: tampered }));
    await expect(fetchCurrentModel(s3, { bucket, prefix: 'models' })).rejects.toThrow(`s3://${bucket}/${key}: the ONNX bytes`);
  });

  it('says how to publish when nothing is published', async () => {
    const bucket = await newBucket();
    await expect(fetchCurrentModel(s3, { bucket, prefix: 'models' })).rejects.toThrow(
      `s3://${bucket}/models/current.json does not exist; publish a model with \`vigil publish`,
    );
  });

  it('refuses to publish a manifest that does not describe the bytes', async () => {
    const bucket = await newBucket();
    const model = fakeModel();
    await expect(publishModel(s3, { bucket, prefix: 'models', onnx: randomBytes(64), manifest: model.manifest })).rejects.toThrow(/do not match the manifest/);
    expect(await readPointer(s3, { bucket, prefix: 'models' })).toBeUndefined();
  });

  it('never overwrites a published version with other bytes, and republishing the same bytes is a no-op', async () => {
    const bucket = await newBucket();
    const model = fakeModel();
    await publishModel(s3, { bucket, prefix: '', ...model });
    const again = await publishModel(s3, { bucket, prefix: '', ...model });
    expect(again.version).toBe(model.manifest.version);
    const impostor = fakeModel();
    await expect(
      publishModel(s3, { bucket, prefix: '', onnx: impostor.onnx, manifest: { ...impostor.manifest, version: model.manifest.version } }),
    ).rejects.toThrow(/already published .* never overwritten/);
    const fetched = await fetchCurrentModel(s3, { bucket, prefix: '' });
    expect(fetched.manifest.onnx.sha256).toBe(model.manifest.onnx.sha256);
  });

  it('replaces the pointer atomically: concurrent readers only ever see a complete, verified model', async () => {
    const bucket = await newBucket();
    const models = [0, 1, 2, 3].map((i) => fakeModel(`m${i}`, randomBytes(50_000 + i)));
    const versions = new Set(models.map((m) => m.manifest.version));
    await publishModel(s3, { bucket, prefix: 'p', ...models[0]! });
    const publishing = (async () => {
      for (const model of models.slice(1)) await publishModel(s3, { bucket, prefix: 'p', ...model });
    })();
    const seen: string[] = [];
    let done = false;
    void publishing.finally(() => (done = true));
    while (!done) {
      const fetched = await fetchCurrentModel(s3, { bucket, prefix: 'p' });
      seen.push(fetched.manifest.version);
    }
    await publishing;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((v) => versions.has(v))).toBe(true);
    expect((await fetchCurrentModel(s3, { bucket, prefix: 'p' })).manifest.version).toBe(models[3]!.manifest.version);
  });
});

/**
 * A client whose next PutObject of the pointer first lets `interloper` run (a publish from another
 * machine landing between this command's read and write of the pointer).
 */
function clientRacedBy(interloper: () => Promise<unknown>): S3Client {
  const client = new S3Client(awsClientSettings());
  let raced = false;
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { Key?: string; Body?: unknown };
      if (!raced && input.Key?.endsWith('current.json') && input.Body !== undefined) {
        raced = true;
        await interloper();
      }
      return next(args);
    },
    { step: 'initialize' },
  );
  return client;
}

describe('concurrent publishes and rollbacks', () => {
  it('publishes at the same time chain up: every version replaced exactly one other, none is lost', async () => {
    const bucket = await newBucket();
    const location = { bucket, prefix: 'models' };
    const first = fakeModel('first');
    await publishModel(s3, { ...location, ...first });
    const models = [1, 2, 3, 4].map((i) => fakeModel(`m${i}`));
    const pointers = await Promise.all(models.map((m) => publishModel(atomic, { ...location, ...m })));
    const previous = pointers.map((p) => p.previous!);
    expect(new Set(previous).size).toBe(4);
    expect(previous).toContain(first.manifest.version);
    const current = await readPointer(s3, location);
    expect(previous).not.toContain(current!.version);
  });

  it('a publish whose pointer read went stale reads again and records the version it really replaced', async () => {
    const bucket = await newBucket();
    const location = { bucket, prefix: 'models' };
    const [a, b, c] = [fakeModel('a'), fakeModel('b'), fakeModel('c')];
    await publishModel(s3, { ...location, ...a });
    const raced = clientRacedBy(() => publishModel(s3, { ...location, ...b }));
    const pointer = await publishModel(raced, { ...location, ...c });
    expect(pointer).toMatchObject({ version: c.manifest.version, previous: b.manifest.version });
  });

  it('a rollback whose pointer read went stale stops and leaves the newer model current', async () => {
    const bucket = await newBucket();
    const location = { bucket, prefix: 'models' };
    const [a, b, c] = [fakeModel('a'), fakeModel('b'), fakeModel('c')];
    await publishModel(s3, { ...location, ...a });
    await publishModel(s3, { ...location, ...b });
    const raced = clientRacedBy(() => publishModel(s3, { ...location, ...c }));
    const rollback = rollbackModel(raced, location);
    await expect(rollback).rejects.toBeInstanceOf(PointerChangedError);
    await expect(rollback).rejects.toThrow(/current\.json changed while this command ran .* try again/);
    expect((await readPointer(s3, location))!.version).toBe(c.manifest.version);
  });
});

describe('listModels / rollbackModel', () => {
  it('lists every version with the current one marked, rolls back to the previous and to a named version', async () => {
    const bucket = await newBucket();
    const location = { bucket, prefix: 'models' };
    const models = ['a', 'b', 'c'].map((n, i) => {
      const m = fakeModel(`model-${n}`);
      return { ...m, manifest: { ...m.manifest, version: `v${i + 1}`, createdAt: `2026-01-0${i + 1}T00:00:00Z` } };
    });
    for (const m of models) await publishModel(s3, { ...location, ...m });
    const listed = await listModels(s3, location);
    expect(listed.map((m) => [m.version, m.name, m.current])).toEqual([
      ['v1', 'model-a', false],
      ['v2', 'model-b', false],
      ['v3', 'model-c', true],
    ]);

    const back = await rollbackModel(s3, location);
    expect(back).toMatchObject({ version: 'v2', previous: 'v3' });
    expect((await fetchCurrentModel(s3, location)).manifest.name).toBe('model-b');

    const named = await rollbackModel(s3, { ...location, to: 'v1' });
    expect(named).toMatchObject({ version: 'v1', previous: 'v2' });
    expect((await listModels(s3, location)).filter((m) => m.current).map((m) => m.version)).toEqual(['v1']);
  });

  it('refuses to roll back to a version that does not exist or is broken, leaving the pointer alone', async () => {
    const bucket = await newBucket();
    const location = { bucket, prefix: 'models' };
    const first = fakeModel();
    const second = fakeModel();
    await publishModel(s3, { ...location, ...first, manifest: { ...first.manifest, version: 'v1' } });
    await publishModel(s3, { ...location, ...second, manifest: { ...second.manifest, version: 'v2' } });
    await expect(rollbackModel(s3, { ...location, to: 'v9' })).rejects.toThrow(/model version v9 is not published.*vigil models list/);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: modelKeys('models', 'v1').model, Body: randomBytes(10) }));
    await expect(rollbackModel(s3, location)).rejects.toThrow(/do not match the manifest/);
    const pointer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: pointerKey('models') }));
    expect(JSON.parse(await pointer.Body!.transformToString()).version).toBe('v2');
  });

  it('explains what to do when there is nothing to roll back to', async () => {
    const bucket = await newBucket();
    const location = { bucket, prefix: 'models' };
    await expect(rollbackModel(s3, location)).rejects.toThrow(/nothing to roll back/);
    await publishModel(s3, { ...location, ...fakeModel() });
    await expect(rollbackModel(s3, location)).rejects.toThrow(/records no previous version: name the version .* --to VERSION/);
  });
});
