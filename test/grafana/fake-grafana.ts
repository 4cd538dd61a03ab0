/**
 * A small local HTTP server that speaks the few Grafana API calls grafana:publish makes (health,
 * folders, data sources by uid, dashboards), checks the bearer token, and keeps what it is sent.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface FakeGrafana {
  readonly url: string;
  readonly requests: string[];
  readonly folders: Map<string, { uid: string; title: string }>;
  readonly datasources: Map<string, Record<string, unknown> & { id: number }>;
  readonly dashboards: Map<string, { dashboard: Record<string, unknown>; folderUid: string; version: number }>;
  close(): Promise<void>;
}

export async function startFakeGrafana(token: string): Promise<FakeGrafana> {
  const requests: string[] = [];
  const folders: FakeGrafana['folders'] = new Map();
  const datasources: FakeGrafana['datasources'] = new Map();
  const dashboards: FakeGrafana['dashboards'] = new Map();
  let nextId = 1;

  const route = (method: string, path: string, body: Record<string, unknown>): [number, unknown] => {
    if (method === 'GET' && path === '/api/health') return [200, { commit: 'fake', database: 'ok', version: '10.4.0' }];
    let m: RegExpExecArray | null;
    if ((m = /^\/api\/folders\/([\w-]+)$/.exec(path)) && method === 'GET') {
      const folder = folders.get(m[1]!);
      return folder ? [200, folder] : [404, { message: 'folder not found' }];
    }
    if (path === '/api/folders' && method === 'POST') {
      const uid = String(body.uid);
      if (folders.has(uid)) return [409, { message: 'a folder with the same uid already exists' }];
      folders.set(uid, { uid, title: String(body.title) });
      return [200, folders.get(uid)];
    }
    if ((m = /^\/api\/datasources\/uid\/([\w-]+)$/.exec(path))) {
      const existing = datasources.get(m[1]!);
      if (method === 'GET') return existing ? [200, existing] : [404, { message: 'Data source not found' }];
      if (method === 'PUT') {
        if (!existing) return [404, { message: 'Data source not found' }];
        datasources.set(m[1]!, { ...body, id: existing.id });
        return [200, { message: 'Datasource updated' }];
      }
    }
    if (path === '/api/datasources' && method === 'POST') {
      const uid = String(body.uid);
      if (datasources.has(uid) || [...datasources.values()].some((d) => d.name === body.name))
        return [409, { message: 'data source with the same name or uid already exists' }];
      const id = nextId++;
      datasources.set(uid, { ...body, id });
      return [200, { id, message: 'Datasource added' }];
    }
    if ((m = /^\/api\/dashboards\/uid\/([\w-]+)$/.exec(path)) && method === 'GET') {
      const stored = dashboards.get(m[1]!);
      return stored
        ? [200, { dashboard: stored.dashboard, meta: { folderUid: stored.folderUid, version: stored.version } }]
        : [404, { message: 'Dashboard not found' }];
    }
    if (path === '/api/dashboards/db' && method === 'POST') {
      const dashboard = body.dashboard as Record<string, unknown>;
      const folderUid = String(body.folderUid);
      if (!folders.has(folderUid)) return [400, { message: 'folder not found' }];
      const uid = String(dashboard.uid);
      const previous = dashboards.get(uid);
      if (previous && body.overwrite !== true) return [412, { message: 'A dashboard with the same uid already exists' }];
      const version = (previous?.version ?? 0) + 1;
      dashboards.set(uid, { dashboard: { ...dashboard, id: nextId++, version }, folderUid, version });
      return [200, { status: 'success', uid, version }];
    }
    return [404, { message: 'Not found' }];
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      requests.push(`${method} ${path}`);
      const reply = (status: number, body: unknown): void => void res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      if (path !== '/api/health' && req.headers.authorization !== `Bearer ${token}`) return reply(401, { message: 'invalid API key' });
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      const [status, answer] = route(method, path, body);
      reply(status, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    folders,
    datasources,
    dashboards,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
