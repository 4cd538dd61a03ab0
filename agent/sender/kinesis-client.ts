/**
 * PutRecords over HTTPS, signed with SigV4: all the agent asks of Kinesis. Written here instead
 * of using @aws-sdk/client-kinesis because the SDK client's modules cost the agent about 2.4 MB of
 * resident memory against a 64 MB target (64.9 against 62.5 MB, medians of three `npm run bench --
 * --only agent` runs; docs/performance.md). Credentials still come from the SDK's standard provider
 * chain (instance role, profile, environment; refreshed before they expire), and requests are
 * signed by the SDK's own signer. The endpoint is AWS_ENDPOINT_URL when set (local emulators), else
 * the region's (regionalEndpoint).
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { localEndpoint } from '../../core/aws-endpoint.js';

export interface PutRecordsInput {
  readonly StreamName: string;
  readonly Records: readonly { readonly Data: Uint8Array; readonly PartitionKey: string }[];
}

export interface PutRecordsOutput {
  readonly FailedRecordCount?: number;
  readonly Records?: readonly { readonly SequenceNumber?: string; readonly ShardId?: string; readonly ErrorCode?: string; readonly ErrorMessage?: string }[];
}

/** What the sender needs of Kinesis: one PutRecords call, abandoned when `signal` aborts. */
export interface PutRecordsClient {
  putRecords(input: PutRecordsInput, signal: AbortSignal): Promise<PutRecordsOutput>;
  destroy?(): void;
}

/** A refusal Kinesis answered: `name` is its error type (ResourceNotFoundException, ...), as the SDK names it. */
export class KinesisError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface SignedKinesisClientOptions {
  readonly region: string;
  /** Defaults to AWS_ENDPOINT_URL, else https://kinesis.<region>.amazonaws.com. */
  readonly endpoint?: string;
  readonly credentials?: ConstructorParameters<typeof SignatureV4>[0]['credentials'];
}

const TARGET = 'Kinesis_20131202.PutRecords';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

export class SignedKinesisClient implements PutRecordsClient {
  private readonly url: URL;
  private readonly signer: SignatureV4;
  private readonly agent: HttpAgent | HttpsAgent;

  constructor(options: SignedKinesisClientOptions) {
    this.url = new URL(options.endpoint ?? localEndpoint() ?? regionalEndpoint(options.region));
    this.signer = new SignatureV4({ service: 'kinesis', region: options.region, credentials: options.credentials ?? defaultProvider(), sha256: Sha256 });
    this.agent = this.url.protocol === 'http:' ? new HttpAgent({ keepAlive: true, maxSockets: 4 }) : new HttpsAgent({ keepAlive: true, maxSockets: 4 });
  }

  async putRecords(input: PutRecordsInput, signal: AbortSignal): Promise<PutRecordsOutput> {
    const body = JSON.stringify({
      StreamName: input.StreamName,
      Records: input.Records.map((r) => ({
        Data: Buffer.from(r.Data.buffer, r.Data.byteOffset, r.Data.byteLength).toString('base64'),
        PartitionKey: r.PartitionKey,
      })),
    });
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      ...(this.url.port ? { port: Number(this.url.port) } : {}),
      path: this.url.pathname,
      headers: { host: this.url.host, 'content-type': CONTENT_TYPE, 'x-amz-target': TARGET },
      body,
    });
    signal.throwIfAborted();
    const { status, text } = await this.post(signed.headers as Record<string, string>, body, signal);
    const answer = parseJson(text);
    if (status >= 200 && status < 300) return answer as PutRecordsOutput;
    const type = String(answer.__type ?? answer.code ?? (status >= 500 ? 'InternalFailure' : 'UnknownError'));
    throw new KinesisError(type.slice(type.lastIndexOf('#') + 1), String(answer.message ?? answer.Message ?? `HTTP ${status}: ${text.slice(0, 200)}`), status);
  }

  destroy(): void {
    this.agent.destroy();
  }

  private post(headers: Record<string, string>, body: string, signal: AbortSignal): Promise<{ status: number; text: string }> {
    const request = this.url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        this.url,
        { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, agent: this.agent, signal },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** Kinesis' endpoint in a region: amazonaws.com, or amazonaws.com.cn in the China regions. */
export function regionalEndpoint(region: string): string {
  return `https://kinesis.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
