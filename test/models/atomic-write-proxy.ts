/**
 * A loopback proxy in front of moto's S3 that makes conditional writes atomic, as S3's are.
 * moto checks If-Match / If-None-Match and then stores the object as two steps of a threaded
 * server, so two conditional PutObjects at the same time can both pass the check and one update
 * is lost (the flaky "publishes at the same time chain up" under CPU load). Here requests carrying
 * a condition are forwarded one at a time; everything else passes straight through.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { closeServer, listenOnLoopback } from '../loopback-server.js';

export class AtomicWriteProxy {
  url = '';
  /** Conditional writes forwarded. */
  conditional = 0;
  private server: Server | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const forward = async (): Promise<void> => {
          const answer = await this.forward(req.method!, req.url!, req.headers, Buffer.concat(chunks));
          res.writeHead(answer.status, answer.headers).end(answer.body);
        };
        if (req.headers['if-match'] === undefined && req.headers['if-none-match'] === undefined) {
          forward().catch(() => void req.socket.destroy());
          return;
        }
        this.conditional++;
        this.queue = this.queue.then(forward).catch(() => void req.socket.destroy());
      });
    });
    this.url = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private forward(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    const target = new URL(this.target);
    return new Promise((resolve, reject) => {
      const upstream = request({ host: target.hostname, port: target.port, method, path, headers }, (answer) => {
        const parts: Buffer[] = [];
        answer.on('data', (c: Buffer) => parts.push(c));
        answer.on('end', () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(parts) }));
        answer.on('error', reject);
      });
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}
