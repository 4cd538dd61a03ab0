/**
 * SigV4 signing of remote-write requests for Amazon Managed Service for Prometheus (service `aps`),
 * with the default credential chain (the Lambda role in AWS).
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

export type RequestSigner = (url: URL, headers: Record<string, string>, body: Uint8Array) => Promise<Record<string, string>>;

/** The region of an AMP URL (aps-workspaces.<region>.amazonaws.com), else the function's region. */
export function regionOf(url: URL, env: NodeJS.ProcessEnv = process.env): string {
  const match = /^aps-workspaces\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname);
  return match?.[1] ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

export function sigv4Signer(region: string): RequestSigner {
  const signer = new SignatureV4({ service: 'aps', region, credentials: defaultProvider(), sha256: Sha256 });
  return async (url, headers, body) => {
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...headers, host: url.host },
      body,
    });
    return signed.headers;
  };
}
