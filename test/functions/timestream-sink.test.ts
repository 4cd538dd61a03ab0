/**
 * The Timestream sink over the wire against a scripted Timestream endpoint: chunking, retries on
 * throttling, RejectedRecords inspection, failure after retries. (moto never throttles or rejects.)
 * The rules every sink keeps (send once, discard, failed / rejected) are in sink-contract.test.ts.
 */
import { TimestreamWriteClient, type _Record } from '@aws-sdk/client-timestream-write';
import { afterEach, describe, expect, it } from 'vitest';
import type { ScoredSample } from '../../core/scored-sample.js';
import { toTimestreamRecord } from '../../core/stored-result.js';
import type { SinkBatch } from '../../functions/sinks/sink.js';
import { TimestreamSink } from '../../functions/sinks/timestream.js';
import { FakeService, type ScriptedResponse, type SeenRequest } from './fake-service.js';
import { T0 } from './fixtures.js';

const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };
let service: FakeService | undefined;
afterEach(async () => service?.stop());

function scored(n: number): ScoredSample[] {
  return Array.from({ length: n }, (_, i) => ({
    host: `web-${i}`,
    tags: {},
    seq: i,
    time: T0 + i,
    metrics: { cpu_pct: i },
    score: 0.1,
    anomaly: false,
    severity: 'normal',
    confidence: 0.9,
    topMetric: 'cpu_pct',
    rankedMetrics: ['cpu_pct'],
    modelVersion: 'm1',
    recordVersion: 5,
  }));
}

function batch(samples: ScoredSample[], store = samples.map(() => true)): SinkBatch {
  return { samples, store, threshold: 1, modelCreatedMs: 5, scoredAt: T0 };
}

async function sinkAgainst(respond: (request: SeenRequest, index: number) => ScriptedResponse): Promise<TimestreamSink> {
  service = await new FakeService(respond).start();
  const client = new TimestreamWriteClient({
    region: 'us-east-1',
    endpoint: service.url,
    maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  return new TimestreamSink({ client, database: 'vigil', table: 'scores', retry: fast });
}

const ok: ScriptedResponse = { status: 200, body: JSON.stringify({ RecordsIngested: { Total: 1 } }) };
const written = (r: SeenRequest): _Record[] => (JSON.parse(r.body.toString()) as { Records: _Record[] }).Records;

describe('TimestreamSink', () => {
  it('writes at most 100 records per call, only the samples storage keeps', async () => {
    const sink = await sinkAgainst(() => ok);
    const samples = scored(260);
    const outcome = await sink
      .prepare(
        batch(
          samples,
          samples.map((_, i) => i !== 7),
        ),
      )
      .send();
    expect(outcome).toEqual({ sink: 'timestream', written: 259, failed: [], rejected: [] });
    const sizes = service!.requests.map((r) => written(r).length).sort((a, b) => b - a);
    expect(sizes).toEqual([100, 100, 59]);
    const hosts = service!.requests.flatMap((r) => written(r).map((rec) => rec.Dimensions![0]!.Value));
    expect(new Set(hosts).size).toBe(259);
    expect(hosts).not.toContain('web-7');
    expect(service!.requests[0]!.headers['x-amz-target']).toBe('Timestream_20181101.WriteRecords');
  });

  it('sends what the records share once per call, and what each record stores is the reference record', async () => {
    const sink = await sinkAgainst(() => ok);
    const samples = scored(4).map((s, i) => ({ ...s, recordVersion: i < 3 ? 5 : 6 }));
    expect(await sink.prepare(batch(samples)).send()).toMatchObject({ written: 4, failed: [] });
    const calls = service!.requests.map((r) => JSON.parse(r.body.toString()) as { CommonAttributes: _Record; Records: _Record[] });
    // A call's records share one version: a sample of another model version starts another call.
    expect(calls.map((c) => [c.CommonAttributes.Version, c.Records.length]).sort()).toEqual([
      [5, 3],
      [6, 1],
    ]);
    const stored = calls.flatMap((c) => c.Records.map((r) => ({ ...c.CommonAttributes, ...r })));
    expect(stored.sort((a, b) => Number(a.Time) - Number(b.Time))).toEqual(samples.map(toTimestreamRecord));
  });

  it('retries throttling with backoff and then succeeds', async () => {
    const throttled = { status: 400, body: JSON.stringify({ __type: 'com.amazonaws.timestream.v20181101#ThrottlingException', message: 'slow down' }) };
    const sink = await sinkAgainst((_r, i) => (i < 2 ? throttled : ok));
    expect(await sink.prepare(batch(scored(3))).send()).toMatchObject({ written: 3, failed: [] });
    expect(service!.requests).toHaveLength(3);
  });

  it('counts a record a newer model already stored as written, and reports other rejections with the reason', async () => {
    const rejected = {
      status: 400,
      body: JSON.stringify({
        __type: 'com.amazonaws.timestream.v20181101#RejectedRecordsException',
        message: 'One or more records have been rejected.',
        RejectedRecords: [
          { RecordIndex: 1, Reason: 'A record with a higher version exists', ExistingVersion: 9 },
          { RecordIndex: 2, Reason: 'The record timestamp is outside the time range of the data ingestion window.' },
        ],
      }),
    };
    const sink = await sinkAgainst(() => rejected);
    const outcome = await sink.prepare(batch(scored(4))).send();
    expect(outcome).toEqual({
      sink: 'timestream',
      written: 3,
      failed: [],
      // A time the table no longer takes: dead-lettered as sink_too_old.
      rejected: [
        {
          indices: [2],
          reason: 'Timestream rejected the record: The record timestamp is outside the time range of the data ingestion window.',
          kind: 'too_old',
        },
      ],
    });
    expect(service!.requests).toHaveLength(1);
  });

  it('reports the samples of a call that failed after every retry', async () => {
    const sink = await sinkAgainst(() => ({ status: 500, body: JSON.stringify({ __type: 'InternalServerException', message: 'boom' }) }));
    const outcome = await sink.prepare(batch(scored(2))).send();
    expect(outcome.failed).toEqual([0, 1]);
    expect(outcome.error).toMatch(/WriteRecords to vigil\.scores failed after retries: InternalServerException: boom/);
    expect(service!.requests).toHaveLength(3);
  });
});
