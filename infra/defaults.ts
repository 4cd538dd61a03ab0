/**
 * The stack's defaults, apart from the props and their checks: plain data, no aws-cdk-lib, so the
 * `vigil cost` command reads them without loading the CDK (a quarter of a second at every start).
 */
import { DEFAULT_MODEL_PREFIX } from '../core/score-function.js';
import { DEFAULT_WRITE_POLICY } from '../core/write-policy.js';
import type { VigilProps } from './props.js';

export const DEFAULTS = {
  streamMode: 'on-demand',
  provisionedShardCount: 1,
  streamRetentionHours: 24,
  sinks: ['prometheus'],
  timestreamMemoryRetentionHours: 24,
  timestreamMagneticRetentionDays: 365,
  modelPrefix: DEFAULT_MODEL_PREFIX,
  modelRecheckSeconds: 60,
  modelNoncurrentVersionDays: 90,
  normalResolutionSeconds: 0,
  archive: true,
  archiveRetentionDays: 30,
  retrainSchedule: 'rate(1 day)',
  retrainDays: 7,
  retrainMemoryMb: 3008,
  prometheusDetailSeconds: DEFAULT_WRITE_POLICY.detailSeconds,
  functionMemoryMb: 1024,
  functionTimeoutSeconds: 60,
  batchSize: 500,
  maxBatchingWindowSeconds: 10,
  retryAttempts: 3,
  maxRecordAgeSeconds: 3600,
  parallelizationFactor: 1,
  deadLetterRetentionDays: 14,
  logRetentionDays: 30,
  iteratorAgeAlarmSeconds: 300,
  grafana: false,
  tracing: false,
} as const satisfies Partial<Record<keyof VigilProps | 'provisionedShardCount', unknown>>;
