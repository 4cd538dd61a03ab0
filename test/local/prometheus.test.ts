import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, inject, it } from 'vitest';
import { alertsPage } from '../../local/prometheus.js';

describe('the alerts page of a running Prometheus', () => {
  it('is one the Prometheus the tests run actually serves', async () => {
    const url = inject('prometheusUrl');
    const page = await alertsPage(url);
    expect([`${url}/alerts`, `${url}/classic/alerts`]).toContain(page);
    expect((await fetch(page)).status).toBe(200);
  });

  it('falls back to the classic page where the new UI answers 404, and to the server where neither answers', async () => {
    const server = createServer((request, response) => {
      response.writeHead(request.url === '/classic/alerts' ? 200 : 404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect(await alertsPage(url)).toBe(`${url}/classic/alerts`);
    } finally {
      server.close();
    }
    expect(await alertsPage(url)).toBe(url);
  });
});
