/**
 * Published models over the wire (moto S3) that must not replace the model in use: ones that load
 * but cannot score (an input narrower than the manifest's features, NaN scores, [N, 2] scores),
 * a pointer naming another version than its manifest (refused once, not downloaded at every
 * re-check), and a pointer far larger than any pointer (refused from its size).
 */
import { CopyObjectCommand, CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import { ModelCache } from '../../functions/score/model-cache.js';
import { s3ModelSource } from '../../functions/score/s3-model-source.js';
import { writeModelDir } from '../../model-store/artifact.js';
import { modelKeys, pointerKey } from '../../model-store/layout.js';
import { createOnnxScorer } from '../../model-store/onnx-scorer.js';
import { publishModel, readPointer } from '../../model-store/s3-store.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { quietTools, zscoreModel } from './fixtures.js';

useLocalAws();
let s3: S3Client;
/** GetObject calls made through `s3`. */
let gets = 0;
beforeAll(() => {
  s3 = new S3Client(awsClientSettings());
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetObjectCommand') gets++;
      return next(args);
    },
    { step: 'initialize' },
  );
});

async function bucketWithModel(): Promise<{ bucket: string; models: ModelCache; clock: { now: number } }> {
  const bucket = uniqueName('models');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await publishModel(s3, { bucket, prefix: 'models', ...zscoreModel({ version: 'good' }) });
  const clock = { now: 0 };
  const models = new ModelCache({
    source: s3ModelSource(s3, { bucket, prefix: 'models' }),
    recheckMs: 1000,
    createScorer: createOnnxScorer,
    ...quietTools(),
    now: () => clock.now,
  });
  expect((await models.current()).manifest.version).toBe('good');
  return { bucket, models, clock };
}

describe('a published model that cannot score does not replace the one in use', () => {
  it.each([
    ['an input of 10 features under a manifest of more', { inputWidth: 10 } as const, /cannot score its own baseline rows of \d+ features: .*dimensions/i],
    ['NaN scores', 'nan' as const, /scores its own baseline rows as NaN; a model must give finite scores/],
    ['scores of shape [N, 2]', 'pairs' as const, /cannot score its own baseline rows .*returned float32 data of 4 values for 2 rows/],
  ])('%s: refused with why, the last good model kept, and not downloaded again', async (_case, broken, why) => {
    const { bucket, models, clock } = await bucketWithModel();
    await publishModel(s3, { bucket, prefix: 'models', ...zscoreModel({ version: 'broken', broken }) });
    clock.now = 1000;
    const kept = await models.current();
    expect(kept.manifest.version).toBe('good');
    expect(Array.from(await kept.scorer.score(new Float32Array(kept.scorer.featureCount).fill(1), 1))[0]).toBeCloseTo(1, 5);
    expect(models.status().lastError).toMatch(why);
    expect(models.status().lastError).toMatch(/model zscore broken .*keeping the model in use until another version is published/s);
    // Refused once: later re-checks read the pointer only.
    const before = gets;
    clock.now = 2000;
    await models.current();
    expect(gets - before).toBe(1);
    expect(models.status().lastError).toMatch(why);
  });

  it('refuses a pointer that names another version than its manifest, once', async () => {
    const { bucket, models, clock } = await bucketWithModel();
    // Version y's files copied under version x, and the pointer naming x: its manifest says y.
    const y = zscoreModel({ version: 'y', gain: 3 });
    await publishModel(s3, { bucket, prefix: 'models', ...y });
    const [from, to] = [modelKeys('models', 'y'), modelKeys('models', 'x')];
    for (const file of ['model', 'manifest'] as const)
      await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: to[file], CopySource: `${bucket}/${from[file]}` }));
    const pointer = (await readPointer(s3, { bucket, prefix: 'models' }))!;
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: pointerKey('models'),
        Body: JSON.stringify({ ...pointer, version: 'x', model: to.model, manifest: to.manifest }),
      }),
    );
    clock.now = 1000;
    expect((await models.current()).manifest.version).toBe('good');
    expect(models.status().lastError).toMatch(/names version x, but the manifest at .* says version y/);
    const before = gets;
    clock.now = 2000;
    await models.current();
    expect(gets - before).toBe(1);
    expect(models.status().version).toBe('good');
  });

  it('refuses a pointer far larger than any pointer from its size, without reading it', async () => {
    const { bucket, models, clock } = await bucketWithModel();
    const huge = `{"schema":1,"pad":"${'x'.repeat(3 * 1024 * 1024)}"}`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: pointerKey('models'), Body: huge }));
    await expect(readPointer(s3, { bucket, prefix: 'models' })).rejects.toThrow(
      /current\.json is \d+ bytes; no vigil pointer or manifest is over 65536 bytes, so it is not read/,
    );
    clock.now = 1000;
    expect((await models.current()).manifest.version).toBe('good');
    expect(models.status().lastError).toMatch(/is \d+ bytes; no vigil pointer/);
  });
});

describe('vigil publish', () => {
  it('refuses a model that cannot score its baseline rows, and publishes nothing', async () => {
    const bucket = uniqueName('models');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const dir = join(mkdtempSync(join(tmpdir(), 'vigil-nan-')), 'model');
    writeModelDir(dir, zscoreModel({ version: 'nan', broken: 'nan' }));
    const result = await promisify(execFile)(process.execPath, ['bin/vigil.js', 'publish', '--model', dir, '--bucket', bucket], { env: process.env }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/model zscore nan scores its own baseline rows as NaN; .*; nothing was published/);
    expect(await readPointer(s3, { bucket, prefix: 'models' })).toBeUndefined();
  });
});
