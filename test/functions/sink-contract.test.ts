/**
 * The sink contract (sink-contract.ts) run against every result sink: Timestream against the real
 * moto_server endpoint (behind a recording proxy: moto has no Timestream query), Prometheus
 * against the real Prometheus the test setup starts (queried back), and the log sink.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { CreateDatabaseCommand, CreateTableCommand, TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { inject, vi } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import { LogSink } from '../../functions/sinks/log.js';
import { PrometheusSink } from '../../functions/sinks/prometheus.js';
import { TimestreamSink } from '../../functions/sinks/timestream.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { FakeService } from './fake-service.js';
import { TimestreamRecordingProxy } from './recording-proxy.js';
import { closedPort, contractBatch, sampleKey, sinkContract } from './sink-contract.js';

const endpoint = useLocalAws();
const prometheus = inject('prometheusUrl');
const fast = { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 };

function timestreamClient(url: string): TimestreamWriteClient {
  // Retries are the sink's own, as deployed (functions/score/dependencies.ts).
  return new TimestreamWriteClient({ ...awsClientSettings({ maxAttempts: 1 }), endpoint: url });
}

sinkContract('timestream', { keepsResolution: true, listsAnomaliesOnly: false, remote: true, rejects: true, holdsBuffers: true }, async () => {
  const database = uniqueName('contract');
  const direct = timestreamClient(endpoint);
  await direct.send(new CreateDatabaseCommand({ DatabaseName: database }));
  await direct.send(new CreateTableCommand({ DatabaseName: database, TableName: 'host_scores' }));
  const proxy = await new TimestreamRecordingProxy(endpoint).start();
  const scripted: FakeService[] = [];
  return {
    sink: () => new TimestreamSink({ client: timestreamClient(proxy.url), database, table: 'host_scores', retry: fast }),
    requests: () => proxy.forwarded,
    stored: async (hosts) => hosts.flatMap((host) => proxy.recordsOf(host).map((r) => sampleKey(host, Number(r.Time)))),
    unreachable: async () =>
      new TimestreamSink({ client: timestreamClient(`http://127.0.0.1:${await closedPort()}`), database, table: 'host_scores', retry: fast }),
    // moto never refuses a record: a scripted endpoint answers as Timestream does to a request it will never accept.
    refusal: async () => {
      const service = await new FakeService(() => ({
        status: 400,
        body: JSON.stringify({ __type: 'ValidationException', message: 'Measure value exceeds the limit' }),
      })).start();
      scripted.push(service);
      return {
        sink: new TimestreamSink({ client: timestreamClient(service.url), database, table: 'host_scores', retry: fast }),
        batch: contractBatch([uniqueName('refused')], 5),
        reason: /^Timestream refused the request: ValidationException: Measure value exceeds the limit$/,
        requests: () => service.requests.length,
      };
    },
    close: async () => {
      await Promise.all([proxy.stop(), ...scripted.map((s) => s.stop())]);
    },
  };
});

interface Matrix {
  data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
}

sinkContract('prometheus', { keepsResolution: false, listsAnomaliesOnly: false, remote: true, rejects: true, holdsBuffers: false }, async () => {
  // Counts the requests Prometheus is sent.
  const proxy = await new TimestreamRecordingProxy(prometheus).start();
  // Small requests: a batch is sent as several, in parallel.
  const sink = (): PrometheusSink => new PrometheusSink({ url: `${proxy.url}/api/v1/write`, samplesPerRequest: 25, retry: fast });
  return {
    sink,
    requests: () => proxy.forwarded,
    stored: async (hosts) => {
      const url = new URL('/api/v1/query', prometheus);
      // The anomaly flag: the one series every sample writes, whatever the write policy.
      url.searchParams.set('query', `vigil_anomaly{host=~"${hosts.join('|')}"}[1h]`);
      url.searchParams.set('time', String(Date.now() / 1000));
      const answer = (await (await fetch(url)).json()) as Matrix;
      return answer.data.result.flatMap((series) => series.values.map(([t]) => sampleKey(series.metric.host!, Math.round(t * 1000))));
    },
    unreachable: async () => new PrometheusSink({ url: `http://127.0.0.1:${await closedPort()}/api/v1/write`, retry: fast }),
    // Samples older than Prometheus takes (past its out-of-order window), one a request: refused for good.
    // (A sample it already holds with other values counts as written, a conflict: prometheus-sink.test.ts.)
    refusal: async () => {
      const batch = contractBatch([uniqueName('replayed')], 5);
      const old = Date.now() - 3 * 3_600_000;
      return {
        sink: new PrometheusSink({ url: `${proxy.url}/api/v1/write`, samplesPerRequest: 1, retry: fast }),
        batch: { ...batch, samples: batch.samples.map((s, i) => ({ ...s, time: old + i * 1000 })) },
        reason: /^Prometheus answered 500 Internal Server Error: .*too old sample/,
        requests: () => proxy.forwarded,
      };
    },
    close: () => proxy.stop(),
  };
});

sinkContract('log', { keepsResolution: false, listsAnomaliesOnly: true, remote: false, rejects: false, holdsBuffers: false }, async () => {
  const logger = new Logger({ logLevel: 'SILENT' });
  const lines: { message: string; attributes: Record<string, unknown> }[] = [];
  vi.spyOn(logger, 'info').mockImplementation(
    (...args: unknown[]) => void lines.push({ message: String(args[0]), attributes: args[1] as Record<string, unknown> }),
  );
  return {
    sink: () => new LogSink(logger),
    // A batch's summary line closes each request.
    requests: () => lines.filter((l) => l.message === 'scored batch').length,
    stored: async (hosts) =>
      lines
        .filter((l) => l.message === 'anomaly' && hosts.includes(String(l.attributes.host)))
        .map((l) => sampleKey(String(l.attributes.host), Date.parse(String(l.attributes.time)))),
    close: async () => {},
  };
});
