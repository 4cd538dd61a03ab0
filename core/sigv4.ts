/**
 * SigV4 signing of requests to Amazon Managed Service for Prometheus (service `aps`): the scoring
 * function's remote write (functions/sinks/prometheus.ts) and `vigil export --source prometheus`'s
 * queries (models/prometheus-history.ts), with the default credential chain (the Lambda role in
 * AWS, the operator's profile or environment at the CLI).
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

export type RequestSigner = (url: URL, headers: Record<string, string>, body: Uint8Array) => Promise<Record<string, string>>;

/** Whether a URL is an Amazon Managed Service for Prometheus workspace's (aps-workspaces.<region>.amazonaws.com). */
export function isAmpUrl(url: URL): boolean {
  return AMP_HOST.test(url.hostname);
}

const AMP_HOST = /^aps-workspaces\.([a-z0-9-]+)\.amazonaws\.com$/;

/** The region of an AMP URL, else the process's region (AWS_REGION, AWS_DEFAULT_REGION), else us-east-1. */
export function regionOf(url: URL, env: NodeJS.ProcessEnv = process.env): string {
  const match = AMP_HOST.exec(url.hostname);
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
