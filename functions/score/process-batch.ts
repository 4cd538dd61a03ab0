/**
 * One Kinesis batch, start to end: load the model; read (decode, validate), score and prepare the
 * sink requests; write results, then dead letters; answer with Kinesis partial batch failures.
 * What fails, what is dead-lettered and what is answered is decided in batch-policy.ts (the
 * failure rules are written there); what is counted and logged, in batch-report.ts.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { PreparedWrite, ResultSink, SinkOutcome } from '../sinks/sink.js';
import {
  batchAnswer,
  conflictingSamples,
  deadLetterCounts,
  firstFailedAfterLetters,
  firstFailedRecord,
  lettersToSend,
  refusedResults,
} from './batch-policy.js';
import { BatchReport } from './batch-report.js';
import type { DeadLetter, DeadLetterResult } from './dead-letter.js';
import { ModelUnavailableError, type LoadedModel } from './model-cache.js';
import { batchOrigin, readBatch, type ReadBatch } from './records.js';
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
export async function prepareBatch(
  records: readonly KinesisStreamRecord[],
  model: LoadedModel,
  sinks: readonly ResultSink[],
  normalResolutionMs: number,
  scoredAt: number,
): Promise<PreparedBatch> {
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
    features: read.features,
    featureWidth: model.scorer.featureCount,
    featureSetVersion: model.manifest.featureSet.version,
    ...(records.length ? { origin: batchOrigin(records) } : {}),
  };
  const writes = sinks.map((sink) => ({ sink, write: sink.prepare(sinkBatch) }));
  return { read, scored, writes, timings: { readMs, scoreMs, buildMs: performance.now() - t } };
}

/**
 * Time kept back from the invocation's remaining time: the sinks must answer by the end less
 * this much (then the dead letters get their share), so the function answers with batch item
 * failures before Lambda's own timeout rather than being killed (which fails the whole batch).
 */
export const ANSWER_RESERVE_MS = { sinks: 4_000, deadLetters: 1_000 } as const;

/** Resolves `fallback()` once `at` (epoch ms) has passed, unless `work` settled first. */
async function byDeadline<T>(work: Promise<T>, at: number, now: () => number, fallback: () => T): Promise<T> {
  if (!Number.isFinite(at)) return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback()), Math.max(0, at - now()));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function processKinesisBatch(
  event: KinesisStreamEvent,
  deps: ScoreDependencies,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<KinesisStreamBatchResponse> {
  const records = event.Records ?? [];
  if (records.length === 0) return { batchItemFailures: [] };
  const clock = deps.now ?? Date.now;
  // When the invocation ends (Lambda gives the remaining time); no end outside Lambda.
  const end = context ? clock() + context.getRemainingTimeInMillis() : Number.POSITIVE_INFINITY;
  const report = new BatchReport(deps.logger, deps.metrics);
  report.received(records.length);

  let model: LoadedModel;
  try {
    model = await deps.models.current();
  } catch (error) {
    if (!(error instanceof ModelUnavailableError)) throw error;
    // Nothing can be scored: hand the whole batch back, it is delivered again.
    report.noModel(error);
    return batchAnswer(records, 0);
  }
  report.model(model.manifest.version);

  const prepared = await prepareBatch(records, model, deps.sinks, deps.normalResolutionMs, clock());
  const { read, scored, writes, timings } = prepared;
  report.prepared(prepared);

  const t = performance.now();
  const everySample = scored.samples.map((_, i) => i);
  const outcomes = await Promise.all(
    writes.map(({ sink, write }) =>
      byDeadline(timed(sink.name, write, report), end - ANSWER_RESERVE_MS.sinks, clock, () => ({
        sink: sink.name,
        written: 0,
        failed: everySample,
        rejected: [],
        error: `${sink.name} did not answer before the invocation's deadline (${ANSWER_RESERVE_MS.sinks} ms before Lambda's timeout); the batch is handed back`,
      })),
    ),
  );
  report.sinksWrote(outcomes);
  report.conflicts(scored.samples, conflictingSamples(scored.samples), outcomes);
  const failedBySinks = firstFailedRecord(records.length, outcomes, scored.recordIndex);
  const letters = lettersToSend(read.rejected, refusedResults(outcomes, scored, records), failedBySinks);
  const sent = letters.length
    ? await byDeadline(deps.deadLetters.send(letters), end - ANSWER_RESERVE_MS.deadLetters, clock, () => ({
        sent: 0,
        failed: letters.map((_, i) => i),
        error: "the dead-letter queue did not answer before the invocation's deadline",
      }))
    : { sent: 0, failed: [] };
  const counts = deadLetterCounts(letters, sent.failed);
  report.deadLettered(letters, sent, counts, performance.now() - t);
  const firstFailed = firstFailedAfterLetters(failedBySinks, letters, sent.failed);

  const answer = batchAnswer(records, firstFailed);
  report.answered(
    { records: records.length, samples: scored.samples.length, deadLettered: counts.records, ...timings },
    answer.batchItemFailures[0]?.itemIdentifier,
  );
  return answer;
}

async function timed(name: string, write: PreparedWrite, report: BatchReport): Promise<SinkOutcome> {
  const t = performance.now();
  try {
    return await write.send();
  } finally {
    report.sinkLatency(name, performance.now() - t);
  }
}
