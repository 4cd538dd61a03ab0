/**
 * A small HTTP proxy in front of the local Kinesis endpoint, for the agent's integration tests:
 * it can refuse connections (stream unreachable), hold PutRecords calls without answering (to kill
 * the agent mid-send), and fail chosen PutRecords entries (partial failure) while forwarding the
 * rest. Everything still goes over the wire to the real endpoint; the proxy logs each PutRecords.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface PutRecordsCall {
  readonly records: { readonly data: Buffer; readonly partitionKey: string }[];
  /** Indexes of the entries the proxy failed on purpose. */
  readonly failed: number[];
  readonly held: boolean;
}

interface PutRecordsBody {
  StreamName?: string;
  StreamARN?: string;
  Records: { Data: string; PartitionKey: string }[];
}

export class KinesisProxy {
  readonly calls: PutRecordsCall[] = [];
  /** forward: pass through; hold: forward PutRecords upstream but never answer the agent. */
  mode: 'forward' | 'hold' = 'forward';
  /** Which entries of a PutRecords call to fail (entry index, entries in the call). */
  failEntry: ((index: number, count: number) => boolean) | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  private boundPort = 0;

  private constructor(private readonly upstream: URL) {}

  get port(): number {
    return this.boundPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(upstream: string, port = 0): Promise<KinesisProxy> {
    const proxy = new KinesisProxy(new URL(upstream));
    proxy.boundPort = await proxy.listen(port);
    return proxy;
  }

  /** The stream becomes unreachable: connections are refused and open ones cut. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Reachable again, on the same port. */
  async up(): Promise<void> {
    if (!this.server) await this.listen(this.boundPort);
  }

  async close(): Promise<void> {
    await this.down();
  }

  private listen(port: number): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (!target.endsWith('.PutRecords')) {
      const answer = await this.forward(req, body);
      res.writeHead(answer.status, answer.headers).end(answer.body);
      return;
    }
    const input = JSON.parse(body.toString('utf8')) as PutRecordsBody;
    const failed = input.Records.map((_, i) => i).filter((i) => this.failEntry?.(i, input.Records.length) ?? false);
    const held = this.mode === 'hold';
    this.calls.push({ records: input.Records.map((r) => ({ data: Buffer.from(r.Data, 'base64'), partitionKey: r.PartitionKey })), failed, held });
    const passed = input.Records.filter((_, i) => !failed.includes(i));
    let upstream: { FailedRecordCount?: number; Records: Record<string, unknown>[] } = { FailedRecordCount: 0, Records: [] };
    if (passed.length > 0) {
      const answer = await this.forward(req, Buffer.from(JSON.stringify({ ...input, Records: passed })));
      if (answer.status !== 200) {
        res.writeHead(answer.status, answer.headers).end(answer.body);
        return;
      }
      upstream = JSON.parse(answer.body.toString('utf8')) as typeof upstream;
    }
    if (held) return; // the agent waits for an answer that never comes (until it is killed)
    let next = 0;
    const results = input.Records.map((_, i) =>
      failed.includes(i)
        ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'failed on purpose by the test proxy' }
        : upstream.Records[next++]!,
    );
    const failedCount = results.filter((r) => 'ErrorCode' in r && r.ErrorCode).length;
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ FailedRecordCount: failedCount, Records: results }));
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined && !['host', 'content-length', 'connection'].includes(key)) headers[key] = Array.isArray(value) ? value.join(', ') : value;
    }
    headers['content-length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const upstream = request({ host: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers }, (response) => {
        const parts: Buffer[] = [];
        response.on('data', (chunk: Buffer) => parts.push(chunk));
        response.on('end', () => {
          const out: Record<string, string> = {};
          for (const [key, value] of Object.entries(response.headers)) {
            if (value !== undefined && !['content-length', 'transfer-encoding', 'connection'].includes(key))
              out[key] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: response.statusCode ?? 502, headers: out, body: Buffer.concat(parts) });
        });
        response.on('error', reject);
      });
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}
