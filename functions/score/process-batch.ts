/**
 * One Kinesis batch, start to end: read (decode, validate), score, prepare the sink requests,
 * then write results and dead letters, and answer with Kinesis partial batch failures.
 *
 * Failure rules: a bad record is dead-lettered and the rest of the batch goes on; a sink that fails
 * after its retries, or a dead letter the queue did not take, makes the batch answer with the
 * lowest failed record's sequence number, so Lambda delivers again from there. Writes are
 * idempotent, so records after it that were already stored are rewritten, not duplicated; dead
 * letters are only sent for records before it, so none is sent twice.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { SCORE_METRICS, sinkMetric } from '../../core/score-function.js';
import type { PreparedWrite, ResultSink, SinkOutcome } from '../sinks/sink.js';
import type { DeadLetter, DeadLetterResult } from './dead-letter.js';
import { ModelUnavailableError, type LoadedModel } from './model-cache.js';
import { originOf, readBatch, type ReadBatch } from './records.js';
import { samplesToStore } from './resolution.js';
import { scoreRecords, type ScoredBatch } from './score-batch.js';

export interface ScoreDependencies {
  readonly models: { current(): Promise<LoadedModel> };
  readonly sinks: readonly ResultSink[];
  readonly deadLetters: { send(letters: readonly DeadLetter[]): Promise<DeadLetterResult> };
  /** 0 stores every normal sample. */
  readonly normalResolutionMs: number;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now?: () => number;
}

export interface PreparedBatch {
  readonly read: ReadBatch;
  readonly scored: ScoredBatch;
  readonly writes: readonly { readonly sink: ResultSink; readonly write: PreparedWrite }[];
  readonly timings: { readonly readMs: number; readonly scoreMs: number; readonly buildMs: number };
}

/** The CPU part of a batch, without I/O: decode, validate, score, build every sink's requests. */
export async function prepareBatch(records: readonly KinesisStreamRecord[], model: LoadedModel, sinks: readonly ResultSink[], normalResolutionMs: number, scoredAt: number): Promise<PreparedBatch> {
  let t = performance.now();
  const read = readBatch(records, model.scorer.featureCount);
  const readMs = performance.now() - t;
  t = performance.now();
  const scored = await scoreRecords(read.accepted, model, read.features);
  const scoreMs = performance.now() - t;
  t = performance.now();
  const sinkBatch = {
    samples: scored.samples,
    store: samplesToStore(scored, normalResolutionMs),
    threshold: model.manifest.threshold,
    modelCreatedMs: model.createdMs,
    scoredAt,
  };
  const writes = sinks.map((sink) => ({ sink, write: sink.prepare(sinkBatch) }));
  return { read, scored, writes, timings: { readMs, scoreMs, buildMs: performance.now() - t } };
}

