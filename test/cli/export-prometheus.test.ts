/**
 * `vigil export --source prometheus` against a real Prometheus holding node_exporter-named series
 * (backfilled with promtool, as a site with history has them), then `vigil train` on the export.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOST_FEATURE_SET } from '../../core/features.js';
import { HOST_METRICS } from '../../core/host-metrics.js';
import { isAmpUrl } from '../../core/sigv4.js';
import { startPrometheus } from '../../local/prometheus.js';
import type { RunningServer } from '../../local/process.js';
import { readModelDir } from '../../model-store/artifact.js';
import { parseFleetCsv } from '../../models/fleet-csv.js';
import { NODE_EXPORTER_QUERIES } from '../../models/node-exporter-queries.js';
import { PrometheusQueryError, prometheusHistory, queryRange } from '../../models/prometheus-history.js';
import { closeServer, listenOnLoopback } from '../loopback-server.js';
import { runVigil, type CliRun } from '../vigil-cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'vigil-export-'));
const STEP_MS = 60_000;
/** Three hours of scrapes every 15 s, ending an hour ago on a whole minute (inside the TSDB's retention, outside the head's out-of-order window). */
const END = Math.floor((Date.now() - 3_600_000) / STEP_MS) * STEP_MS;
const START = END - 3 * 3_600_000;
let prometheus: RunningServer;

/** What each simulated host's node_exporter counts, per second (counters) or as a level (gauges), and what vigil's metrics then are. */
const HOSTS = {
  'web-1:9100': {
    cpus: 2,
    idle: 0.7,
    iowait: 0.1,
    load1: 1,
    memTotal: 8e9,
    memAvailable: 6e9,
    read: 1000,
    written: 2000,
    rx: 500,
    tx: 300,
    errs: 1,
    drops: 0.5,
    env: 'prod',
  },
  'db-1:9100': {
    cpus: 4,
    idle: 0.5,
    iowait: 0.2,
    load1: 6,
    memTotal: 16e9,
    memAvailable: 4e9,
    read: 5e6,
    written: 1e6,
    rx: 8000,
    tx: 9000,
    errs: 0,
    drops: 0,
    env: 'prod',
  },
  'dev-1:9100': {
    cpus: 1,
    idle: 0.9,
    iowait: 0,
    load1: 0.1,
    memTotal: 2e9,
    memAvailable: 1e9,
    read: 0,
    written: 10,
    rx: 1,
    tx: 1,
    errs: 0,
    drops: 0,
    env: 'dev',
  },
};
const EXPECTED: Record<string, Record<string, number>> = {
  'web-1:9100': {
    cpu_pct: 20,
    load1_per_cpu: 0.5,
    mem_used_pct: 25,
    swap_used_pct: 0,
    disk_used_pct: (60 / 90) * 100,
    disk_read_bps: 1000,
    disk_write_bps: 2000,
    net_rx_bps: 500,
    net_tx_bps: 300,
    net_errors_ps: 1.5,
  },
  'db-1:9100': {
    cpu_pct: 30,
    load1_per_cpu: 1.5,
    mem_used_pct: 75,
    swap_used_pct: 0,
    disk_used_pct: (60 / 90) * 100,
    disk_read_bps: 5e6,
    disk_write_bps: 1e6,
    net_rx_bps: 8000,
    net_tx_bps: 9000,
    net_errors_ps: 0,
  },
};

