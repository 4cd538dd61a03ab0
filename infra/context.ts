/**
 * Stack props from CDK context: `cdk deploy -c alarmEmail=ops@example.com -c sinks=prometheus,timestream`
 * or a "context" block in cdk.json. Command-line values arrive as strings and are converted here;
 * a key that is not a vigil setting is an error (a typo must not fall back to a default unnoticed).
 */
import { formatConfigProblems, type ConfigProblem } from '../core/config-problems.js';
import { SettingsError } from './props.js';
import type { VigilProps } from './props.js';

type Kind = 'number' | 'boolean' | 'string' | 'list';

/** Every setting an operator can give on the command line, by kind. */
const SETTINGS: Record<keyof VigilProps, Kind> = {
  streamMode: 'string',
  shardCount: 'number',
  streamRetentionHours: 'number',
  sinks: 'list',
  timestreamMemoryRetentionHours: 'number',
  timestreamMagneticRetentionDays: 'number',
  modelPrefix: 'string',
  modelRecheckSeconds: 'number',
  modelNoncurrentVersionDays: 'number',
  normalResolutionSeconds: 'number',
  archive: 'boolean',
  archiveRetentionDays: 'number',
  retrainSchedule: 'string',
  retrainDays: 'number',
  retrainMemoryMb: 'number',
  prometheusDetailSeconds: 'number',
  functionMemoryMb: 'number',
  functionTimeoutSeconds: 'number',
  batchSize: 'number',
  maxBatchingWindowSeconds: 'number',
  retryAttempts: 'number',
  maxRecordAgeSeconds: 'number',
  parallelizationFactor: 'number',
  deadLetterRetentionDays: 'number',
  logRetentionDays: 'number',
  alarmEmail: 'string',
  iteratorAgeAlarmSeconds: 'number',
  grafana: 'boolean',
  tracing: 'boolean',
  alertRulesFile: 'string',
  grafanaUrl: 'string',
  runbookUrl: 'string',
  prometheusRemoteWriteUrl: 'string',
};

/** Context keys of the app itself besides the stack settings. */
export const APP_SETTINGS = ['stackName'] as const;

export const SETTING_NAMES = Object.keys(SETTINGS) as (keyof VigilProps)[];

/**
 * The vigil settings found in `context`. Keys holding ':' or '/' belong to the CDK (feature flags,
 * `aws:cdk:*`) and are left alone; any other unknown key is reported with the known ones.
 */
export function propsFromContext(context: Readonly<Record<string, unknown>>): VigilProps {
  const props: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const [key, raw] of Object.entries(context)) {
    if (key.includes(':') || key.includes('/') || (APP_SETTINGS as readonly string[]).includes(key)) continue;
    const kind = SETTINGS[key as keyof VigilProps];
    if (!kind) {
      problems.push({
        key,
        value: raw,
        source: 'CDK context',
        problem: 'not a vigil setting',
        fix: `use one of ${[...SETTING_NAMES, ...APP_SETTINGS].join(', ')}`,
      });
      continue;
    }
    const value = convert(kind, raw);
    if (value === undefined) problems.push({ key, value: raw, source: 'CDK context', problem: `not ${KIND_NAMES[kind]}`, fix: HOW[kind](key) });
    else props[key] = value;
  }
  if (problems.length > 0) throw new SettingsError(formatConfigProblems('invalid vigil context', problems));
  return props as VigilProps;
}

const KIND_NAMES: Record<Kind, string> = { number: 'a number', boolean: 'true or false', string: 'text', list: 'a list' };

const HOW: Record<Kind, (key: string) => string> = {
  number: (key) => `give a number, e.g. -c ${key}=2`,
  boolean: (key) => `give true or false, e.g. -c ${key}=true`,
  string: (key) => `give text, e.g. -c ${key}=value`,
  list: (key) => `give a comma-separated list, e.g. -c ${key}=prometheus,timestream`,
};

function convert(kind: Kind, raw: unknown): unknown {
  switch (kind) {
    case 'number':
      if (typeof raw === 'number') return raw;
      if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
      return undefined;
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      return undefined;
    case 'string':
      return typeof raw === 'string' ? raw : undefined;
    case 'list':
      if (Array.isArray(raw) && raw.every((item) => typeof item === 'string')) return raw;
      if (typeof raw === 'string')
        return raw
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== '');
      return undefined;
  }
}
