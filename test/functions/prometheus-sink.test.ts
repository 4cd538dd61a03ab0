/**
 * The Prometheus sink: remote write to the real local Prometheus (queried back), SigV4 signing and
 * the retry rules against a scripted endpoint. The rules every sink keeps (send once, failed /
 * rejected, a refusal for good against the real Prometheus) are in sink-contract.test.ts.
 */
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import type { ScoredSample } from '../../core/scored-sample.js';
import { FULL_RESOLUTION } from '../../core/write-policy.js';
import { decodeWriteRequest } from '../../functions/sinks/remote-write-decode.js';
import { PrometheusSink, requestsByHost } from '../../functions/sinks/prometheus.js';
import { regionOf, sigv4Signer } from '../../core/sigv4.js';
import type { SinkBatch } from '../../functions/sinks/sink.js';
import { uniqueName } from '../aws-env.js';
import { FakeService, type ScriptedResponse } from './fake-service.js';

const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };
let service: FakeService | undefined;
afterEach(async () => {
  await service?.stop();
  vi.unstubAllEnvs();
});

function scored(host: string, n: number, now: number): ScoredSample[] {
  return Array.from({ length: n }, (_, i) => ({
    host,
    tags: { env: 'test' },
    seq: i,
    time: now - (n - i) * 1000,
    metrics: { cpu_pct: 10 + i },
    score: i === n - 1 ? 1.7 : 0.2,
    anomaly: i === n - 1,
    severity: i === n - 1 ? 'medium' : 'normal',
    confidence: 0.8,
    topMetric: 'cpu_pct',
    rankedMetrics: ['cpu_pct'],
    modelVersion: 'm1',
    recordVersion: 1,
  }));
}

function batch(samples: ScoredSample[], now: number): SinkBatch {
  return { samples, store: samples.map(() => false), threshold: 1, modelCreatedMs: now - 3_600_000, scoredAt: now };
}