/** node_exporter's series for the hosts, in OpenMetrics text (each family's samples together). */
function openMetrics(): string {
  const families = new Map<string, string[]>();
  const add = (name: string, labels: Record<string, string>, value: number, t: number): void => {
    const text = Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
    let lines = families.get(name);
    if (!lines) families.set(name, (lines = []));
    lines.push(`${name}{${text}} ${value} ${t / 1000}`);
  };
  for (const [instance, h] of Object.entries(HOSTS)) {
    const base = { instance, job: 'node', env: h.env };
    for (let t = START; t <= END; t += 15_000) {
      const s = (t - START) / 1000 + 1000;
      for (let cpu = 0; cpu < h.cpus; cpu++) {
        add('node_cpu_seconds_total', { ...base, cpu: String(cpu), mode: 'idle' }, h.idle * s, t);
        add('node_cpu_seconds_total', { ...base, cpu: String(cpu), mode: 'iowait' }, h.iowait * s, t);
        add('node_cpu_seconds_total', { ...base, cpu: String(cpu), mode: 'user' }, (1 - h.idle - h.iowait) * s, t);
      }
      add('node_load1', base, h.load1, t);
      add('node_memory_MemTotal_bytes', base, h.memTotal, t);
      add('node_memory_MemAvailable_bytes', base, h.memAvailable, t);
      add('node_memory_SwapTotal_bytes', base, 0, t);
      add('node_memory_SwapFree_bytes', base, 0, t);
      for (const [mountpoint, fstype, size, free, avail] of [
        ['/', 'ext4', 100, 40, 30],
        ['/run', 'tmpfs', 100, 0, 0],
      ] as const) {
        add('node_filesystem_size_bytes', { ...base, mountpoint, fstype, device: fstype }, size, t);
        add('node_filesystem_free_bytes', { ...base, mountpoint, fstype, device: fstype }, free, t);
        add('node_filesystem_avail_bytes', { ...base, mountpoint, fstype, device: fstype }, avail, t);
      }
      add('node_disk_read_bytes_total', { ...base, device: 'sda' }, h.read * s, t);
      add('node_disk_written_bytes_total', { ...base, device: 'sda' }, h.written * s, t);
      for (const [device, factor] of [
        ['eth0', 1],
        ['lo', 1000],
      ] as const) {
        add('node_network_receive_bytes_total', { ...base, device }, h.rx * factor * s, t);
        add('node_network_transmit_bytes_total', { ...base, device }, h.tx * factor * s, t);
        // node_exporter exports all four counters of every interface (the columns of /proc/net/dev).
        add('node_network_receive_errs_total', { ...base, device }, h.errs * factor * s, t);
        add('node_network_transmit_errs_total', { ...base, device }, 0, t);
        add('node_network_receive_drop_total', { ...base, device }, 0, t);
        add('node_network_transmit_drop_total', { ...base, device }, h.drops * factor * s, t);
      }
    }
  }
  return `${[...families.values()].flat().join('\n')}\n# EOF\n`;
}

beforeAll(async () => {
  const dataDir = join(work, 'prometheus');
  mkdirSync(join(dataDir, 'tsdb'), { recursive: true });
  writeFileSync(join(work, 'node.om'), openMetrics());
  execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(work, 'node.om'), join(dataDir, 'tsdb')], { stdio: 'pipe' });
  prometheus = await startPrometheus({ dataDir });
}, 120_000);
afterAll(async () => {
  await prometheus?.stop();
  rmSync(work, { recursive: true, force: true });
});

const vigil = (...args: string[]): Promise<CliRun> => runVigil(args, { cwd: work, timeoutMs: 120_000 });

const range = ['--until', new Date(END).toISOString(), '--since', '2h'];

