/**
 * processKinesisBatch with a real ONNX model and in-memory sinks and dead-letter queue: scoring,
 * dead letters, partial batch failures, storage resolution, and the metrics and logs it reports.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FEATURE_SET_VERSION, PER_METRIC_FEATURES } from '../../core/features.js';
import type { ScoredSample } from '../../core/scored-sample.js';
import type { DeadLetter, DeadLetterResult } from '../../functions/score/dead-letter.js';
import { ModelUnavailableError, type LoadedModel } from '../../functions/score/model-cache.js';
import { createOnnxScorer } from '../../model-store/onnx-scorer.js';
import { float32Decimal } from '../../core/float32-decimal.js';
import { processKinesisBatch, type ScoreDependencies } from '../../functions/score/process-batch.js';
import type { ResultSink, SinkBatch, SinkOutcome } from '../../functions/sinks/sink.js';
import { encode, FAR_FEATURE, kinesisRecords, quietTools, sample, T0, WIDTH, wireRecord, zscoreModel } from './fixtures.js';

let model: LoadedModel;
beforeAll(async () => {
  const { onnx, manifest } = zscoreModel({ version: 'z1', createdAt: new Date(T0) });
  model = { manifest, scorer: await createOnnxScorer(onnx, manifest.featureSet.names.length, 'test'), createdMs: T0 };
});

/** A sink that keeps what it is given and fails the samples `failIf` picks. */
class MemorySink implements ResultSink {
  readonly stored: ScoredSample[] = [];
  constructor(
    readonly name: string,
    private readonly failIf: (s: ScoredSample) => boolean = () => false,
    private readonly rejectIf: (s: ScoredSample) => boolean = () => false,
  ) {}
  prepare(batch: SinkBatch) {
    return {
      requests: 1,
      send: async (): Promise<SinkOutcome> => {
        const failed: number[] = [];
        const rejected: number[] = [];
        batch.samples.forEach((s, i) => {
          if (!batch.store[i]) return;
          if (this.failIf(s)) failed.push(i);
          else if (this.rejectIf(s)) rejected.push(i);
          else this.stored.push(s);
        });
        return {
          sink: this.name,
          written: this.stored.length,
          failed,
          rejected: rejected.length ? [{ indices: rejected, reason: 'too old' }] : [],
          ...(failed.length ? { error: 'down' } : {}),
        };
      },
    };
  }
}

class MemoryQueue {
  readonly letters: DeadLetter[] = [];
  constructor(private readonly down = false) {}
  async send(letters: readonly DeadLetter[]): Promise<DeadLetterResult> {
    if (this.down) return { sent: 0, failed: letters.map((_, i) => i), error: 'queue down' };
    this.letters.push(...letters);
    return { sent: letters.length, failed: [] };
  }
}

function deps(overrides: Partial<ScoreDependencies> = {}): ScoreDependencies {
  return {
    models: { current: async () => model },
    sinks: [],
    deadLetters: new MemoryQueue(),
    normalResolutionMs: 0,
    ...quietTools(),
    now: () => T0 + 60_000,
    ...overrides,
  };
}

