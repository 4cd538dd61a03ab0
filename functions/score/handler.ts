/**
 * The `score` Lambda function (Kinesis event source mapping, ReportBatchItemFailures on).
 * Thin: its dependencies (model cache, sinks, dead-letter queue) are built once per execution
 * environment from the environment (config.ts) on the first invocation and reused after;
 * processKinesisBatch does the work.
 */
import { parseConfig } from './config.js';
import { createScoreHandler, type ScoreHandler } from './create-handler.js';
import { buildDependencies } from './dependencies.js';

export { createScoreHandler, type ScoreHandler } from './create-handler.js';

export const handler: ScoreHandler = createScoreHandler((logger, metrics) => buildDependencies(parseConfig(), logger, metrics));
