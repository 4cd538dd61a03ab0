/**
 * A loopback proxy in front of the AWS endpoint for Timestream: forwards every request, keeps the
 * records of every WriteRecords the endpoint accepted, merged with the call's CommonAttributes as
 * Timestream stores them (moto has no Timestream query), and can be
 * taken "down" (connections reset) to play an outage. It forwards any HTTP request (Prometheus
 * remote write too) and counts what it forwarded; only WriteRecords calls are recorded.
 */
import { createServer, request, type Server } from 'node:http';
import type { _Record } from '@aws-sdk/client-timestream-write';
import { closeServer, listenOnLoopback } from '../loopback-server.js';

export class TimestreamRecordingProxy {
  /** Records of every accepted WriteRecords call, in arrival order. */
  readonly accepted: _Record[] = [];
  down = false;
  refused = 0;
  /** Requests forwarded to the endpoint. */
  forwarded = 0;
  url = '';
  private server: Server | undefined;

  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    const target = new URL(this.target);
    this.server = createServer((req, res) => {
      if (this.down) {
        this.refused++;
        req.socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        this.forwarded++;
        const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            if (answer.statusCode === 200 && String(req.headers['x-amz-target']).endsWith('.WriteRecords')) {
              // What Timestream stores: each record over the call's CommonAttributes.
              const { CommonAttributes: common, Records: records } = JSON.parse(body.toString()) as { CommonAttributes?: _Record; Records: _Record[] };
              this.accepted.push(...records.map((record) => ({ ...common, ...record })));
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(parts));
          });
        });
        upstream.on('error', () => req.socket.destroy());
        upstream.end(body);
      });
    });
    this.url = await listenOnLoopback(this.server);
    return this;
  }

  /** The accepted records of one host. */
  recordsOf(host: string): _Record[] {
    return this.accepted.filter((r) => r.Dimensions?.find((d) => d.Name === 'host')?.Value === host);
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }
}
