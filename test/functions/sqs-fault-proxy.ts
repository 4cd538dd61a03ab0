/**
 * A loopback proxy in front of the AWS endpoint for SQS (JSON protocol): forwards every request,
 * and while `failIds` chooses entries, answers SendMessageBatch with those entries failed (not
 * forwarded) and the others as the endpoint took them.
 */
import { createServer, request, type Server } from 'node:http';
import { closeServer, listenOnLoopback } from '../loopback-server.js';

interface BatchAnswer {
  Successful?: unknown[];
  Failed?: { Id: string; SenderFault: boolean; Code: string; Message: string }[];
}

export class SqsFaultProxy {
  /** Entries (by Id) of SendMessageBatch calls to fail; none when unset. */
  failIds: ((id: string) => boolean) | undefined;
  /** SendMessageBatch calls seen. */
  batches = 0;
  url = '';
  private server: Server | undefined;

  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on(
        'end',
        () => void this.handle(req.method!, req.url!, req.headers, Buffer.concat(chunks)).then((a) => res.writeHead(a.status, a.headers).end(a.body)),
      );
    });
    this.url = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(
    method: string,
    path: string,
    headers: Record<string, string | string[] | undefined>,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const failIds = this.failIds;
    if (!String(headers['x-amz-target']).endsWith('.SendMessageBatch') || !failIds) return this.forward(method, path, headers, body);
    this.batches++;
    const input = JSON.parse(body.toString()) as { Entries: { Id: string }[] };
    const failed = input.Entries.filter((e) => failIds(e.Id));
    const passed = input.Entries.filter((e) => !failIds(e.Id));
    let answer: BatchAnswer = { Successful: [] };
    if (passed.length) {
      const forwarded = await this.forward(method, path, headers, Buffer.from(JSON.stringify({ ...input, Entries: passed })));
      if (forwarded.status !== 200) return forwarded;
      answer = JSON.parse(forwarded.body.toString()) as BatchAnswer;
    }
    answer.Failed = [
      ...(answer.Failed ?? []),
      ...failed.map((e) => ({ Id: e.Id, SenderFault: false, Code: 'InternalError', Message: 'failed on purpose by the test proxy' })),
    ];
    return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Buffer.from(JSON.stringify(answer)) };
  }

  private forward(
    method: string,
    path: string,
    headers: Record<string, string | string[] | undefined>,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const target = new URL(this.target);
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(headers)) if (v !== undefined && k !== 'content-length' && k !== 'host') out[k] = v;
    out['content-length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const upstream = request({ host: target.hostname, port: target.port, method, path, headers: out }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('end', () => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(answer.headers))
            if (v !== undefined && !['content-length', 'transfer-encoding', 'connection'].includes(k)) h[k] = String(v);
          resolve({ status: answer.statusCode ?? 502, headers: h, body: Buffer.concat(parts) });
        });
      });
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}
