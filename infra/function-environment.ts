/**
 * The score function's environment, exactly the variables functions/score/config.ts parses, built
 * from the stack's resources and props in one place.
 */
import { METRICS_NAMESPACE, SCORE_SERVICE_NAME } from '../core/score-function.js';
import type { Sink } from './props.js';

export interface ScoreEnvironmentInput {
  readonly modelBucket: string;
  readonly modelPrefix: string;
  readonly modelRecheckSeconds: number;
  readonly sinks: readonly Sink[];
  readonly timestream: { readonly database: string; readonly table: string } | undefined;
  /** `detailSeconds`: the write policy (core/write-policy.ts). */
  readonly prometheus: { readonly remoteWriteUrl: string; readonly sigv4: boolean; readonly detailSeconds: number } | undefined;
  readonly deadLetterQueueUrl: string;
  readonly normalResolutionSeconds: number;
  /** Where every scored sample is archived; undefined keeps no archive. */
  readonly archive?: { readonly bucket: string; readonly prefix: string } | undefined;
}

export function scoreEnvironment(input: ScoreEnvironmentInput): Record<string, string> {
  return {
    VIGIL_MODEL_BUCKET: input.modelBucket,
    VIGIL_MODEL_PREFIX: input.modelPrefix,
    VIGIL_MODEL_RECHECK_SECONDS: String(input.modelRecheckSeconds),
    VIGIL_SINKS: input.sinks.join(','),
    ...(input.timestream ? { VIGIL_TIMESTREAM_DATABASE: input.timestream.database, VIGIL_TIMESTREAM_TABLE: input.timestream.table } : {}),
    ...(input.prometheus
      ? {
          VIGIL_PROMETHEUS_URL: input.prometheus.remoteWriteUrl,
          VIGIL_PROMETHEUS_SIGV4: String(input.prometheus.sigv4),
          VIGIL_PROMETHEUS_DETAIL_SECONDS: String(input.prometheus.detailSeconds),
        }
      : {}),
    VIGIL_DEAD_LETTER_QUEUE_URL: input.deadLetterQueueUrl,
    VIGIL_NORMAL_RESOLUTION_SECONDS: String(input.normalResolutionSeconds),
    ...(input.archive ? { VIGIL_ARCHIVE_BUCKET: input.archive.bucket, VIGIL_ARCHIVE_PREFIX: input.archive.prefix } : {}),
    POWERTOOLS_SERVICE_NAME: SCORE_SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  };
}
