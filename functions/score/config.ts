/**
 * The scoring function's configuration: every environment variable it reads, in one zod schema.
 * A bad value fails the first invocation with a message listing every bad variable, each with its
 * value, what is wrong and the fix (core/config-problems.ts).
 */
import * as z from 'zod';
import { DEFAULT_ARCHIVE_PREFIX } from '../../core/archive.js';
import { formatConfigProblems, type ConfigProblem } from '../../core/config-problems.js';
import { DEFAULT_MODEL_PREFIX, SCORE_SERVICE_NAME, SINK_NAMES, type SinkName } from '../../core/score-function.js';
import { DEFAULT_TIMESTREAM_DATABASE, DEFAULT_TIMESTREAM_TABLE } from '../../core/stored-result.js';
import { DEFAULT_WRITE_POLICY, MAX_DETAIL_SECONDS, type WritePolicy } from '../../core/write-policy.js';

const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const boolean = z.enum(['true', 'false'], { error: 'expected true or false' }).transform((v) => v === 'true');
const wholeSeconds = (fallback: number) =>
  z
    .string()
    .default(String(fallback))
    .transform((v) => Number(v))
    .pipe(z.number({ error: 'expected a number of seconds' }).int('expected whole seconds').nonnegative('expected 0 or more'));

const EnvSchema = z
  .object({
    VIGIL_MODEL_BUCKET: z.string({ error: 'expected text' }).regex(BUCKET_PATTERN, 'not an S3 bucket name'),
    VIGIL_MODEL_PREFIX: z.string().default(DEFAULT_MODEL_PREFIX),
    VIGIL_MODEL_RECHECK_SECONDS: wholeSeconds(60),
    VIGIL_SINKS: z
      .string({ error: 'expected text' })
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.enum(SINK_NAMES, { error: `unknown sink (known: ${SINK_NAMES.join(', ')})` })).min(1, 'names no sink')),
    VIGIL_TIMESTREAM_DATABASE: z.string().min(1, 'is empty').default(DEFAULT_TIMESTREAM_DATABASE),
    VIGIL_TIMESTREAM_TABLE: z.string().min(1, 'is empty').default(DEFAULT_TIMESTREAM_TABLE),
    VIGIL_PROMETHEUS_URL: z.url({ protocol: /^https?$/, error: 'not an http(s) URL' }).optional(),
    VIGIL_PROMETHEUS_SIGV4: boolean.optional(),
    VIGIL_PROMETHEUS_DETAIL_SECONDS: wholeSeconds(DEFAULT_WRITE_POLICY.detailSeconds).refine(
      (s) => s <= MAX_DETAIL_SECONDS,
      `expected ${MAX_DETAIL_SECONDS} or less`,
    ),
    VIGIL_DEAD_LETTER_QUEUE_URL: z.url({ protocol: /^https?$/, error: 'not an SQS queue URL' }),
    VIGIL_NORMAL_RESOLUTION_SECONDS: wholeSeconds(0),
    VIGIL_ARCHIVE_BUCKET: z.string({ error: 'expected text' }).regex(BUCKET_PATTERN, 'not an S3 bucket name').optional(),
    VIGIL_ARCHIVE_PREFIX: z.string().default(DEFAULT_ARCHIVE_PREFIX),
    /** Set by Lambda; names the function's model status (vigil models status). */
    AWS_LAMBDA_FUNCTION_NAME: z.string().min(1).default(SCORE_SERVICE_NAME),
  })
  .superRefine((env, ctx) => {
    if (env.VIGIL_SINKS.includes('prometheus') && !env.VIGIL_PROMETHEUS_URL) {
      ctx.addIssue({ code: 'custom', path: ['VIGIL_PROMETHEUS_URL'], message: 'VIGIL_SINKS includes prometheus, which needs it' });
    }
  });

