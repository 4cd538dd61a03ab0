/**
 * `vigil models status` over the wire (local AWS endpoint): the scoring function's own dependencies
 * (model cache, S3 model source, status writer) load the published model and refuse a broken one,
 * and the command shows which model the function uses next to the current pointer.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import type { ModelStatus } from '../../core/model-status.js';
import { parseConfig } from '../../functions/score/config.js';
import { buildDependencies } from '../../functions/score/dependencies.js';
import type { ModelCache } from '../../functions/score/model-cache.js';
import { publishDefaultModel } from '../../model-store/default-model.js';
import { publishModel } from '../../model-store/s3-store.js';
import { fakeModel } from '../models/fake-model.js';
import { quietTools } from '../functions/fixtures.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { runVigil, type CliRun } from '../vigil-cli.js';

useLocalAws();
let s3: S3Client;
beforeAll(() => {
  s3 = new S3Client(awsClientSettings());
});

const vigil = (...args: string[]): Promise<CliRun> => runVigil(args);

function scoreFunction(bucket: string, name: string): ModelCache {
  const config = parseConfig({
    ...process.env,
    VIGIL_MODEL_BUCKET: bucket,
    VIGIL_MODEL_RECHECK_SECONDS: '0',
    VIGIL_SINKS: 'log',
    VIGIL_DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:1/queue/unused',
    AWS_LAMBDA_FUNCTION_NAME: name,
  });
  const { logger, metrics } = quietTools();
  return buildDependencies(config, logger, metrics).models as ModelCache;
}

describe('vigil models status', () => {
  it('shows the model each function uses, and a refused current model with the reason', { timeout: 120_000 }, async () => {
    const bucket = uniqueName('status');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    expect((await vigil('models', 'status', '--bucket', bucket)).stdout).toContain('current: none');

    const { defaultVersion } = await publishDefaultModel(s3, { bucket, prefix: 'models' });
    const models = scoreFunction(bucket, 'Vigil-ScoreFunction-A1');
    await models.current();
    await models.reported();
    const loaded = await vigil('models', 'status', '--bucket', bucket);
    expect(loaded.stdout).toContain(`current: ${defaultVersion}`);
    expect(loaded.stdout).toMatch(new RegExp(`^Vigil-ScoreFunction-A1 +${defaultVersion} +\\S+ +current`, 'm'));

    // A model whose ONNX bytes do not load: the pointer names it, the function keeps the default.
    const broken = fakeModel('broken');
    await publishModel(s3, { bucket, prefix: 'models', ...broken });
    expect((await models.current()).manifest.version).toBe(defaultVersion);
    await models.reported();
    const refused = await vigil('models', 'status', '--bucket', bucket);
    expect(refused.stdout).toContain(`current: ${broken.manifest.version}`);
    expect(refused.stdout).toMatch(
      new RegExp(`^Vigil-ScoreFunction-A1 +${defaultVersion} .*REFUSED the current model; scores with an older one +${broken.manifest.version}: `, 'm'),
    );
    const json = JSON.parse((await vigil('models', 'status', '--bucket', bucket, '--json')).stdout) as {
      current: { version: string };
      functions: ModelStatus[];
    };
    expect(json.current.version).toBe(broken.manifest.version);
    expect(json.functions).toEqual([
      expect.objectContaining({
        function: 'Vigil-ScoreFunction-A1',
        loaded: expect.objectContaining({ version: defaultVersion }),
        refused: expect.objectContaining({ version: broken.manifest.version }),
      }),
    ]);
  });
});
