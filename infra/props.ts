/**
 * The settings an operator gives the vigil stack, their defaults in one place, and their validation.
 * Validation runs at synth time and reports every bad setting at once, each naming the prop, the
 * value given, what is wrong and what to do (core/config-problems.ts), so `cdk synth` fails before
 * CloudFormation does.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Token } from 'aws-cdk-lib';
import { formatConfigProblem, formatConfigProblems, showValue, type ConfigProblem } from '../core/config-problems.js';
import { DEFAULTS } from './defaults.js';
import { DEPLOYED_SINKS, type DeployedSink } from '../core/score-function.js';
import { MAX_DETAIL_SECONDS } from '../core/write-policy.js';
import { DEFAULT_LINKS } from '../alerting/rules.js';

/** Where the scoring function writes results. */
export const SINKS = DEPLOYED_SINKS;
export type Sink = DeployedSink;

export const STREAM_MODES = ['on-demand', 'provisioned'] as const;
export type StreamMode = (typeof STREAM_MODES)[number];

export interface VigilProps {
  /**
   * How the Kinesis stream is billed and scaled.
   * @default - 'on-demand': scales by itself; 'provisioned' bills per shard-hour and is cheaper at rest
   */
  readonly streamMode?: StreamMode;
  /**
   * Shards of a provisioned stream (only with streamMode 'provisioned'), 1 MB/s or 1,000 records/s each.
   * @default - 1 when streamMode is 'provisioned'
   */
  readonly shardCount?: number;
  /**
   * How long the stream keeps records, in hours (24 to 8,760): how long scoring may be down without losing data.
   * @default 24
   */
  readonly streamRetentionHours?: number;
  /**
   * Where scored samples go. New AWS accounts can no longer create Timestream for LiveAnalytics
   * resources, so Timestream is opt-in.
   * @default ['prometheus']
   */
  readonly sinks?: readonly Sink[];
  /**
   * Timestream memory-store retention in hours (1 to 8,766). Records older than this are rejected by
   * Timestream and dead-lettered by the function with the reason. Only with the 'timestream' sink.
   * @default 24
   */
  readonly timestreamMemoryRetentionHours?: number;
  /**
   * Timestream magnetic-store retention in days (1 to 73,000). Only with the 'timestream' sink.
   * @default 365
   */
  readonly timestreamMagneticRetentionDays?: number;
  /**
   * Key prefix of published models in the model bucket (no leading or trailing slash).
   * @default 'models'
   */
  readonly modelPrefix?: string;
  /**
   * How often a warm function checks the "current" model pointer, in seconds (1 to 86,400).
   * @default 60
   */
  readonly modelRecheckSeconds?: number;
  /**
   * Days the model bucket keeps a replaced or deleted object version (1 to 3,650).
   * @default 90
   */
  readonly modelNoncurrentVersionDays?: number;
  /**
   * Store a normal sample only once per this many seconds per host (0 to 3,600); anomalies always.
   * @default 0 - store every sample
   */
  readonly normalResolutionSeconds?: number;
  /**
   * Keep every scored sample (raw metrics, features, score, flags, model version) in an S3 bucket of
   * its own, queryable with Athena (the Glue table of the ArchiveTable output): what retraining learns from.
   * @default true
   */
  readonly archive?: boolean;
  /**
   * Days the archive keeps a day of samples (1 to 3,650). Only with archive on. Storage grows with it
   * (`vigil cost` prices it); retraining reads the last days only (retrainDays, 7 by default).
   * @default 30
   */
  readonly archiveRetentionDays?: number;
  /**
   * When retraining runs: an EventBridge schedule expression (`rate(1 day)`, `cron(0 3 * * ? *)`),
   * or 'off' (the function is deployed, nothing runs it). Needs the archive.
   * @default 'rate(1 day)'
   */
  readonly retrainSchedule?: string;
  /**
   * Days of archive a challenger is trained on, before the held-back day (1 to 60, less than archiveRetentionDays).
   * @default 7
   */
  readonly retrainDays?: number;
  /**
   * Memory of the retraining function in MB (1,024 to 10,240).
   * @default 3008
   */
  readonly retrainMemoryMb?: number;
  /**
   * Prometheus write policy (core/write-policy.ts): seconds between two detail points of a host's
   * normal samples (score, severity, raw metrics, lag), 0 to 120; 0 writes every series of every
   * sample. The anomaly flag is written for every sample and every anomalous sample in full, so
   * the alert rules see every sample. About 3.8 series points per sample at 60 s against 17 at 0
   * with a 10 s agent interval (`vigil cost --prometheus-detail`).
   * @default 60
   */
  readonly prometheusDetailSeconds?: number;
  /**
   * Memory of the scoring function in MB (128 to 10,240); CPU grows with it.
   * @default 1024 - ONNX inference over a 500-record batch with room to spare
   */
  readonly functionMemoryMb?: number;
  /**
   * Timeout of the scoring function in seconds (1 to 900).
   * @default 60
   */
  readonly functionTimeoutSeconds?: number;
  /**
   * Records per invocation (1 to 10,000).
   * @default 500
   */
  readonly batchSize?: number;
  /**
   * Seconds the event source mapping waits to fill a batch (0 to 300): latency against invocations,
   * and against the history archive's PUTs (one per invocation; infra/README.md).
   * @default 10
   */
  readonly maxBatchingWindowSeconds?: number;
  /**
   * Retries of a failed batch before it goes to the failed-batch queue (0 to 10,000).
   * @default 3
   */
  readonly retryAttempts?: number;
  /**
   * Records older than this many seconds (60 to 604,800) are not retried but sent to the failed-batch queue.
   * @default 3600
   */
  readonly maxRecordAgeSeconds?: number;
  /**
   * Concurrent batches per shard (1 to 10); order is kept per host because the partition key is the host.
   * @default 1
   */
  readonly parallelizationFactor?: number;
  /**
   * Days the dead-letter and failed-batch queues keep a message (1 to 14).
   * @default 14
   */
  readonly deadLetterRetentionDays?: number;
  /**
   * Days the function's log group keeps logs (a CloudWatch Logs retention value such as 7, 30, 90).
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Email address subscribed to the alert topic (host anomalies from Alertmanager and pipeline alarms).
   * The address must confirm the subscription from the email AWS sends.
   * @default - no subscription; subscribe to the AlertTopicArn output yourself
   */
  readonly alarmEmail?: string;
  /**
   * Alarm when the oldest unprocessed record is older than this many seconds (10 to 86,400).
   * @default 300
   */
  readonly iteratorAgeAlarmSeconds?: number;
  /**
   * Create an Amazon Managed Grafana workspace (needs IAM Identity Center in the account and region).
   * @default false
   */
  readonly grafana?: boolean;
  /**
   * X-Ray active tracing on the scoring function. Off by default: a stream-triggered function
   * invoked every second records millions of traces a month.
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * Prometheus rule file loaded into the Amazon Managed Service for Prometheus workspace.
   * Not with prometheusRemoteWriteUrl: load the rules into that Prometheus yourself.
   * @default - grafana/alerts/vigil-rules.yml of this repository
   */
  readonly alertRulesFile?: string;
  /**
   * The Grafana the dashboards live in (e.g. https://g-abc.grafana-workspace.eu-west-1.amazonaws.com):
   * alerts then link to a dashboard with an absolute URL that works in an e-mail or a chat.
   * Not with alertRulesFile (that file carries its own links).
   * @default - with `grafana`, the Managed Grafana workspace this stack creates (its endpoint); else
   * links relative to Grafana (/d/<uid>), which only Grafana itself resolves
   */
  readonly grafanaUrl?: string;
  /**
   * Where docs/runbooks/ is published (a wiki, the repository's web view): each alert's runbook_url.
   * Not with alertRulesFile.
   * @default 'docs/runbooks' - the path in this repository
   */
  readonly runbookUrl?: string;
  /**
   * Remote-write URL of a Prometheus you already run (Prometheus, Mimir, Thanos, Grafana Cloud, or an
   * existing Amazon Managed Service for Prometheus workspace), instead of a workspace this stack
   * creates. An Amazon Managed Service for Prometheus URL
   * (`https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/api/v1/remote_write`) is signed
   * with SigV4 and the function may write to that workspace only; any other URL is sent unsigned
   * and grants nothing. Load grafana/alerts/vigil-rules.yml into that Prometheus yourself.
   * Only with the 'prometheus' sink.
   * @default - a new Amazon Managed Service for Prometheus workspace with vigil's rules and an Alertmanager routing to the alert topic
   */
  readonly prometheusRemoteWriteUrl?: string;
}