export async function processKinesisBatch(event: KinesisStreamEvent, deps: ScoreDependencies): Promise<KinesisStreamBatchResponse> {
  const { logger, metrics } = deps;
  const records = event.Records ?? [];
  if (records.length === 0) return { batchItemFailures: [] };
  metrics.addMetric(SCORE_METRICS.batchSize, MetricUnit.Count, records.length);
  metrics.addMetric(SCORE_METRICS.recordsIn, MetricUnit.Count, records.length);

  let model: LoadedModel;
  try {
    model = await deps.models.current();
  } catch (error) {
    if (!(error instanceof ModelUnavailableError)) throw error;
    // Nothing can be scored: hand the whole batch back, it is delivered again.
    metrics.addMetric(SCORE_METRICS.batchesWithoutModel, MetricUnit.Count, 1);
    logger.error('no model to score with; the batch is handed back to be delivered again', { error });
    return failFrom(records, 0);
  }
  metrics.addMetadata('modelVersion', model.manifest.version);
  logger.appendKeys({ modelVersion: model.manifest.version });

  const prepared = await prepareBatch(records, model, deps.sinks, deps.normalResolutionMs, (deps.now ?? Date.now)());
  const { read, scored, writes, timings } = prepared;
  metrics.addMetric(SCORE_METRICS.readTime, MetricUnit.Milliseconds, timings.readMs);
  metrics.addMetric(SCORE_METRICS.scoreTime, MetricUnit.Milliseconds, timings.scoreMs);
  metrics.addMetric(SCORE_METRICS.buildTime, MetricUnit.Milliseconds, timings.buildMs);
  metrics.addMetric(SCORE_METRICS.samplesScored, MetricUnit.Count, scored.samples.length);
  // Which model scored, as a dimension of its own metric: shows a model switch on a graph.
  metrics.singleMetric().addDimension('modelVersion', model.manifest.version).addMetric(SCORE_METRICS.samplesScoredByModel, MetricUnit.Count, scored.samples.length);
  metrics.addMetric(SCORE_METRICS.anomalies, MetricUnit.Count, scored.samples.reduce((n, s) => n + (s.anomaly ? 1 : 0), 0));

  const t = performance.now();
  const outcomes = await Promise.all(writes.map(({ sink, write }) => timed(sink.name, write, metrics)));
  let firstFailed = records.length;
  for (const outcome of outcomes) {
    metrics.addMetric(sinkMetric(outcome.sink, 'SamplesWritten'), MetricUnit.Count, outcome.written);
    metrics.addMetric(sinkMetric(outcome.sink, 'SamplesFailed'), MetricUnit.Count, outcome.failed.length);
    metrics.addMetric(sinkMetric(outcome.sink, 'SamplesRejected'), MetricUnit.Count, outcome.rejected.reduce((n, r) => n + r.indices.length, 0));
    if (outcome.failed.length) {
      logger.error('sink failed after retries; its records will be delivered again', { sink: outcome.sink, samples: outcome.failed.length, error: outcome.error });
    }
    for (const i of outcome.failed) firstFailed = Math.min(firstFailed, scored.recordIndex[i]!);
  }

  // Dead letters: bad records, and results a sink refused for good (one letter per record and
  // sink). Only those before the first failed record: the rest are delivered again, and would be
  // dead-lettered twice.
  const letters: DeadLetter[] = [
    ...read.rejected.map((r) => ({ reason: r.reason, message: r.message, origin: r.origin, payloadBase64: r.dataBase64 })),
    ...refusedResults(outcomes, scored, records),
  ].filter((letter) => letter.origin.index < firstFailed);
  const sent = letters.length ? await deps.deadLetters.send(letters) : { sent: 0, failed: [] };
  metrics.addMetric(SCORE_METRICS.writeTime, MetricUnit.Milliseconds, performance.now() - t);
  for (const [i, letter] of letters.entries()) {
    const log = { reason: letter.reason, message: letter.message, shardId: letter.origin.shardId, sequenceNumber: letter.origin.sequenceNumber, ...(letter.details ? { sink: letter.details.sink } : {}) };
    if (sent.failed.includes(i)) logger.error('dead letter not taken by the queue; its record will be delivered again', log);
    else logger.warn('dead-lettered', log);
  }
  for (const i of sent.failed) firstFailed = Math.min(firstFailed, letters[i]!.origin.index);
  const deadLettered = letters.filter((l, i) => l.payloadBase64 !== undefined && !sent.failed.includes(i)).length;
  metrics.addMetric(SCORE_METRICS.recordsDeadLettered, MetricUnit.Count, deadLettered);
  metrics.addMetric(SCORE_METRICS.resultsDeadLettered, MetricUnit.Count, letters.filter((l, i) => l.payloadBase64 === undefined && !sent.failed.includes(i)).length);
  metrics.addMetric(SCORE_METRICS.deadLetterFailures, MetricUnit.Count, sent.failed.length);
  if (sent.error) logger.error('dead-letter queue did not take every message; those records will be delivered again', { error: sent.error });

  const summary = { records: records.length, samples: scored.samples.length, deadLettered, ...timings };
  if (firstFailed === records.length) {
    logger.info('batch scored', summary);
    return { batchItemFailures: [] };
  }
  metrics.addMetric(SCORE_METRICS.batchItemFailures, MetricUnit.Count, 1);
  logger.warn('batch partly failed; delivery resumes from the first failed record', { ...summary, failedFrom: records[firstFailed]!.kinesis.sequenceNumber });
  return failFrom(records, firstFailed);
}

/** Lambda retries a Kinesis batch from the lowest sequence number it is given. */
function failFrom(records: readonly KinesisStreamRecord[], index: number): KinesisStreamBatchResponse {
  return { batchItemFailures: [{ itemIdentifier: records[index]!.kinesis.sequenceNumber }] };
}

async function timed(name: string, write: PreparedWrite, metrics: Metrics): Promise<SinkOutcome> {
  const t = performance.now();
  try {
    return await write.send();
  } finally {
    metrics.addMetric(sinkMetric(name, 'Latency'), MetricUnit.Milliseconds, performance.now() - t);
  }
}

function refusedResults(outcomes: readonly SinkOutcome[], scored: ScoredBatch, records: readonly KinesisStreamRecord[]): DeadLetter[] {
  const letters: DeadLetter[] = [];
  for (const outcome of outcomes) {
    for (const rejection of outcome.rejected) {
      const byRecord = new Map<number, number[]>();
      for (const i of rejection.indices) {
        const r = scored.recordIndex[i]!;
        byRecord.set(r, [...(byRecord.get(r) ?? []), i]);
      }
      for (const [recordIndex, indices] of byRecord) {
        letters.push({
          reason: 'sink_rejected',
          message: rejection.reason,
          origin: originOf(records[recordIndex]!, recordIndex),
          details: {
            sink: outcome.sink,
            samples: indices.map((i) => {
              const s = scored.samples[i]!;
              return { host: s.host, seq: s.seq, time: s.time, score: s.score, severity: s.severity, modelVersion: s.modelVersion };
            }),
          },
        });
      }
    }
  }
  return letters;
}
