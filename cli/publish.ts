/** `vigil publish`: upload a model directory to S3 as a new version and make it current. */
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Command } from 'commander';
import { awsClientSettings } from '../core/aws.js';
import { HOST_FEATURE_SET, featureSetMismatch } from '../core/features.js';
import { MANIFEST_FILE, MODEL_FILE } from '../core/manifest.js';
import { DEFAULT_MODEL_PREFIX } from '../core/score-function.js';
import { readModelDir } from '../model-store/artifact.js';
import { createOnnxScorer } from '../model-store/onnx-scorer.js';
import { probeScorer } from '../model-store/probe.js';
import { publishModel, s3Url } from '../model-store/s3-store.js';

/** Where models live: flags, else the scoring function's own environment variables. */
export interface LocationFlags {
  bucket?: string;
  prefix: string;
  region?: string;
}

export function addLocationOptions(command: Command): Command {
  return command
    .option('--bucket <bucket>', 'S3 bucket of the models ($VIGIL_MODEL_BUCKET when set)', process.env.VIGIL_MODEL_BUCKET)
    .option('--prefix <prefix>', 'key prefix of the models ($VIGIL_MODEL_PREFIX when set)', process.env.VIGIL_MODEL_PREFIX ?? DEFAULT_MODEL_PREFIX)
    .option('--region <region>', 'AWS region ($AWS_REGION when not given)');
}

export function locationOf(flags: LocationFlags, commandName: string): { s3: S3Client; bucket: string; prefix: string } {
  if (!flags.bucket) throw new Error(`no bucket: pass --bucket BUCKET or set VIGIL_MODEL_BUCKET (see vigil ${commandName} --help)`);
  return {
    s3: new S3Client(awsClientSettings(flags.region ? { region: flags.region } : {})),
    bucket: flags.bucket,
    prefix: flags.prefix.replace(/^\/+|\/+$/g, ''),
  };
}

interface Flags extends LocationFlags {
  model: string;
  anyFeatures?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('publish')
    .description('publish a model directory to S3 under its version and point "current" at it (the scoring function picks it up)')
    .requiredOption('--model <dir>', `model directory (${MODEL_FILE} + ${MANIFEST_FILE}, from vigil train or your own)`)
    .option('--any-features', "publish a model whose features differ from the agent's (for a custom agent)");
  addLocationOptions(command)
    .addHelpText(
      'after',
      `
Any ONNX model with input "features" float32 [N, F] and output "score" float32 [N] plus a valid
manifest can be published, also one trained outside vigil. The sha256 in the manifest is checked,
and the model must score its own baseline rows with finite scores before it is published.

Examples:
  $ vigil publish --model models/web --bucket my-vigil-models
  $ VIGIL_MODEL_BUCKET=my-vigil-models vigil publish --model models/web --prefix fleet/models`,
    )
    .action(async (flags: Flags, cmd: Command) => {
      try {
        await run(flags);
      } catch (error) {
        cmd.error(`publish: ${(error as Error).message}`);
      }
    });
}

async function run(flags: Flags): Promise<void> {
  const { s3, bucket, prefix } = locationOf(flags, 'publish');
  const { onnx, manifest } = readModelDir(flags.model);
  const mismatch = featureSetMismatch(HOST_FEATURE_SET, manifest.featureSet);
  if (mismatch && !flags.anyFeatures) {
    throw new Error(
      `${join(flags.model, MANIFEST_FILE)} does not fit the agent's features: ${mismatch}. ` +
        `Train on a CSV with the columns timestamp,${HOST_FEATURE_SET.metrics.join(',')}, or pass --any-features if your agent sends these features`,
    );
  }
  // Tried before it is published, as the scoring function tries it before it replaces a model.
  const scorer = await createOnnxScorer(onnx, manifest.featureSet.names.length, `${manifest.name} ${manifest.version}`);
  try {
    await probeScorer(scorer, manifest);
  } catch (error) {
    throw new Error(`${(error as Error).message}; nothing was published`, { cause: error });
  } finally {
    await scorer.release();
  }
  const pointer = await publishModel(s3, { bucket, prefix, onnx, manifest });
  console.log(`published ${manifest.name} version ${pointer.version} to ${s3Url(bucket, pointer.model)}`);
  console.log(
    `current -> ${pointer.version}${pointer.previous ? ` (previous: ${pointer.previous}; undo with \`vigil models rollback --bucket ${bucket}\`)` : ''}`,
  );
}