/** Every setting with its default applied: what the constructs build from. */
export type VigilConfig = Required<Omit<VigilProps, 'alarmEmail' | 'shardCount' | 'alertRulesFile' | 'prometheusRemoteWriteUrl' | 'grafanaUrl'>> & {
  readonly shardCount: number | undefined;
  readonly alarmEmail: string | undefined;
  /** The rule file to load; undefined: the stack renders alerting/rules.ts with grafanaUrl and runbookUrl. */
  readonly alertRulesFile: string | undefined;
  readonly grafanaUrl: string | undefined;
  readonly prometheusRemoteWriteUrl: string | undefined;
};

export { DEFAULTS } from './defaults.js';

/** The retention values CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number' && v > 0);

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const S3_PREFIX = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*$/;

/** A setting the operator gave is wrong; the message says which, its value and the fix. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

export class VigilPropsError extends SettingsError {
  override name = 'VigilPropsError';
  /** Each problem as one line of the message. */
  readonly problems: readonly string[];
  constructor(readonly details: readonly ConfigProblem[]) {
    super(formatConfigProblems('invalid vigil stack props', details));
    this.problems = details.map(formatConfigProblem);
  }
}

/** Applies defaults and checks every prop; throws a VigilPropsError listing every problem found. */
export function resolveProps(props: VigilProps): VigilConfig {
  const problems: ConfigProblem[] = [];
  const streamMode = props.streamMode ?? DEFAULTS.streamMode;
  const sinks = props.sinks ?? DEFAULTS.sinks;

  if (!STREAM_MODES.includes(streamMode)) {
    problems.push({ key: 'streamMode', value: streamMode, problem: 'not a stream mode', fix: `use 'on-demand' or 'provisioned'` });
  }
  if (props.shardCount !== undefined && streamMode !== 'provisioned') {
    problems.push({
      key: 'shardCount',
      value: props.shardCount,
      problem: `only a provisioned stream has shards, and streamMode is ${showValue(streamMode)}`,
      fix: `set streamMode to 'provisioned', or leave shardCount out (on-demand streams scale by themselves)`,
    });
  }
  const shardCount = streamMode === 'provisioned' ? (props.shardCount ?? DEFAULTS.provisionedShardCount) : undefined;
  if (shardCount !== undefined) checkInteger(problems, 'shardCount', shardCount, 1, 10_000, 'one shard takes 1 MB/s or 1,000 records/s');
  checkInteger(problems, 'streamRetentionHours', props.streamRetentionHours, 24, 8_760, 'Kinesis keeps records 24 hours to 365 days');

  if (!Array.isArray(sinks) || sinks.length === 0) {
    problems.push({ key: 'sinks', value: sinks, problem: 'names no sink', fix: `give at least one of ${SINKS.map((s) => `'${s}'`).join(', ')}` });
  } else {
    for (const sink of sinks) {
      if (!SINKS.includes(sink))
        problems.push({
          key: 'sinks',
          value: sinks,
          problem: `unknown sink ${showValue(sink)}`,
          fix: `each sink is one of ${SINKS.map((s) => `'${s}'`).join(', ')}`,
        });
    }
    if (new Set(sinks).size !== sinks.length) problems.push({ key: 'sinks', value: sinks, problem: 'names a sink more than once', fix: 'name each sink once' });
  }
  const timestream = Array.isArray(sinks) && sinks.includes('timestream');
  for (const name of ['timestreamMemoryRetentionHours', 'timestreamMagneticRetentionDays'] as const) {
    if (props[name] !== undefined && !timestream) {
      problems.push({
        key: name,
        value: props[name],
        problem: `only the 'timestream' sink uses it, and sinks is ${showValue(sinks)}`,
        fix: `add 'timestream' to sinks, or leave ${name} out`,
      });
    }
  }
  checkInteger(
    problems,
    'timestreamMemoryRetentionHours',
    props.timestreamMemoryRetentionHours,
    1,
    8_766,
    'Timestream keeps the memory store 1 hour to 1 year',
  );
  checkInteger(
    problems,
    'timestreamMagneticRetentionDays',
    props.timestreamMagneticRetentionDays,
    1,
    73_000,
    'Timestream keeps the magnetic store 1 day to 200 years',
  );

  const modelPrefix = props.modelPrefix ?? DEFAULTS.modelPrefix;
  if (!isToken(modelPrefix) && !S3_PREFIX.test(modelPrefix)) {
    problems.push({
      key: 'modelPrefix',
      value: modelPrefix,
      problem: 'not an S3 key prefix',
      fix: `use S3 key segments of letters, digits and !_.*'()- joined by '/', with no leading or trailing slash, e.g. 'models' or 'vigil/models'`,
    });
  }
  checkInteger(problems, 'modelRecheckSeconds', props.modelRecheckSeconds, 1, 86_400, 'a warm function rereads the model pointer this often');
  checkInteger(problems, 'modelNoncurrentVersionDays', props.modelNoncurrentVersionDays, 1, 3_650, 'days to keep replaced object versions for recovery');
  checkInteger(problems, 'normalResolutionSeconds', props.normalResolutionSeconds, 0, 3_600, '0 stores every sample');
  checkInteger(problems, 'archiveRetentionDays', props.archiveRetentionDays, 1, 3_650, 'days the archive keeps scored samples');
  if (props.archiveRetentionDays !== undefined && props.archive === false) {
    problems.push({
      key: 'archiveRetentionDays',
      value: props.archiveRetentionDays,
      problem: 'the archive is off (archive: false)',
      fix: 'turn the archive on, or leave archiveRetentionDays out',
    });
  }
  checkInteger(problems, 'retrainDays', props.retrainDays, 1, 60, 'days of archive a challenger learns from');
  checkInteger(problems, 'retrainMemoryMb', props.retrainMemoryMb, 1_024, 10_240, 'Lambda memory is up to 10,240 MB; training needs a GB or more');
  const retrainSchedule = props.retrainSchedule ?? DEFAULTS.retrainSchedule;
  if (!isToken(retrainSchedule) && !(retrainSchedule === 'off' || /^(rate|cron)\(.+\)$/.test(retrainSchedule))) {
    problems.push({
      key: 'retrainSchedule',
      value: retrainSchedule,
      problem: 'not an EventBridge schedule expression',
      fix: "use rate(1 day), rate(12 hours), cron(0 3 * * ? *) or 'off'",
    });
  }
  if (props.archive === false && props.retrainSchedule !== undefined && retrainSchedule !== 'off') {
    problems.push({
      key: 'retrainSchedule',
      value: retrainSchedule,
      problem: 'retraining learns from the archive, and the archive is off (archive: false)',
      fix: "turn the archive on, or set retrainSchedule to 'off'",
    });
  }
  const retainedDays = props.archiveRetentionDays ?? DEFAULTS.archiveRetentionDays;
  const retrainDays = props.retrainDays ?? DEFAULTS.retrainDays;
  if (!isToken(retrainDays) && !isToken(retainedDays) && retrainDays >= retainedDays) {
    problems.push({
      key: 'retrainDays',
      value: retrainDays,
      problem: `the archive keeps only ${retainedDays} days (archiveRetentionDays), and retraining also reads the held-back day`,
      fix: 'lower retrainDays or raise archiveRetentionDays',
    });
  }
  checkInteger(
    problems,
    'prometheusDetailSeconds',
    props.prometheusDetailSeconds,
    0,
    MAX_DETAIL_SECONDS,
    `0 writes every sample in full; the alert rules read detail series over 5 minutes, so at most ${MAX_DETAIL_SECONDS}`,
  );
  checkInteger(problems, 'functionMemoryMb', props.functionMemoryMb, 128, 10_240, 'Lambda memory is 128 MB to 10,240 MB');
  checkInteger(problems, 'functionTimeoutSeconds', props.functionTimeoutSeconds, 1, 900, 'Lambda runs at most 15 minutes');
  checkInteger(problems, 'batchSize', props.batchSize, 1, 10_000, 'a Kinesis event source mapping takes 1 to 10,000 records per batch');
  checkInteger(problems, 'maxBatchingWindowSeconds', props.maxBatchingWindowSeconds, 0, 300, 'Lambda waits at most 5 minutes to fill a batch');
  checkInteger(problems, 'retryAttempts', props.retryAttempts, 0, 10_000, 'a bounded retry count keeps a poison batch from blocking its shard');
  checkInteger(problems, 'maxRecordAgeSeconds', props.maxRecordAgeSeconds, 60, 604_800, 'Lambda accepts 1 minute to 7 days');
  checkInteger(problems, 'parallelizationFactor', props.parallelizationFactor, 1, 10, 'Lambda runs 1 to 10 batches per shard at once');
  checkInteger(problems, 'deadLetterRetentionDays', props.deadLetterRetentionDays, 1, 14, 'SQS keeps messages 1 to 14 days');
  checkInteger(problems, 'iteratorAgeAlarmSeconds', props.iteratorAgeAlarmSeconds, 10, 86_400, 'how far behind scoring may fall before the alarm');

  const logRetentionDays = props.logRetentionDays ?? DEFAULTS.logRetentionDays;
  if (!isToken(logRetentionDays) && !LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    problems.push({
      key: 'logRetentionDays',
      value: logRetentionDays,
      problem: 'not a CloudWatch Logs retention',
      fix: `use a value CloudWatch Logs accepts: ${LOG_RETENTION_DAYS.join(', ')}`,
    });
  }

  const streamRetentionHours = props.streamRetentionHours ?? DEFAULTS.streamRetentionHours;
  const maxRecordAgeSeconds = props.maxRecordAgeSeconds ?? DEFAULTS.maxRecordAgeSeconds;
  if (!isToken(maxRecordAgeSeconds) && !isToken(streamRetentionHours) && maxRecordAgeSeconds > streamRetentionHours * 3600) {
    problems.push({
      key: 'maxRecordAgeSeconds',
      value: maxRecordAgeSeconds,
      problem: `longer than the stream keeps records (streamRetentionHours ${showValue(streamRetentionHours)} = ${streamRetentionHours * 3600} s)`,
      fix: 'lower maxRecordAgeSeconds or raise streamRetentionHours',
    });
  }

  if (props.alarmEmail !== undefined && !isToken(props.alarmEmail) && !EMAIL.test(props.alarmEmail)) {
    problems.push({
      key: 'alarmEmail',
      value: props.alarmEmail,
      problem: 'not one email address',
      fix: 'give one email address such as ops@example.com, or leave it out and subscribe to the AlertTopicArn output yourself',
    });
  }
  for (const name of ['grafana', 'tracing', 'archive'] as const) {
    if (props[name] !== undefined && typeof props[name] !== 'boolean')
      problems.push({ key: name, value: props[name], problem: 'not a boolean', fix: 'use true or false' });
  }

  checkRemoteWriteUrl(problems, props, sinks);
  checkLinks(problems, props);

  if (problems.length > 0) throw new VigilPropsError(problems);
  return {
    streamMode,
    shardCount,
    streamRetentionHours,
    sinks: [...sinks],
    timestreamMemoryRetentionHours: props.timestreamMemoryRetentionHours ?? DEFAULTS.timestreamMemoryRetentionHours,
    timestreamMagneticRetentionDays: props.timestreamMagneticRetentionDays ?? DEFAULTS.timestreamMagneticRetentionDays,
    modelPrefix,
    modelRecheckSeconds: props.modelRecheckSeconds ?? DEFAULTS.modelRecheckSeconds,
    modelNoncurrentVersionDays: props.modelNoncurrentVersionDays ?? DEFAULTS.modelNoncurrentVersionDays,
    normalResolutionSeconds: props.normalResolutionSeconds ?? DEFAULTS.normalResolutionSeconds,
    archive: props.archive ?? DEFAULTS.archive,
    archiveRetentionDays: props.archiveRetentionDays ?? DEFAULTS.archiveRetentionDays,
    retrainSchedule,
    retrainDays,
    retrainMemoryMb: props.retrainMemoryMb ?? DEFAULTS.retrainMemoryMb,
    prometheusDetailSeconds: props.prometheusDetailSeconds ?? DEFAULTS.prometheusDetailSeconds,
    functionMemoryMb: props.functionMemoryMb ?? DEFAULTS.functionMemoryMb,
    functionTimeoutSeconds: props.functionTimeoutSeconds ?? DEFAULTS.functionTimeoutSeconds,
    batchSize: props.batchSize ?? DEFAULTS.batchSize,
    maxBatchingWindowSeconds: props.maxBatchingWindowSeconds ?? DEFAULTS.maxBatchingWindowSeconds,
    retryAttempts: props.retryAttempts ?? DEFAULTS.retryAttempts,
    maxRecordAgeSeconds,
    parallelizationFactor: props.parallelizationFactor ?? DEFAULTS.parallelizationFactor,
    deadLetterRetentionDays: props.deadLetterRetentionDays ?? DEFAULTS.deadLetterRetentionDays,
    logRetentionDays,
    alarmEmail: props.alarmEmail,
    iteratorAgeAlarmSeconds: props.iteratorAgeAlarmSeconds ?? DEFAULTS.iteratorAgeAlarmSeconds,
    grafana: props.grafana ?? DEFAULTS.grafana,
    tracing: props.tracing ?? DEFAULTS.tracing,
    alertRulesFile: props.alertRulesFile,
    grafanaUrl: props.grafanaUrl?.replace(/\/+$/, ''),
    runbookUrl: (props.runbookUrl ?? DEFAULT_LINKS.runbookUrl).replace(/\/+$/, ''),
    prometheusRemoteWriteUrl: props.prometheusRemoteWriteUrl,
  };
}

