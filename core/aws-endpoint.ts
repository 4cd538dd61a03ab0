/**
 * Which region and endpoint an AWS call goes to: the region given, else the environment's; a local
 * endpoint (moto, LocalStack) when AWS_ENDPOINT_URL is set. Apart from core/aws.ts so the agent
 * reads them without loading the SDK's HTTP handler.
 */

/** The region given, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. */
export function awsRegion(region?: string, env: NodeJS.ProcessEnv = process.env): string {
  return region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

export function localEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.AWS_ENDPOINT_URL || undefined;
}