const FIXES: Record<string, string> = {
  VIGIL_MODEL_BUCKET: 'set it to the bucket `vigil publish` writes models to',
  VIGIL_MODEL_RECHECK_SECONDS: 'set it to how often (seconds) to look for a newly published model, e.g. 60',
  VIGIL_SINKS: `set it to a comma list of ${SINK_NAMES.join(', ')}, e.g. timestream,prometheus`,
  VIGIL_TIMESTREAM_DATABASE: `set it to the Timestream database name, or leave it out for the default (${DEFAULT_TIMESTREAM_DATABASE})`,
  VIGIL_TIMESTREAM_TABLE: `set it to the Timestream table name, or leave it out for the default (${DEFAULT_TIMESTREAM_TABLE})`,
  VIGIL_PROMETHEUS_URL: 'set it to the remote-write URL, e.g. https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-.../api/v1/remote_write',
  VIGIL_PROMETHEUS_SIGV4: 'set it to true (Amazon Managed Service for Prometheus) or false (a plain Prometheus)',
  VIGIL_PROMETHEUS_DETAIL_SECONDS: `set it to seconds between two detail points of a host (score, raw metrics) from 0 (every sample) to ${MAX_DETAIL_SECONDS}, or leave it out for ${DEFAULT_WRITE_POLICY.detailSeconds}`,
  VIGIL_DEAD_LETTER_QUEUE_URL: 'set it to the URL of the SQS queue that takes bad records',
  VIGIL_ARCHIVE_BUCKET: 'set it to the bucket the history archive is written to, or leave it out to keep no archive',
  VIGIL_NORMAL_RESOLUTION_SECONDS: 'set it to 0 (store every sample) or to seconds between stored normal samples, e.g. 60',
};

export interface ScoreConfig {
  readonly modelBucket: string;
  readonly modelPrefix: string;
  readonly modelRecheckMs: number;
  readonly sinks: readonly SinkName[];
  readonly timestream: { readonly database: string; readonly table: string };
  /** `policy`: which series each sample writes (core/write-policy.ts). */
  readonly prometheus?: { readonly url: string; readonly sigv4: boolean; readonly policy: WritePolicy };
  readonly deadLetterQueueUrl: string;
  /** 0: store every normal sample; else at most about one normal sample per host per this many ms. */
  readonly normalResolutionMs: number;
  /** Where every scored sample is archived (core/archive.ts); none when not set. */
  readonly archive?: { readonly bucket: string; readonly prefix: string };
  /** The name its model status is reported under. */
  readonly functionName: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment; throws ConfigError listing every bad variable with its value and fix. */
export function parseConfig(env: NodeJS.ProcessEnv = process.env): ScoreConfig {
  const checked = EnvSchema.safeParse(env);
  if (!checked.success) {
    const problems = checked.error.issues.map((issue): ConfigProblem => {
      const key = String(issue.path[0] ?? '(environment)');
      const value = env[key];
      // A variable that is not set needs no more words than "is not set" and the fix.
      const problem = value === undefined && issue.code === 'invalid_type' ? undefined : issue.message;
      return { key, value, ...(problem ? { problem } : {}), fix: FIXES[key] ?? 'correct it, or leave it out for the default' };
    });
    throw new ConfigError(formatConfigProblems("the score function's configuration is invalid", problems));
  }
  const e = checked.data;
  const prometheusUrl = e.VIGIL_PROMETHEUS_URL;
  return {
    modelBucket: e.VIGIL_MODEL_BUCKET,
    modelPrefix: e.VIGIL_MODEL_PREFIX,
    modelRecheckMs: e.VIGIL_MODEL_RECHECK_SECONDS * 1000,
    sinks: [...new Set(e.VIGIL_SINKS)],
    timestream: { database: e.VIGIL_TIMESTREAM_DATABASE, table: e.VIGIL_TIMESTREAM_TABLE },
    ...(prometheusUrl
      ? {
          prometheus: {
            url: prometheusUrl,
            sigv4: e.VIGIL_PROMETHEUS_SIGV4 ?? new URL(prometheusUrl).hostname.endsWith('.amazonaws.com'),
            policy: { detailSeconds: e.VIGIL_PROMETHEUS_DETAIL_SECONDS },
          },
        }
      : {}),
    deadLetterQueueUrl: e.VIGIL_DEAD_LETTER_QUEUE_URL,
    normalResolutionMs: e.VIGIL_NORMAL_RESOLUTION_SECONDS * 1000,
    ...(e.VIGIL_ARCHIVE_BUCKET ? { archive: { bucket: e.VIGIL_ARCHIVE_BUCKET, prefix: e.VIGIL_ARCHIVE_PREFIX } } : {}),
    functionName: e.AWS_LAMBDA_FUNCTION_NAME,
  };
}
