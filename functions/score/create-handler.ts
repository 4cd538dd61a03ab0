/**
 * The score handler around its dependencies: middy with Powertools logging (Lambda context in every
 * line) and metrics (flushed as EMF after each invocation, cold start counted).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { METRICS_NAMESPACE, SCORE_SERVICE_NAME } from '../../core/score-function.js';
import { processKinesisBatch, type ScoreDependencies } from './process-batch.js';

export type ScoreHandler = (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;

/** A middy handler around `dependencies` (built on first use; a failed build is retried next time). */
export function createScoreHandler(
  dependencies: (logger: Logger, metrics: Metrics) => ScoreDependencies | Promise<ScoreDependencies>,
  tools?: { logger?: Logger; metrics?: Metrics },
): ScoreHandler {
  const logger = tools?.logger ?? new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SCORE_SERVICE_NAME });
  const metrics =
    tools?.metrics ??
    new Metrics({
      namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
      serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SCORE_SERVICE_NAME,
    });
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
    .handler(async (event, context) => processKinesisBatch(event, await deps(), context));
}
