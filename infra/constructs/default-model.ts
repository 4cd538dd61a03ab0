/**
 * Scoring from the first sample: a custom resource that publishes the default model (trained on the
 * simulated fleet, model-store/default-model/, copied into the function's bundle) at deploy, only
 * where no model of its feature-set version is current (functions/bootstrap-model/handler.ts). It
 * never replaces an operator's model of that version; a redeploy leaves the bucket as it is, and
 * deleting the stack deletes no model. Its function may read and write the default model's two files
 * and the pointer, and read published manifests, nothing else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { vigilFunction } from '../vigil-function.js';
import { functionLogsAndRole } from '../function-role.js';
import { type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULT_MODEL_FOLDER, DEFAULT_MODEL_SOURCE_DIR } from '../../core/default-model.js';
import { MANIFEST_FILE } from '../../core/manifest.js';
import { modelKeys, pointerKey } from '../../core/model-keys.js';
import { acknowledge } from '../nag.js';
import type { ModelBucket } from './model-bucket.js';

export interface DefaultModelProps {
  readonly models: ModelBucket;
  readonly prefix: string;
  /** The directory holding package.json, package-lock.json, node_modules and the default model. */
  readonly projectRoot: string;
  readonly logRetention: RetentionDays;
}

export const BOOTSTRAP_HANDLER = join('functions', 'bootstrap-model', 'handler.ts');

export class DefaultModel extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly resource: CustomResource;
  /** The version of the default model this deployment offers. */
  readonly version: string;

  constructor(scope: Construct, id: string, props: DefaultModelProps) {
    super(scope, id);
    const sourceDir = join(props.projectRoot, DEFAULT_MODEL_SOURCE_DIR);
    this.version = defaultModelVersion(sourceDir);
    const { logGroup, role } = functionLogsAndRole(this, {
      description: 'vigil: publishes the default model where none is current',
      logRetention: props.logRetention,
    });
    this.role = role;
    const bucket = props.models.bucket;
    const keys = modelKeys(props.prefix, this.version);
    // Exactly the default model's two files and the pointer: read (is it there?) and write (publish it).
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'PublishDefaultModel',
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [keys.model, keys.manifest, pointerKey(props.prefix)].map((key) => bucket.arnForObjects(key)),
      }),
    );
    // Read only: the current model's manifest, to tell whether it is of another feature-set version.
    const publishedManifests = modelKeys(props.prefix, '*').manifest;
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ReadPublishedManifests',
        actions: ['s3:GetObject'],
        resources: [bucket.arnForObjects(publishedManifests)],
      }),
    );
    acknowledge(this.role, {
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(bucket.node.defaultChild as CfnBucket)}.Arn>/${publishedManifests}]`,
      reason:
        "At deploy, the function reads the current model's manifest (any published version, named by the pointer) to tell whether it is of another feature-set version; it reads manifests only, and writes none.",
    });
    // A key that does not exist then reads as "no such key", not "access denied".
    props.models.grantModelList(this.role);

    this.function = vigilFunction(this, {
      entry: join(props.projectRoot, BOOTSTRAP_HANDLER),
      projectRoot: props.projectRoot,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(60),
      role: this.role,
      logGroup,
      description: 'vigil: publishes the default model at deploy where no model is current',
      environment: { NODE_OPTIONS: '--enable-source-maps' },
      // The model's files next to the bundle, where model-store/default-model.ts looks for them.
      shipped: { afterBundling: (outputDir) => [`cp -R "${sourceDir}" "${join(outputDir, DEFAULT_MODEL_FOLDER)}"`] },
    });

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.function.functionArn,
      resourceType: 'Custom::VigilDefaultModel',
      properties: { Bucket: bucket.bucketName, Prefix: props.prefix, DefaultVersion: this.version },
    });
    // The role's permissions exist before CloudFormation invokes the function.
    this.resource.node.addDependency(this.role);

    const invokedByCloudFormation =
      'CloudFormation invokes the function for this custom resource only, and the handler answers CloudFormation on every path (FAILED with the reason when publishing fails), so a queue or destination for failed invocations would hold events nobody can answer any more.';
    const nodeVersion =
      'Node.js 24 is the runtime vigil is built and tested for (its code and its esbuild target node24); moving to a newer Node.js runtime is a deliberate project upgrade, not a deploy-time default.';
    acknowledge(
      this.function,
      { id: 'Serverless-LambdaDLQ', reason: invokedByCloudFormation },
      { id: 'Serverless-LambdaAsyncFailureDestination', reason: invokedByCloudFormation },
      { id: 'AwsSolutions-L1', reason: nodeVersion },
      { id: 'Serverless-LambdaLatestVersion', reason: nodeVersion },
      { id: 'Serverless-LambdaTracing', reason: 'The function runs once per deployment, a few hundred milliseconds; its log says what it did.' },
    );
  }
}

/** The version in the default model's manifest. */
export function defaultModelVersion(dir: string): string {
  const path = join(dir, MANIFEST_FILE);
  let manifest: { version?: unknown };
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown };
  } catch (error) {
    throw new Error(`cannot read the default model's manifest ${path}: ${(error as Error).message}; build it with \`npx tsx scripts/default-model.ts\``, {
      cause: error,
    });
  }
  if (typeof manifest.version !== 'string') throw new Error(`${path} has no version: build the default model again with \`npx tsx scripts/default-model.ts\``);
  return manifest.version;
}
