/** A local HTTP server that records Alertmanager webhook notifications, for the end-to-end alert test. */
import { createServer, type Server } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface WebhookNotification {
  status: 'firing' | 'resolved';
  groupLabels: Record<string, string>;
  alerts: WebhookAlert[];
}

export interface WebhookReceiver {
  readonly url: string;
  readonly notifications: readonly WebhookNotification[];
  /** The first alert matching `match` in any notification, polled until `timeoutMs`. */
  waitForAlert(match: (alert: WebhookAlert) => boolean, timeoutMs: number, what: string): Promise<WebhookAlert>;
  close(): Promise<void>;
}

/** Polls `condition` every 100 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await delay(100);
  }
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const notifications: WebhookNotification[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      notifications.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookNotification);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    notifications,
    async waitForAlert(match, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = notifications.flatMap((n) => n.alerts).find(match);
        if (found) return found;
        if (Date.now() > deadline) {
          const seen = notifications.flatMap((n) => n.alerts.map((a) => `${a.labels.alertname}/${a.labels.host ?? '-'}/${a.status}`));
          throw new Error(`no ${what} within ${timeoutMs} ms; notifications so far: ${seen.join(', ') || 'none'}`);
        }
        await delay(100);
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
