/**
 * What a Kinesis batch reports, step by step: its metrics (names in core/score-function.ts) and
 * log lines. Each step is reported as soon as it is done, so a batch that throws later still
 * reports what came before (the metrics middleware publishes them on errors too).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { SCORE_METRICS, sinkMetric } from '../../core/score-function.js';
import type { SinkOutcome } from '../sinks/sink.js';
import type { DeadLetterCounts } from './batch-policy.js';
import type { DeadLetter, DeadLetterResult } from './dead-letter.js';
import type { PreparedBatch } from './process-batch.js';

export class BatchReport {
  private modelVersion = '';

  constructor(
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  received(records: number): void {
    this.metrics.addMetric(SCORE_METRICS.batchSize, MetricUnit.Count, records);
    this.metrics.addMetric(SCORE_METRICS.recordsIn, MetricUnit.Count, records);
  }

  /** No model could be loaded: the whole batch is handed back. */
  noModel(error: unknown): void {
    this.metrics.addMetric(SCORE_METRICS.batchesWithoutModel, MetricUnit.Count, 1);
    this.logger.error('no model to score with; the batch is handed back to be delivered again', { error });
  }

  /** Before anything is written: every log line from here on (the log sink's too) names the model. */
  model(version: string): void {
    this.modelVersion = version;
    this.metrics.addMetadata('modelVersion', version);
    this.logger.appendKeys({ modelVersion: version });
  }

  prepared({ scored, timings }: PreparedBatch): void {
    const { metrics } = this;
    metrics.addMetric(SCORE_METRICS.readTime, MetricUnit.Milliseconds, timings.readMs);
    metrics.addMetric(SCORE_METRICS.scoreTime, MetricUnit.Milliseconds, timings.scoreMs);
    metrics.addMetric(SCORE_METRICS.buildTime, MetricUnit.Milliseconds, timings.buildMs);
    metrics.addMetric(SCORE_METRICS.samplesScored, MetricUnit.Count, scored.samples.length);
    // Which model scored, as a dimension of its own metric: shows a model switch on a graph.
    metrics
      .singleMetric()
      .addDimension('modelVersion', this.modelVersion)
      .addMetric(SCORE_METRICS.samplesScoredByModel, MetricUnit.Count, scored.samples.length);
    metrics.addMetric(
      SCORE_METRICS.anomalies,
      MetricUnit.Count,
      scored.samples.reduce((n, s) => n + (s.anomaly ? 1 : 0), 0),
    );
  }

  /**
   * Samples claiming a host and time with other values: `within` the batch (indices), and those a
   * sink already held with other values (each outcome's `conflicts`). Counted and logged with the
   * hosts, so cloned hosts sharing one host id are found.
   */
  conflicts(samples: PreparedBatch['scored']['samples'], within: readonly number[], outcomes: readonly SinkOutcome[]): void {
    const bySink = outcomes.filter((o) => o.conflicts?.length);
    const held = bySink.reduce((n, o) => Math.max(n, o.conflicts!.length), 0);
    // A conflict within the batch that a sink also met counts once.
    this.metrics.addMetric(SCORE_METRICS.conflictingSamples, MetricUnit.Count, Math.max(within.length, held));
    if (within.length === 0 && bySink.length === 0) return;
    const describe = (indices: readonly number[]): { host: string; seq: number; time: number }[] =>
      indices.slice(0, 20).map((i) => ({ host: samples[i]!.host, seq: samples[i]!.seq, time: samples[i]!.time }));
    this.logger.warn(
      'samples claim a host and time already taken with other values: hosts sharing one host id (cloned machines), or a model change; see the agent README on host ids',
      {
        withinBatch: within.length,
        withinBatchSamples: describe(within),
        ...Object.fromEntries(bySink.map((o) => [o.sink, { samples: o.conflicts!.length, first: describe(o.conflicts!) }])),
      },
    );
  }

  sinkLatency(sink: string, ms: number): void {
    this.metrics.addMetric(sinkMetric(sink, 'Latency'), MetricUnit.Milliseconds, ms);
  }

  sinksWrote(outcomes: readonly SinkOutcome[]): void {
    for (const outcome of outcomes) {
      this.metrics.addMetric(sinkMetric(outcome.sink, 'SamplesWritten'), MetricUnit.Count, outcome.written);
      this.metrics.addMetric(sinkMetric(outcome.sink, 'SamplesFailed'), MetricUnit.Count, outcome.failed.length);
      this.metrics.addMetric(
        sinkMetric(outcome.sink, 'SamplesRejected'),
        MetricUnit.Count,
        outcome.rejected.reduce((n, r) => n + r.indices.length, 0),
      );
      if (outcome.failed.length) {
        this.logger.error('sink failed after retries; its records will be delivered again', {
          sink: outcome.sink,
          samples: outcome.failed.length,
          error: outcome.error,
        });
      }
    }
  }

  /** The letters sent and what the queue answered; `writeMs`: sinks and queue together. */
  deadLettered(letters: readonly DeadLetter[], sent: DeadLetterResult, counts: DeadLetterCounts, writeMs: number): void {
    const { logger, metrics } = this;
    metrics.addMetric(SCORE_METRICS.writeTime, MetricUnit.Milliseconds, writeMs);
    for (const [i, letter] of letters.entries()) {
      const log = {
        reason: letter.reason,
        message: letter.message,
        shardId: letter.origin.shardId,
        sequenceNumber: letter.origin.sequenceNumber,
        ...(letter.details ? { sink: letter.details.sink } : {}),
      };
      if (sent.failed.includes(i)) logger.error('dead letter not taken by the queue; its record will be delivered again', log);
      else logger.warn('dead-lettered', log);
    }
    metrics.addMetric(SCORE_METRICS.recordsDeadLettered, MetricUnit.Count, counts.records);
    metrics.addMetric(SCORE_METRICS.resultsDeadLettered, MetricUnit.Count, counts.results);
    metrics.addMetric(SCORE_METRICS.deadLetterFailures, MetricUnit.Count, counts.notTaken);
    if (sent.error) logger.error('dead-letter queue did not take every message; those records will be delivered again', { error: sent.error });
  }

  /** The batch's summary; `failedFrom`: the sequence number delivery resumes from, if any. */
  answered(summary: { records: number; samples: number; deadLettered: number } & PreparedBatch['timings'], failedFrom: string | undefined): void {
    if (failedFrom === undefined) {
      this.logger.info('batch scored', summary);
      return;
    }
    this.metrics.addMetric(SCORE_METRICS.batchItemFailures, MetricUnit.Count, 1);
    this.logger.warn('batch partly failed; delivery resumes from the first failed record', { ...summary, failedFrom });
  }
}