describe('processKinesisBatch', () => {
  it('scores every sample of every record with severity, confidence, top metric and model version', async () => {
    const sink = new MemorySink('memory');
    const records = kinesisRecords([
      encode(wireRecord('web-1', [sample(1), sample(2, { anomalous: 'cpu_pct' })], { env: 'prod' })),
      encode(wireRecord('web-2', [sample(7, { anomalous: 'mem_used_pct' })])),
    ]);
    const response = await processKinesisBatch({ Records: records }, deps({ sinks: [sink] }));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sink.stored.map((s) => [s.host, s.seq, s.anomaly, s.severity, s.topMetric])).toEqual([
      ['web-1', 1, false, 'normal', expect.any(String)],
      ['web-1', 2, true, 'high', 'cpu_pct'],
      ['web-2', 7, true, 'high', 'mem_used_pct'],
    ]);
    const [normal, anomalous] = sink.stored;
    expect(normal!.score).toBeCloseTo(0.1, 5);
    // The mean: one metric's own block at FAR_FEATURE, every other feature at 0.1.
    const own = PER_METRIC_FEATURES.length;
    expect(anomalous!.score).toBeCloseTo((own * FAR_FEATURE + (WIDTH - own) * 0.1) / WIDTH, 4);
    // Float32 quantities as their shortest decimals: 0.10000001, not 0.10000000149011612.
    for (const s of sink.stored) {
      expect(float32Decimal(s.score)).toBe(s.score);
      expect(float32Decimal(s.confidence)).toBe(s.confidence);
      expect(String(s.score).replace(/^[0.]+|\./g, '').length).toBeLessThanOrEqual(9);
    }
    expect(anomalous).toMatchObject({
      tags: { env: 'prod' },
      time: T0 + 20_000,
      metrics: { cpu_pct: 99, mem_used_pct: 40 },
      modelVersion: 'z1',
      recordVersion: T0,
    });
    expect(anomalous!.confidence).toBeGreaterThan(0.5);
  });

  it('dead-letters a poison record with reason, shard, sequence number and payload; its neighbours are stored', async () => {
    const sink = new MemorySink('memory');
    const queue = new MemoryQueue();
    const payloads = [encode(wireRecord('web-1', [sample(1)])), Buffer.from('not a wire record'), encode(wireRecord('web-3', [sample(3)]))];
    const records = kinesisRecords(payloads);
    const response = await processKinesisBatch({ Records: records }, deps({ sinks: [sink], deadLetters: queue }));
    expect(response.batchItemFailures).toEqual([]);
    expect(sink.stored.map((s) => s.host)).toEqual(['web-1', 'web-3']);
    expect(queue.letters).toHaveLength(1);
    expect(queue.letters[0]).toMatchObject({
      reason: 'garbage',
      origin: { index: 1, shardId: 'shardId-000000000000', sequenceNumber: records[1]!.kinesis.sequenceNumber },
      payloadBase64: records[1]!.kinesis.data,
    });
    expect(queue.letters[0]!.message).toMatch(/does not start with the vigil wire header/);
  });

  it('dead-letters records of another feature-set version or width', async () => {
    const queue = new MemoryQueue();
    const narrow = wireRecord('web-1', [{ ...sample(1), f: [1, 2, 3] }]);
    const records = kinesisRecords([encode({ ...wireRecord('web-2', [sample(1)]), fs: FEATURE_SET_VERSION + 1 }), encode(narrow)]);
    await processKinesisBatch({ Records: records }, deps({ deadLetters: queue }));
    expect(queue.letters.map((l) => [l.reason, l.message])).toEqual([
      [
        'feature_set_version',
        expect.stringMatching(new RegExp(`feature-set version ${FEATURE_SET_VERSION + 1}, this scoring function computes version ${FEATURE_SET_VERSION}`)),
      ],
      ['feature_count', expect.stringMatching(new RegExp(`3 features per sample, the model takes ${WIDTH}:`))],
    ]);
  });

  it('answers with the lowest record whose results a sink could not store', async () => {
    const sink = new MemorySink('memory', (s) => s.host === 'web-3' || s.host === 'web-4');
    const records = kinesisRecords(['web-1', 'web-2', 'web-3', 'web-4'].map((h) => encode(wireRecord(h, [sample(1)]))));
    const response = await processKinesisBatch({ Records: records }, deps({ sinks: [sink] }));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[2]!.kinesis.sequenceNumber }]);
  });

  it('dead-letters only the bad records before the first failed one: the rest come again', async () => {
    const queue = new MemoryQueue();
    const sink = new MemorySink('memory', (s) => s.host === 'web-2');
    const records = kinesisRecords([
      Buffer.from('junk 0'),
      encode(wireRecord('web-1', [sample(1)])),
      encode(wireRecord('web-2', [sample(1)])),
      Buffer.from('junk 3'),
    ]);
    const response = await processKinesisBatch({ Records: records }, deps({ sinks: [sink], deadLetters: queue }));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[2]!.kinesis.sequenceNumber }]);
    expect(queue.letters.map((l) => l.origin.index)).toEqual([0]);
  });

  it('answers with the poison record when the dead-letter queue does not take it', async () => {
    const records = kinesisRecords([encode(wireRecord('web-1', [sample(1)])), Buffer.from('junk')]);
    const response = await processKinesisBatch({ Records: records }, deps({ deadLetters: new MemoryQueue(true) }));
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.kinesis.sequenceNumber }]);
  });

  it('dead-letters results a sink refused for good, naming the sink and the samples', async () => {
    const queue = new MemoryQueue();
    const sink = new MemorySink(
      'memory',
      () => false,
      (s) => s.seq === 2,
    );
    const records = kinesisRecords([encode(wireRecord('web-1', [sample(1), sample(2)]))]);
    const response = await processKinesisBatch({ Records: records }, deps({ sinks: [sink], deadLetters: queue }));
    expect(response.batchItemFailures).toEqual([]);
    expect(queue.letters).toEqual([
      expect.objectContaining({
        reason: 'sink_rejected',
        message: 'too old',
        details: { sink: 'memory', samples: [expect.objectContaining({ host: 'web-1', seq: 2 })] },
      }),
    ]);
  });

  it('hands the whole batch back when no model can be loaded', async () => {
    const records = kinesisRecords([encode(wireRecord('web-1', [sample(1)]))]);
    const models = { current: async (): Promise<LoadedModel> => Promise.reject(new ModelUnavailableError('none')) };
    expect(await processKinesisBatch({ Records: records }, deps({ models }))).toEqual({
      batchItemFailures: [{ itemIdentifier: records[0]!.kinesis.sequenceNumber }],
    });
  });

  it('stores every anomaly and one normal sample per resolution bucket, the same however the batch is cut', async () => {
    // 12 samples 10 s apart from T0 (a minute boundary): two 60 s buckets; seq 4 is anomalous.
    const samples = Array.from({ length: 12 }, (_, i) => sample(i, { ...(i === 4 ? { anomalous: 'cpu_pct' } : {}) }));
    const payloads = [encode(wireRecord('web-1', samples.slice(0, 6))), encode(wireRecord('web-1', samples.slice(6)))];
    const whole = new MemorySink('memory');
    await processKinesisBatch({ Records: kinesisRecords(payloads) }, deps({ sinks: [whole], normalResolutionMs: 60_000 }));
    expect(whole.stored.map((s) => s.seq)).toEqual([0, 4, 6]);
    const split = new MemorySink('memory');
    for (const records of [kinesisRecords(payloads).slice(0, 1), kinesisRecords(payloads).slice(1)]) {
      await processKinesisBatch({ Records: records }, deps({ sinks: [split], normalResolutionMs: 60_000 }));
    }
    expect(split.stored.map((s) => s.seq)).toEqual([0, 4, 6]);
  });
});