async function query(prometheus: string, promql: string, at: number): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const url = new URL('/api/v1/query', prometheus);
  url.searchParams.set('query', promql);
  url.searchParams.set('time', String(at / 1000));
  return ((await (await fetch(url)).json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
}

describe('PrometheusSink', () => {
  it('writes every sample (whatever storage keeps) as alert series Prometheus answers queries with', async () => {
    const prometheus = inject('prometheusUrl');
    const host = uniqueName('prom');
    const now = Date.now();
    const sink = new PrometheusSink({ url: `${prometheus}/api/v1/write`, samplesPerRequest: 2 });
    const prepared = sink.prepare(batch(scored(host, 3, now), now));
    expect(prepared.requests).toBe(2);
    expect(await prepared.send()).toEqual({ sink: 'prometheus', written: 3, failed: [], rejected: [] });
    expect((await query(prometheus, `vigil_anomaly_score{host="${host}"}`, now)).map((r) => Number(r.value[1]))).toEqual([1.7]);
    expect((await query(prometheus, `vigil_anomaly_top_metric{host="${host}"}`, now))[0]?.metric).toMatchObject({ metric: 'cpu_pct', env: 'test' });
    expect((await query(prometheus, `vigil_anomaly_threshold{host="${host}"}`, now)).map((r) => Number(r.value[1]))).toEqual([1]);
  });

  it('writes the flag of every sample, the detail series once a minute per host and for every anomaly (the default policy), or all of every sample', async () => {
    const prometheus = inject('prometheusUrl');
    const now = Date.now();
    // 30 samples 10 s apart over five whole minutes, the 18th anomalous, sent in three batches.
    const start = Math.floor(now / 60_000) * 60_000 - 6 * 60_000;
    const samples = (host: string): ScoredSample[] =>
      scored(host, 30, now).map((s, i) => ({ ...s, time: start + i * 10_000, anomaly: i === 17, severity: i === 17 ? 'low' : 'normal' }));
    const count = async (promql: string): Promise<number> => Number((await query(prometheus, promql, now))[0]?.value[1] ?? 0);
    const policyHost = uniqueName('policy');
    const fullHost = uniqueName('full');
    const policySink = new PrometheusSink({ url: `${prometheus}/api/v1/write` });
    const fullSink = new PrometheusSink({ url: `${prometheus}/api/v1/write`, policy: FULL_RESOLUTION });
    for (const [sink, host] of [
      [policySink, policyHost],
      [fullSink, fullHost],
    ] as const) {
      const all = samples(host);
      // Each batch scored at its own time, as the function does (a lag point each).
      for (const [k, part] of [all.slice(0, 10), all.slice(10, 20), all.slice(20)].entries()) {
        expect(await sink.prepare({ ...batch(part, now), scoredAt: now - 1000 + k }).send()).toEqual({
          sink: 'prometheus',
          written: part.length,
          failed: [],
          rejected: [],
        });
      }
    }
    const counts = async (host: string): Promise<number[]> =>
      Promise.all(
        ['vigil_anomaly', 'vigil_anomaly_score', 'vigil_anomaly_severity', 'vigil_host_cpu_busy_ratio'].map((name) =>
          count(`count_over_time(${name}{host="${host}"}[10m])`),
        ),
      );
    // Five minutes, one detail point each, and the anomaly's own.
    expect(await counts(policyHost)).toEqual([30, 6, 6, 6]);
    expect(await counts(fullHost)).toEqual([30, 30, 30, 30]);
    // The anomaly (the 18th sample, not a minute's first) writes its values: its metric and severity at its time.
    const atAnomaly = async (name: string): Promise<string[]> =>
      (await query(prometheus, `${name}{host="${policyHost}"}[1ms]`, start + 17 * 10_000)).map((r) => JSON.stringify(r));
    expect(await atAnomaly('vigil_host_cpu_busy_ratio')).toEqual([expect.stringContaining(`"values":[[${(start + 170_000) / 1000},"0.27"]]`)]);
    expect(await atAnomaly('vigil_anomaly_severity')).toEqual([expect.stringContaining(`"values":[[${(start + 170_000) / 1000},"1"]]`)]);
  });

  it("packs each host's samples into one request where they fit, every sample exactly once", () => {
    const now = Date.now();
    const samples = [...scored('a', 3, now), ...scored('b', 5, now), ...scored('a', 1, now), ...scored('c', 2, now)];
    const requests = requestsByHost(batch(samples, now), 4);
    expect(requests.flat().sort((x, y) => x - y)).toEqual(samples.map((_, i) => i));
    expect(requests.every((r) => r.length <= 4)).toBe(true);
    expect(requests.map((r) => [...new Set(r.map((i) => samples[i]!.host))])).toEqual([['a'], ['b'], ['b', 'c']]);
  });

  it('signs requests with SigV4 for the aps service in the workspace region', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDTEST');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    service = await new FakeService(() => ({ status: 204 })).start();
    expect(regionOf(new URL('https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write'))).toBe('eu-west-1');
    const sink = new PrometheusSink({ url: `${service.url}/workspaces/ws-1/api/v1/remote_write`, sign: sigv4Signer('eu-west-1') });
    const now = Date.now();
    await sink.prepare(batch(scored('web-1', 1, now), now)).send();
    const request = service.requests[0]!;
    expect(request.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/aps\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/,
    );
    expect(request.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(request.headers['content-encoding']).toBe('snappy');
    expect(decodeWriteRequest(request.body).some((s) => s.labels.__name__ === 'vigil_anomaly_score' && s.labels.host === 'web-1')).toBe(true);
  });

  it.each([401, 403, 404])('retries %i (credentials, signature, workspace) like an outage, never as a refusal', async (status) => {
    service = await new FakeService(() => ({ status, body: 'no' })).start();
    const sink = new PrometheusSink({ url: `${service.url}/api/v1/write`, retry: fast });
    const now = Date.now();
    const outcome = await sink.prepare(batch(scored('web-1', 2, now), now)).send();
    expect(outcome).toMatchObject({ written: 0, failed: [0, 1], rejected: [] });
    expect(outcome.error).toMatch(new RegExp(`answered ${status} `));
    expect(service.requests).toHaveLength(3);
  });

  it('splits a request Prometheus refuses for one sample until that sample stands alone (by the answer, whatever its status)', async () => {
    const tooOld = 1_000;
    // A Prometheus 2.42 stand-in: 500 "too old sample" for any request holding the old sample, else 204.
    service = await new FakeService((r) =>
      decodeWriteRequest(r.body).some((s) => s.timestamp === tooOld) ? { status: 500, body: 'too old sample' } : { status: 204 },
    ).start();
    const sink = new PrometheusSink({ url: `${service.url}/api/v1/write`, retry: fast });
    const now = Date.now();
    const samples = [...scored('web-1', 3, now), { ...scored('web-2', 1, now)[0]!, time: tooOld }, ...scored('web-3', 4, now)];
    const outcome = await sink.prepare(batch(samples, now)).send();
    expect(outcome).toMatchObject({
      written: 7,
      failed: [],
      rejected: [{ indices: [3], kind: 'too_old', reason: 'Prometheus answered 500 Internal Server Error: too old sample' }],
    });
    // No retry of a refusal; split at host boundaries: 8 -> 4 + 4 (web-3), 4 -> 3 (web-1) + 1 (web-2).
    expect(service.requests).toHaveLength(5);
  });

  it('spends a bounded number of requests splitting a batch refused whole; the rest is dead-lettered, nothing is lost', async () => {
    service = await new FakeService(() => ({ status: 400, body: 'duplicate sample for timestamp' })).start();
    const sink = new PrometheusSink({ url: `${service.url}/api/v1/write`, retry: fast, splitBudget: 10 });
    const now = Date.now();
    const samples = Array.from({ length: 20 }, (_, h) => scored(`web-${h}`, 5, now)).flat();
    const outcome = await sink.prepare(batch(samples, now)).send();
    expect(service.requests).toHaveLength(11);
    const rejected = outcome.rejected.flatMap((r) => r.indices);
    expect([...(outcome.conflicts ?? []), ...rejected].sort((a, b) => a - b)).toEqual(samples.map((_, i) => i));
    expect(outcome.written).toBe(outcome.conflicts?.length ?? 0);
    expect(outcome.rejected[0]!.reason).toMatch(/duplicate sample for timestamp \(not split further: this batch's 10 extra requests are spent\)/);
  });

  it('counts a lone sample Prometheus holds with other values as written, and reports it as a conflict', async () => {
    service = await new FakeService((r) =>
      decodeWriteRequest(r.body).some((s) => s.labels.host === 'clone') ? { status: 400, body: 'duplicate sample for timestamp' } : { status: 204 },
    ).start();
    const sink = new PrometheusSink({ url: `${service.url}/api/v1/write`, retry: fast });
    const now = Date.now();
    const outcome = await sink.prepare(batch([...scored('web-1', 2, now), ...scored('clone', 1, now)], now)).send();
    expect(outcome).toMatchObject({ written: 3, failed: [], rejected: [], conflicts: [2] });
  });

  it('retries 5xx and 429, then reports the samples as failed', async () => {
    service = await new FakeService((_r, i): ScriptedResponse => (i === 0 ? { status: 429 } : { status: 503, body: 'overloaded' })).start();
    const sink = new PrometheusSink({ url: `${service.url}/api/v1/write`, retry: fast });
    const now = Date.now();
    const outcome = await sink.prepare(batch(scored('web-1', 2, now), now)).send();
    expect(outcome.failed).toEqual([0, 1]);
    expect(outcome.error).toMatch(/answered 503 Service Unavailable: overloaded/);
    expect(service.requests).toHaveLength(3);
  });
});