/** grafanaUrl and runbookUrl: absolute http(s) URLs (runbookUrl may stay a path), and not with a rule file of one's own. */
function checkLinks(problems: ConfigProblem[], props: VigilProps): void {
  for (const key of ['grafanaUrl', 'runbookUrl'] as const) {
    const value = props[key];
    if (value === undefined || isToken(value)) continue;
    if (props.alertRulesFile !== undefined) {
      problems.push({
        key,
        value,
        problem: 'the links are written into the rules the stack renders, and alertRulesFile gives a file of your own',
        fix: `build that file with \`npm run grafana:build -- --grafana-url … --runbook-url …\`, or leave alertRulesFile out`,
      });
      continue;
    }
    const absolute = /^https?:\/\/[^\s/]+/.test(value) && URL.canParse(value);
    if (key === 'grafanaUrl' ? !absolute : !absolute && !/^[\w./-]+$/.test(value)) {
      problems.push({
        key,
        value,
        problem: key === 'grafanaUrl' ? 'not an absolute http(s) URL' : 'neither an absolute http(s) URL nor a path',
        fix:
          key === 'grafanaUrl'
            ? 'give the Grafana address, e.g. https://g-abc.grafana-workspace.eu-west-1.amazonaws.com'
            : 'give where docs/runbooks is published, e.g. https://wiki.example.com/vigil/runbooks',
      });
    }
  }
}