/** Every metric (name to values) and log line (level, message, attributes) a batch reports. */
function observe(d: ScoreDependencies): { metrics: Map<string, number[]>; dimensions: unknown[][]; metadata: unknown[][]; logs: unknown[][]; keys: unknown[] } {
  const metrics = new Map<string, number[]>();
  const dimensions: unknown[][] = [];
  const metadata: unknown[][] = [];
  const logs: unknown[][] = [];
  const keys: unknown[] = [];
  vi.spyOn(Metrics.prototype, 'addMetric').mockImplementation(function (this: Metrics, name: string, _unit: unknown, value: number) {
    metrics.set(name, [...(metrics.get(name) ?? []), value]);
    return this;
  });
  vi.spyOn(Metrics.prototype, 'addDimension').mockImplementation(function (this: Metrics, ...args: unknown[]) {
    dimensions.push(args);
    return this;
  });
  vi.spyOn(Metrics.prototype, 'addMetadata').mockImplementation(function (this: Metrics, ...args: unknown[]) {
    metadata.push(args);
    return this;
  });
  for (const level of ['info', 'warn', 'error'] as const) {
    vi.spyOn(d.logger, level).mockImplementation((message: unknown, ...rest: unknown[]) => void logs.push([level, message, ...rest]));
  }
  vi.spyOn(d.logger, 'appendKeys').mockImplementation((k) => void keys.push(k));
  return { metrics, dimensions, metadata, logs, keys };
}

