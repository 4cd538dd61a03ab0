/**
 * The `score` Lambda function (Kinesis event source mapping, ReportBatchItemFailures on).
 * Thin: middy with Powertools logging and metrics around processKinesisBatch. The dependencies
 * (model cache, sinks, dead-letter queue) are built once per execution environment from the
 * environment (config.ts) and reused across invocations.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { parseConfig } from './config.js';
import { buildDependencies } from './dependencies.js';
import { processKinesisBatch, type ScoreDependencies } from './process-batch.js';

export type ScoreHandler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

/** A middy handler around `dependencies` (built on first use; a failed build is retried next time). */
export function createScoreHandler(dependencies: (logger: Logger, metrics: Metrics) => ScoreDependencies | Promise<ScoreDependencies>, tools?: { logger?: Logger; metrics?: Metrics }): ScoreHandler {
  const logger = tools?.logger ?? new Logger();
  const metrics = tools?.metrics ?? new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'vigil' });
  let built: Promise<ScoreDependencies> | undefined;
  const deps = (): Promise<ScoreDependencies> => {
    built ??= Promise.resolve()
      .then(() => dependencies(logger, metrics))
      .catch((error: unknown) => {
        built = undefined;
        throw error;
      });
    return built;
  };
  return middy<KinesisStreamEvent, KinesisStreamBatchResponse>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .handler(async (event) => processKinesisBatch(event, await deps()));
}

export const handler: ScoreHandler = createScoreHandler((logger, metrics) => buildDependencies(parseConfig(), logger, metrics));
