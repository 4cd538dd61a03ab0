/**
 * The deploy-time custom resource that publishes the default model (model-store/default-model.ts)
 * where no model of its feature-set version is current. CloudFormation invokes it on create, update
 * and delete of the resource:
 * - create / update: publishDefaultModel, which never replaces a current model of this release's
 *   feature-set version (the pointer is written conditionally on what was read) and does nothing when
 *   one is there: a redeploy, a second stack update, or an operator's model already published all
 *   leave the bucket as it is. A current model of another feature-set version (after an upgrade),
 *   which the scoring function would refuse, is replaced, so the fleet is scored from the first
 *   sample the upgraded agents send;
 * - delete: nothing (models are the operator's; the bucket is retained).
 * The answer goes to CloudFormation's presigned ResponseURL (a direct Lambda-backed custom resource,
 * no provider framework), with a deadline; a failure is answered FAILED with the reason, so a
 * deploy never hangs on this resource.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { awsClientSettings } from '../../core/aws.js';
import { publishDefaultModel } from '../../model-store/default-model.js';

/** The resource's properties (infra/constructs/default-model.ts sets them). */
export interface DefaultModelResourceProperties {
  readonly ServiceToken: string;
  readonly Bucket: string;
  readonly Prefix: string;
  /** The default model's version: a new one makes CloudFormation update the resource, so it is offered again. */
  readonly DefaultVersion: string;
}

export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: DefaultModelResourceProperties;
}

export interface CustomResourceResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly Data?: Record<string, string>;
}

/** How long CloudFormation's response URL may take to take the answer. */
export const RESPONSE_TIMEOUT_MS = 10_000;
const RESPONSE_ATTEMPTS = 3;

/** One resource per bucket and prefix: the physical id names them, so a change of bucket or prefix is a replacement. */
function physicalIdOf(properties: DefaultModelResourceProperties): string {
  return `vigil-default-model:${properties.Bucket}/${properties.Prefix}`;
}

export async function handler(event: CustomResourceEvent): Promise<CustomResourceResponse> {
  const properties = event.ResourceProperties;
  const base = { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
  let response: CustomResourceResponse;
  try {
    if (event.RequestType === 'Delete') {
      response = { ...base, Status: 'SUCCESS', PhysicalResourceId: event.PhysicalResourceId ?? physicalIdOf(properties) };
    } else {
      const s3 = new S3Client(awsClientSettings());
      const outcome = await publishDefaultModel(s3, { bucket: properties.Bucket, prefix: properties.Prefix });
      const message = outcome.replaced
        ? 'published the default model in place of a model of another feature-set version'
        : outcome.published
          ? 'published the default model'
          : 'a model is current: left as it is';
      console.log(JSON.stringify({ message, ...outcome }));
      response = {
        ...base,
        Status: 'SUCCESS',
        PhysicalResourceId: physicalIdOf(properties),
        Data: {
          Published: String(outcome.published),
          CurrentVersion: outcome.currentVersion,
          DefaultVersion: outcome.defaultVersion,
          ...(outcome.replaced ? { ReplacedVersion: outcome.replaced.version } : {}),
        },
      };
    }
  } catch (error) {
    console.error(JSON.stringify({ message: 'default model not published', error: (error as Error).message }));
    response = {
      ...base,
      Status: 'FAILED',
      Reason: `vigil default model: ${(error as Error).message}`.slice(0, 1000),
      PhysicalResourceId: event.PhysicalResourceId ?? physicalIdOf(properties),
    };
  }
  await sendResponse(event.ResponseURL, response);
  return response;
}

/** PUTs the answer to the presigned URL (no content type: the signature covers none), retried, each try with a deadline. */
export async function sendResponse(url: string, response: CustomResourceResponse): Promise<void> {
  const body = JSON.stringify(response);
  let problem = '';
  for (let attempt = 1; attempt <= RESPONSE_ATTEMPTS; attempt++) {
    try {
      const answer = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' }, signal: AbortSignal.timeout(RESPONSE_TIMEOUT_MS) });
      if (answer.ok) return;
      problem = `${answer.status} ${(await answer.text()).slice(0, 200)}`;
    } catch (error) {
      problem = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
  // CloudFormation waits for the answer until its own timeout: say why in the log it points to.
  throw new Error(`could not send the custom resource response to CloudFormation (${RESPONSE_ATTEMPTS} tries): ${problem}`);
}