const timing = { readMs: expect.any(Number), scoreMs: expect.any(Number), buildMs: expect.any(Number) };
const timeMetrics = { ReadTime: [expect.any(Number)], ScoreTime: [expect.any(Number)], BuildTime: [expect.any(Number)], WriteTime: [expect.any(Number)] };

describe('what processKinesisBatch reports', () => {
  afterEach(() => void vi.restoreAllMocks());

  it('counts, per sink and per kind of dead letter, and logs each failure, each letter and the partial answer', async () => {
    // r0: seq 2 refused by the sink; r1: junk; r2: stored; r3: the sink fails it; r4: junk after the first failed record.
    const sink = new MemorySink(
      'memory',
      (s) => s.host === 'web-3',
      (s) => s.seq === 2,
    );
    const records = kinesisRecords([
      encode(wireRecord('web-1', [sample(1), sample(2, { anomalous: 'cpu_pct' })])),
      Buffer.from('junk 1'),
      encode(wireRecord('web-2', [sample(1)])),
      encode(wireRecord('web-3', [sample(1)])),
      Buffer.from('junk 4'),
    ]);
    const d = deps({ sinks: [sink] });
    const seen = observe(d);
    expect(await processKinesisBatch({ Records: records }, d)).toEqual({ batchItemFailures: [{ itemIdentifier: records[3]!.kinesis.sequenceNumber }] });
    expect(Object.fromEntries(seen.metrics)).toEqual({
      ...timeMetrics,
      ConflictingSamples: [0],
      BatchSize: [5],
      RecordsIn: [5],
      SamplesScored: [4],
      SamplesScoredByModel: [4],
      Anomalies: [1],
      MemorySamplesWritten: [2],
      MemorySamplesFailed: [1],
      MemorySamplesRejected: [1],
      MemoryLatency: [expect.any(Number)],
      RecordsDeadLettered: [1],
      ResultsDeadLettered: [1],
      DeadLetterFailures: [0],
      BatchItemFailures: [1],
    });
    expect(seen.dimensions).toEqual([['modelVersion', 'z1']]);
    expect(seen.metadata).toEqual([['modelVersion', 'z1']]);
    expect(seen.keys).toEqual([{ modelVersion: 'z1' }]);
    const at = (i: number): { shardId: string; sequenceNumber: string } => ({
      shardId: 'shardId-000000000000',
      sequenceNumber: records[i]!.kinesis.sequenceNumber,
    });
    expect(seen.logs).toEqual([
      ['error', 'sink failed after retries; its records will be delivered again', { sink: 'memory', samples: 1, error: 'down' }],
      ['warn', 'dead-lettered', { reason: 'garbage', message: expect.any(String), ...at(1) }],
      ['warn', 'dead-lettered', { reason: 'sink_rejected', message: 'too old', ...at(0), sink: 'memory' }],
      [
        'warn',
        'batch partly failed; delivery resumes from the first failed record',
        { records: 5, samples: 4, deadLettered: 1, ...timing, failedFrom: records[3]!.kinesis.sequenceNumber },
      ],
    ]);
  });

  it('logs each letter the queue did not take and counts none of them as dead-lettered', async () => {
    const records = kinesisRecords([encode(wireRecord('web-1', [sample(1)])), Buffer.from('junk 1'), Buffer.from('junk 2')]);
    const d = deps({ deadLetters: new MemoryQueue(true) });
    const seen = observe(d);
    expect(await processKinesisBatch({ Records: records }, d)).toEqual({ batchItemFailures: [{ itemIdentifier: records[1]!.kinesis.sequenceNumber }] });
    expect(Object.fromEntries(seen.metrics)).toEqual({
      ...timeMetrics,
      ConflictingSamples: [0],
      BatchSize: [3],
      RecordsIn: [3],
      SamplesScored: [1],
      SamplesScoredByModel: [1],
      Anomalies: [0],
      RecordsDeadLettered: [0],
      ResultsDeadLettered: [0],
      DeadLetterFailures: [2],
      BatchItemFailures: [1],
    });
    const letter = (i: number): unknown[] => [
      'error',
      'dead letter not taken by the queue; its record will be delivered again',
      { reason: 'garbage', message: expect.any(String), shardId: 'shardId-000000000000', sequenceNumber: records[i]!.kinesis.sequenceNumber },
    ];
    expect(seen.logs).toEqual([
      letter(1),
      letter(2),
      ['error', 'dead-letter queue did not take every message; those records will be delivered again', { error: 'queue down' }],
      [
        'warn',
        'batch partly failed; delivery resumes from the first failed record',
        { records: 3, samples: 1, deadLettered: 0, ...timing, failedFrom: records[1]!.kinesis.sequenceNumber },
      ],
    ]);
  });

  it('logs a batch that went through as scored, with the latency of every sink', async () => {
    const records = kinesisRecords([encode(wireRecord('web-1', [sample(1)]))]);
    const d = deps({ sinks: [new MemorySink('memory'), new MemorySink('other')] });
    const seen = observe(d);
    expect(await processKinesisBatch({ Records: records }, d)).toEqual({ batchItemFailures: [] });
    expect(Object.fromEntries(seen.metrics)).toEqual({
      ...timeMetrics,
      ConflictingSamples: [0],
      BatchSize: [1],
      RecordsIn: [1],
      SamplesScored: [1],
      SamplesScoredByModel: [1],
      Anomalies: [0],
      MemorySamplesWritten: [1],
      MemorySamplesFailed: [0],
      MemorySamplesRejected: [0],
      MemoryLatency: [expect.any(Number)],
      OtherSamplesWritten: [1],
      OtherSamplesFailed: [0],
      OtherSamplesRejected: [0],
      OtherLatency: [expect.any(Number)],
      RecordsDeadLettered: [0],
      ResultsDeadLettered: [0],
      DeadLetterFailures: [0],
    });
    expect(seen.logs).toEqual([['info', 'batch scored', { records: 1, samples: 1, deadLettered: 0, ...timing }]]);
  });

  it('counts and logs a batch handed back for want of a model, and nothing else', async () => {
    const records = kinesisRecords([encode(wireRecord('web-1', [sample(1)])), encode(wireRecord('web-2', [sample(1)]))]);
    const error = new ModelUnavailableError('none');
    const d = deps({ models: { current: async (): Promise<LoadedModel> => Promise.reject(error) } });
    const seen = observe(d);
    expect(await processKinesisBatch({ Records: records }, d)).toEqual({ batchItemFailures: [{ itemIdentifier: records[0]!.kinesis.sequenceNumber }] });
    expect(Object.fromEntries(seen.metrics)).toEqual({ BatchSize: [2], RecordsIn: [2], BatchesWithoutModel: [1] });
    expect(seen.logs).toEqual([['error', 'no model to score with; the batch is handed back to be delivered again', { error }]]);
  });

  it('reports nothing for an empty batch', async () => {
    const d = deps();
    const seen = observe(d);
    expect(await processKinesisBatch({ Records: [] }, d)).toEqual({ batchItemFailures: [] });
    expect(seen.metrics.size + seen.logs.length).toBe(0);
  });

  it('names the model in the log keys before the sinks write (the log sink logs with the same logger)', async () => {
    const d = deps();
    const seen = observe(d);
    const keysWhenSent: unknown[][] = [];
    const sink: ResultSink = {
      name: 'probe',
      prepare: () => ({ requests: 0, send: async () => (keysWhenSent.push([...seen.keys]), { sink: 'probe', written: 0, failed: [], rejected: [] }) }),
    };
    await processKinesisBatch({ Records: kinesisRecords([encode(wireRecord('web-1', [sample(1)]))]) }, { ...d, sinks: [sink] });
    expect(keysWhenSent).toEqual([[{ modelVersion: 'z1' }]]);
  });
});
