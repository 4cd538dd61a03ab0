/** The scoring function's adapters (AWS clients, sinks, model cache) built from its configuration. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { TimestreamWriteClient } from '@aws-sdk/client-timestream-write';
import { awsClientSettings } from '../../core/aws.js';
import { ArchiveSink } from '../sinks/archive.js';
import { LogSink } from '../sinks/log.js';
import { PrometheusSink } from '../sinks/prometheus.js';
import { regionOf, sigv4Signer } from '../../core/sigv4.js';
import type { ResultSink } from '../sinks/sink.js';
import { TimestreamSink } from '../sinks/timestream.js';
import type { ScoreConfig } from './config.js';
import { DeadLetterQueue } from './dead-letter.js';
import { ModelCache } from './model-cache.js';
import { createOnnxScorer, loadOnnxRuntime } from '../../model-store/onnx-scorer.js';
import type { ScoreDependencies } from './process-batch.js';
import { s3ModelSource } from './s3-model-source.js';
import { writeModelStatus } from '../../model-store/model-status.js';

export function buildSinks(config: ScoreConfig, logger: Logger, s3?: S3Client): ResultSink[] {
  const sinks = config.sinks.map((name): ResultSink => {
    switch (name) {
      case 'timestream':
        // Retries are the sink's own (with backoff), so the SDK makes one attempt per call.
        return new TimestreamSink({
          client: new TimestreamWriteClient(awsClientSettings({ maxAttempts: 1 })),
          database: config.timestream.database,
          table: config.timestream.table,
        });
      case 'prometheus': {
        const { url, sigv4, policy } = config.prometheus!;
        return new PrometheusSink({ url, policy, ...(sigv4 ? { sign: sigv4Signer(regionOf(new URL(url))) } : {}) });
      }
      case 'log':
        return new LogSink(logger);
    }
  });
  if (config.archive) {
    // Retries are the sink's own (with backoff), so the SDK makes one attempt per call.
    sinks.push(new ArchiveSink({ client: s3 ?? new S3Client(awsClientSettings({ maxAttempts: 1 })), ...config.archive }));
  }
  return sinks;
}

export function buildDependencies(config: ScoreConfig, logger: Logger, metrics: Metrics): ScoreDependencies {
  const s3 = new S3Client(awsClientSettings());
  const location = { bucket: config.modelBucket, prefix: config.modelPrefix };
  const models = new ModelCache({
    source: s3ModelSource(s3, location),
    recheckMs: config.modelRecheckMs,
    createScorer: createOnnxScorer,
    prepareScorer: loadOnnxRuntime,
    logger,
    metrics,
    reportStatus: (status) => writeModelStatus(s3, location, { schema: 1, function: config.functionName, ...status, updatedAt: new Date().toISOString() }),
  });
  return {
    models,
    sinks: buildSinks(config, logger, new S3Client(awsClientSettings({ maxAttempts: 1 }))),
    deadLetters: new DeadLetterQueue(new SQSClient(awsClientSettings({ maxAttempts: 1 })), config.deadLetterQueueUrl),
    normalResolutionMs: config.normalResolutionMs,
    logger,
    metrics,
  };
}