function checkRemoteWriteUrl(problems: ConfigProblem[], props: VigilProps, sinks: readonly unknown[]): void {
  const url = props.prometheusRemoteWriteUrl;
  if (url === undefined) return;
  if (Array.isArray(sinks) && !sinks.includes('prometheus')) {
    problems.push({
      key: 'prometheusRemoteWriteUrl',
      value: url,
      problem: `only the 'prometheus' sink uses it, and sinks is ${showValue(sinks)}`,
      fix: `add 'prometheus' to sinks, or leave prometheusRemoteWriteUrl out`,
    });
  }
  if (!isToken(url) && !isHttpUrl(url)) {
    problems.push({
      key: 'prometheusRemoteWriteUrl',
      value: url,
      problem: 'not an http(s) URL',
      fix: 'give the remote-write URL of your Prometheus, e.g. https://prometheus.example.com/api/v1/write',
    });
  }
  if (props.alertRulesFile !== undefined) {
    problems.push({
      key: 'alertRulesFile',
      value: props.alertRulesFile,
      problem: 'the stack loads rules only into a workspace it creates, and prometheusRemoteWriteUrl names one you run',
      fix: 'load the rule file into your Prometheus yourself, and leave alertRulesFile out',
    });
  }
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function checkInteger(problems: ConfigProblem[], name: string, value: number | undefined, min: number, max: number, why: string): void {
  if (value === undefined || isToken(value)) return;
  const problem =
    typeof value !== 'number'
      ? 'not a number'
      : !Number.isInteger(value)
        ? 'not a whole number'
        : value < min
          ? `less than ${min.toLocaleString('en-US')}`
          : value > max
            ? `more than ${max.toLocaleString('en-US')}`
            : undefined;
  if (problem)
    problems.push({ key: name, value, problem, fix: `use a whole number from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')} (${why})` });
}

/** Values resolved only at deploy time (CloudFormation parameters) cannot be checked here. */
function isToken(value: unknown): boolean {
  return (typeof value === 'string' || typeof value === 'number') && Token.isUnresolved(value);
}