describe('vigil export --source prometheus', () => {
  it('writes each host’s metrics as the agent defines them, one row per host and step, and vigil train trains on it', { timeout: 120_000 }, async () => {
    const out = join(work, 'fleet.csv');
    const run = await vigil('export', '--source', 'prometheus', '--url', prometheus.url, ...range, '--tags', 'env=prod', '--out', out);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`wrote ${out}: 242 rows of 2 hosts`); // 121 steps (both ends) x 2 prod hosts
    const text = readFileSync(out, 'utf8');
    expect(text.split('\n')[0]).toBe(`host,timestamp,env,${HOST_METRICS.join(',')}`);
    const fleet = parseFleetCsv(text, out);
    expect(fleet.hosts.map((h) => h.host).sort()).toEqual(['db-1:9100', 'web-1:9100']);
    for (const host of fleet.hosts) {
      expect(host.tags).toEqual({ env: 'prod' });
      expect(host.history.timestamps[0]).toBe(END - 2 * 3_600_000);
      expect(host.history.timestamps.at(-1)).toBe(END);
      for (const metric of HOST_METRICS) {
        const values = Array.from(host.history.columns[metric]!);
        expect(
          values.every((v) => Math.abs(v - EXPECTED[host.host]![metric]!) <= 1e-6 * Math.max(1, EXPECTED[host.host]![metric]!)),
          `${host.host} ${metric}: ${values.slice(0, 3)}`,
        ).toBe(true);
      }
    }
    const trained = await vigil('train', '--in', out, '--out', join(work, 'model'), '--trees', '10');
    expect(trained.stdout).toMatch(/rows of 2 hosts/);
    expect(readModelDir(join(work, 'model')).manifest.featureSet.names).toEqual(HOST_FEATURE_SET.names);
  });

  it('exports only the hosts named', { timeout: 60_000 }, async () => {
    const out = join(work, 'dev.csv');
    const run = await vigil('export', '--source', 'prometheus', '--url', prometheus.url, ...range, '--hosts', 'dev-1:9100', '--out', out);
    expect(run.stdout).toContain('121 rows of 1 hosts');
    const fleet = parseFleetCsv(readFileSync(out, 'utf8'));
    expect(fleet.hosts.map((h) => h.host)).toEqual(['dev-1:9100']);
    expect(fleet.hosts[0]!.history.columns.cpu_pct![0]).toBeCloseTo(10, 6);
  });

  it(
    'signs its queries with SigV4 for Amazon Managed Service for Prometheus: a proxy that checks the signature, in front of Prometheus',
    { timeout: 120_000 },
    async () => {
      const credentials = { accessKeyId: 'AKIDVIGILEXPORT', secretAccessKey: 'vigil-export-test-secret' };
      const saved = {
        id: process.env.AWS_ACCESS_KEY_ID,
        secret: process.env.AWS_SECRET_ACCESS_KEY,
        token: process.env.AWS_SESSION_TOKEN,
        region: process.env.AWS_REGION,
      };
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_REGION: 'eu-west-1' });
      delete process.env.AWS_SESSION_TOKEN;
      const seen: string[] = [];
      const proxy = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (c: Buffer) => chunks.push(c));
        request.on('end', () => {
          void (async () => {
            const body = Buffer.concat(chunks);
            const authorization = request.headers.authorization ?? '';
            if (!authorization) {
              response.writeHead(403, { 'content-type': 'text/plain' }).end('no signature');
              return;
            }
            const signedNames = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
            const headers = Object.fromEntries(signedNames.map((n) => [n, String(request.headers[n])]));
            const date = String(request.headers['x-amz-date']);
            const signingDate = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 11)}:${date.slice(11, 13)}:${date.slice(13)}`);
            const url = new URL(request.url!, 'http://127.0.0.1');
            const expected = await new SignatureV4({ service: 'aps', region: 'eu-west-1', credentials, sha256: Sha256 }).sign(
              {
                method: request.method!,
                protocol: 'http:',
                hostname: '127.0.0.1',
                port: Number(request.headers.host!.split(':')[1]),
                path: url.pathname,
                query: {},
                headers,
                body,
              },
              { signingDate },
            );
            seen.push(authorization.split(',')[0]!);
            if (expected.headers.authorization !== authorization) {
              response.writeHead(403, { 'content-type': 'text/plain' }).end('signature missing or wrong');
              return;
            }
            const forwarded = await fetch(`${prometheus.url}${request.url}`, {
              method: 'POST',
              headers: { 'content-type': String(request.headers['content-type']) },
              body,
            });
            response.writeHead(forwarded.status, { 'content-type': 'application/json' }).end(await forwarded.text());
          })();
        });
      });
      const proxyUrl = await listenOnLoopback(proxy);
      try {
        const out = join(work, 'signed.csv');
        const signed = await vigil('export', '--source', 'prometheus', '--url', proxyUrl, '--sigv4', ...range, '--hosts', 'dev-1:9100', '--out', out);
        expect(signed.stderr).toBe('');
        expect(signed.stdout).toContain('121 rows of 1 hosts');
        expect(seen[0]).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDVIGILEXPORT\/\d{8}\/eu-west-1\/aps\/aws4_request$/);
        const unsigned = await vigil(
          'export',
          '--source',
          'prometheus',
          '--url',
          proxyUrl,
          ...range,
          '--hosts',
          'dev-1:9100',
          '--out',
          join(work, 'unsigned.csv'),
        );
        expect(unsigned.code).not.toBe(0);
        expect(unsigned.stderr).toContain('answered 403');
        expect(isAmpUrl(new URL('https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1'))).toBe(true);
        expect(isAmpUrl(new URL(proxyUrl))).toBe(false);
      } finally {
        await closeServer(proxy);
        for (const [key, value] of [
          ['AWS_ACCESS_KEY_ID', saved.id],
          ['AWS_SECRET_ACCESS_KEY', saved.secret],
          ['AWS_SESSION_TOKEN', saved.token],
          ['AWS_REGION', saved.region],
        ] as const) {
          if (value === undefined) Reflect.deleteProperty(process.env, key);
          else process.env[key] = value;
        }
      }
    },
  );

  it('reads the range in chunks of whole steps, without a step twice or a step left out', async () => {
    const chunkEnds: number[] = [];
    const rows = [];
    for await (const chunk of prometheusHistory({
      url: prometheus.url,
      start: END - 30 * STEP_MS,
      end: END,
      stepSeconds: 60,
      hosts: ['web-1:9100'],
      pointsPerQuery: 7,
      onQuery: (metric, end) => metric === 'cpu_pct' && chunkEnds.push(end),
    }))
      rows.push(...chunk);
    expect(chunkEnds).toHaveLength(5); // 31 steps in chunks of 7
    expect(rows.map((r) => r.t)).toEqual(Array.from({ length: 31 }, (_, i) => END - 30 * STEP_MS + i * STEP_MS));
  });

  it('says when nothing matched, writing no file', { timeout: 60_000 }, async () => {
    const out = join(work, 'none.csv');
    const run = await vigil('export', '--source', 'prometheus', '--url', prometheus.url, ...range, '--hosts', 'nobody', '--out', out);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/no data for .* for hosts nobody: check the range, the host label/);
    expect(() => readFileSync(out)).toThrow();
  });

  it('stops at a query the server refuses, with its reason and the query', async () => {
    await expect(queryRange({ url: prometheus.url, start: START, end: END, stepSeconds: 60 }, 'rate(node_load1{', START, END)).rejects.toThrow(
      /refused the query \(400 bad_data: .*\); the query was: rate\(node_load1\{/,
    );
  });

  it('names an unknown source, a bad duration and a missing URL', { timeout: 60_000 }, async () => {
    expect((await vigil('export', '--source', 'graphite', '--out', 'x.csv')).stderr).toContain('--source must be one of prometheus, archive; got "graphite"');
    expect((await vigil('export', '--source', 'prometheus', '--url', prometheus.url, '--since', 'a week', '--out', 'x.csv')).stderr).toContain(
      '--since must be a duration such as 7d',
    );
    expect((await vigil('export', '--source', 'prometheus', '--out', 'x.csv')).stderr).toContain('--source prometheus needs --url');
  });
});

describe('query deadlines and retries', () => {
  let server: Server | undefined;
  afterAll(() => closeServer(server));

  it('retries a server that answers 503, then reads the answer', async () => {
    let calls = 0;
    server = createServer((request, response) => {
      calls++;
      if (calls <= 2) {
        response.writeHead(503).end('overloaded');
        return;
      }
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        void fetch(`${prometheus.url}/api/v1/query_range`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: Buffer.concat(chunks),
        }).then(async (answer) => response.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text()));
      });
    });
    const url = await listenOnLoopback(server);
    const result = await queryRange(
      { url, start: END - STEP_MS, end: END, stepSeconds: 60, backoffMs: 10 },
      'node_load1{instance="web-1:9100"}',
      END - STEP_MS,
      END,
    );
    expect(calls).toBe(3);
    expect(result[0]!.values.map(([, v]) => Number(v))).toEqual([1, 1]);
    await closeServer(server);
  });

  it('gives up on a server that never answers after its tries, each within the deadline', async () => {
    server = createServer(() => {
      /* accepts and never answers */
    });
    const url = await listenOnLoopback(server);
    const error = await queryRange({ url, start: END, end: END, stepSeconds: 60, timeoutMs: 200, attempts: 2, backoffMs: 10 }, 'up', END, END).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PrometheusQueryError);
    expect((error as Error).message).toMatch(/no answer within 200 ms \(2 tries\): check that the server is up/);
  });
});

describe('docs/node-exporter.md', () => {
  it('lists every query the export runs, as the code has it', () => {
    const doc = readFileSync(join(ROOT, 'docs/node-exporter.md'), 'utf8');
    for (const [metric, query] of Object.entries(NODE_EXPORTER_QUERIES)) expect(doc, metric).toContain(`### \`${metric}\`\n\n\`\`\`promql\n${query}\n\`\`\``);
  });
});
