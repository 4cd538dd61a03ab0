/**
 * One place for AWS SDK client settings, so every client (agent, scoring function, CLI, tests)
 * talks to the real services in AWS and to a local endpoint (moto, LocalStack) the same way.
 * The SDK itself reads AWS_ENDPOINT_URL; the settings below make the local endpoints work.
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { awsRegion, localEndpoint } from './aws-endpoint.js';

export { awsRegion, localEndpoint } from './aws-endpoint.js';

export interface AwsClientSettings {
  region: string;
  endpoint?: string;
  requestHandler: NodeHttpHandler;
  forcePathStyle?: boolean;
  requestChecksumCalculation: 'WHEN_REQUIRED';
  responseChecksumValidation: 'WHEN_REQUIRED';
  maxAttempts?: number;
}

/** How long one AWS call may wait for its answer unless a caller asks for less. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * HTTP/1.1 always: the Kinesis client defaults to HTTP/2, which local emulators do not speak.
 * Checksums only where required: SDK uploads otherwise carry CRC32 trailers some emulators store.
 * Every call has a deadline: `requestTimeoutMs` fails a call whose answer has not come (a server
 * that accepts the connection and never answers), with `throwOnRequestTimeout`, since
 * @smithy/node-http-handler 4.x otherwise only logs a warning and waits on.
 */
export function awsClientSettings(
  options: { region?: string; maxAttempts?: number; requestTimeoutMs?: number } = {},
  env: NodeJS.ProcessEnv = process.env,
): AwsClientSettings {
  const endpoint = localEndpoint(env);
  return {
    region: awsRegion(options.region, env),
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 5_000,
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  };
}
