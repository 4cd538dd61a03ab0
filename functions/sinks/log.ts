/**
 * Log sink, for local use: each anomalous sample as one structured log line, and a summary of
 * the batch. Nothing to retry: a log line cannot fail to be written.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { sendOnce, type PreparedWrite, type ResultSink, type SinkBatch } from './sink.js';

export class LogSink implements ResultSink {
  readonly name = 'log';

  constructor(private readonly logger: Logger) {}

  prepare(batch: SinkBatch): PreparedWrite {
    return sendOnce('log', 1, async () => {
      let anomalies = 0;
      for (const s of batch.samples) {
        if (!s.anomaly) continue;
        anomalies++;
        this.logger.info('anomaly', {
          host: s.host,
          tags: s.tags,
          seq: s.seq,
          time: new Date(s.time).toISOString(),
          score: s.score,
          severity: s.severity,
          confidence: s.confidence,
          topMetric: s.topMetric,
          value: s.metrics[s.topMetric],
          rankedMetrics: s.rankedMetrics,
          modelVersion: s.modelVersion,
        });
      }
      this.logger.info('scored batch', { samples: batch.samples.length, anomalies, threshold: batch.threshold });
      return { sink: this.name, written: batch.samples.length, failed: [], rejected: [] };
    });
  }
}
