/** A loopback HTTP server that answers with scripted responses and keeps every request, for sink tests. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { closeServer, listenOnLoopback } from '../loopback-server.js';

export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export interface ScriptedResponse {
  readonly status: number;
  readonly body?: string | Uint8Array;
  readonly headers?: Record<string, string>;
}

export class FakeService {
  readonly requests: SeenRequest[] = [];
  private server: Server | undefined;
  url = '';

  /** `respond` decides each answer from the request and how many came before it. */
  constructor(private readonly respond: (request: SeenRequest, index: number) => ScriptedResponse) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
        const answer = this.respond(seen, this.requests.length);
        this.requests.push(seen);
        res.writeHead(answer.status, answer.headers ?? { 'content-type': 'application/x-amz-json-1.0' });
        res.end(answer.body ?? '');
      });
    });
    this.url = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}
