/**
 * The agent's PutRecords client against a loopback HTTP server that plays Kinesis (unit test: what
 * goes on the wire, and how answers and refusals come back; the integration tests send to the
 * real local endpoints through it).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { KinesisError, regionalEndpoint, SignedKinesisClient } from '../../agent/sender/kinesis-client.js';
import { closeServer, listenOnLoopback } from '../loopback-server.js';

const credentials = async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' });
let server: Server | undefined;
afterEach(() => closeServer(server));

interface Seen {
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
}

/** A server answering every request with `status` and `body`; what it received. */
async function kinesisAnswering(status: number, body: string): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(body);
    });
  });
  return { url: await listenOnLoopback(server), seen };
}

const input = { StreamName: 's', Records: [{ Data: new Uint8Array([1, 2, 3]), PartitionKey: 'web-1' }] };

describe('SignedKinesisClient', () => {
  it('sends a signed PutRecords with the records as base64, and returns the answer', async () => {
    const answer = { FailedRecordCount: 0, Records: [{ SequenceNumber: '49', ShardId: 'shardId-000000000000' }] };
    const { url, seen } = await kinesisAnswering(200, JSON.stringify(answer));
    const client = new SignedKinesisClient({ region: 'eu-west-1', endpoint: url, credentials });
    expect(await client.putRecords(input, AbortSignal.timeout(5000))).toEqual(answer);
    client.destroy();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers['x-amz-target']).toBe('Kinesis_20131202.PutRecords');
    expect(seen[0]!.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(seen[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/kinesis\/aws4_request, SignedHeaders=/);
    expect(seen[0]!.body).toEqual({ StreamName: 's', Records: [{ Data: 'AQID', PartitionKey: 'web-1' }] });
  });

  it('names a refusal by its error type, as the SDK does', async () => {
    const { url } = await kinesisAnswering(400, JSON.stringify({ __type: 'com.amazonaws.kinesis#ResourceNotFoundException', message: 'Stream s not found' }));
    const client = new SignedKinesisClient({ region: 'eu-west-1', endpoint: url, credentials });
    const error = await client.putRecords(input, AbortSignal.timeout(5000)).catch((e: unknown) => e);
    client.destroy();
    expect(error).toBeInstanceOf(KinesisError);
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', message: 'Stream s not found', status: 400 });
  });

  it('names a server failure without a JSON body by its status', async () => {
    const { url } = await kinesisAnswering(503, 'upstream unavailable');
    const client = new SignedKinesisClient({ region: 'eu-west-1', endpoint: url, credentials });
    const error = await client.putRecords(input, AbortSignal.timeout(5000)).catch((e: unknown) => e);
    client.destroy();
    expect(error).toMatchObject({ name: 'InternalFailure', message: 'HTTP 503: upstream unavailable', status: 503 });
  });

  it("goes to the region's endpoint, in the China partition too", () => {
    expect(regionalEndpoint('eu-west-1')).toBe('https://kinesis.eu-west-1.amazonaws.com');
    expect(regionalEndpoint('cn-north-1')).toBe('https://kinesis.cn-north-1.amazonaws.com.cn');
  });

  it('abandons a call that gets no answer when its signal aborts', async () => {
    server = createServer(() => {});
    const url = await listenOnLoopback(server);
    const client = new SignedKinesisClient({ region: 'eu-west-1', endpoint: url, credentials });
    const error = await client.putRecords(input, AbortSignal.timeout(200)).catch((e: unknown) => e);
    client.destroy();
    expect((error as Error).name).toMatch(/AbortError|TimeoutError/);
  });
});
