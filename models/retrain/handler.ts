/**
 * The retraining Lambda function, run by an EventBridge schedule (infra/constructs/retraining.ts):
 * one retrain() per invocation. A run that fails throws, so the function's Errors metric (and the
 * stack's alarm on it) says so; its report is in the model bucket either way.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { awsClientSettings } from '../../core/aws.js';
import { formatConfigProblems } from '../../core/config-problems.js';
import { DEFAULT_ARCHIVE_PREFIX } from '../../core/archive.js';
import type { RetrainReport } from '../../core/retrain-report.js';
import { DEFAULT_MODEL_PREFIX } from '../../core/score-function.js';
import { retrain } from './retrain.js';

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const whole = (fallback: number, min: number) =>
  z
    .string()
    .default(String(fallback))
    .transform(Number)
    .pipe(z.number({ error: 'expected a number' }).int('expected a whole number').min(min, `expected ${min} or more`));

const EnvSchema = z.object({
  VIGIL_MODEL_BUCKET: z.string({ error: 'expected the model bucket name' }).regex(BUCKET, 'not an S3 bucket name'),
  VIGIL_MODEL_PREFIX: z.string().default(DEFAULT_MODEL_PREFIX),
  VIGIL_ARCHIVE_BUCKET: z.string({ error: 'expected the archive bucket name' }).regex(BUCKET, 'not an S3 bucket name'),
  VIGIL_ARCHIVE_PREFIX: z.string().default(DEFAULT_ARCHIVE_PREFIX),
  VIGIL_RETRAIN_DAYS: whole(7, 1),
  VIGIL_RETRAIN_MAX_ROWS: whole(200_000, 1_000),
  VIGIL_RETRAIN_EVALUATION_HOSTS: whole(50, 1),
});

export type RetrainConfig = Omit<Parameters<typeof retrain>[1], 'now' | 'log'>;

export function parseRetrainConfig(env: NodeJS.ProcessEnv = process.env): RetrainConfig {
  const checked = EnvSchema.safeParse(env);
  if (!checked.success) {
    throw new Error(
      formatConfigProblems(
        "the retraining function's configuration is invalid",
        checked.error.issues.map((issue) => {
          const key = String(issue.path[0]);
          return { key, value: env[key], problem: issue.message, fix: 'set it as infra/constructs/retraining.ts does' };
        }),
      ),
    );
  }
  const e = checked.data;
  return {
    models: { bucket: e.VIGIL_MODEL_BUCKET, prefix: e.VIGIL_MODEL_PREFIX },
    archive: { bucket: e.VIGIL_ARCHIVE_BUCKET, prefix: e.VIGIL_ARCHIVE_PREFIX },
    days: e.VIGIL_RETRAIN_DAYS,
    maxTrainingRows: e.VIGIL_RETRAIN_MAX_ROWS,
    evaluationHosts: e.VIGIL_RETRAIN_EVALUATION_HOSTS,
  };
}

const logger = new Logger({ serviceName: 'vigil-retrain' });

export async function handler(): Promise<RetrainReport> {
  const config = parseRetrainConfig();
  const report = await retrain(new S3Client(awsClientSettings()), {
    ...config,
    now: new Date(),
    log: (message, details) => logger.info(message, details ?? {}),
  });
  logger.info('retraining decided', {
    decision: report.decision,
    reason: report.reason,
    champion: report.champion,
    challenger: report.challenger,
    data: report.data,
  });
  return report;
}
