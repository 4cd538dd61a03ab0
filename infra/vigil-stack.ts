/**
 * The whole vigil pipeline in one stack: agents -> Kinesis -> score function -> Prometheus workspace
 * and/or Timestream, bad records -> SQS, alerts -> SNS, plus the alarms and outputs an operator needs.
 */
import { join } from 'node:path';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { AlertTopic } from './constructs/alert-topic.js';
import { DeadLetterQueues } from './constructs/dead-letter-queues.js';
import { DefaultModel } from './constructs/default-model.js';
import { GrafanaWorkspace } from './constructs/grafana-workspace.js';
import { HistoryArchive } from './constructs/history-archive.js';
import { Retraining } from './constructs/retraining.js';
import { IngestStream } from './constructs/ingest-stream.js';
import { ModelBucket } from './constructs/model-bucket.js';
import { PipelineAlarms } from './constructs/pipeline-alarms.js';
import { ExistingPrometheus, type RemoteWriteTarget } from './constructs/prometheus-endpoint.js';
import { PrometheusWorkspace, readRuleFile } from './constructs/prometheus-workspace.js';
import { ScoreFunction } from './constructs/score-function.js';
import { TimestreamStore } from './constructs/timestream-store.js';
import { DEFAULT_ARCHIVE_PREFIX } from '../core/archive.js';
import { scoreEnvironment } from './function-environment.js';
import { resolveProps } from './props.js';
import { PRODUCTION_TIMINGS, renderRules } from '../alerting/rules.js';
import type { VigilConfig, VigilProps } from './props.js';

/** The repository root: where package.json, the handler and the rule file live. */
export const PROJECT_ROOT = join(import.meta.dirname, '..');
export const SCORE_HANDLER = join(PROJECT_ROOT, 'functions', 'score', 'handler.ts');
export const RETRAIN_HANDLER = join(PROJECT_ROOT, 'models', 'retrain', 'handler.ts');

export interface VigilStackProps extends StackProps, VigilProps {
  /**
   * The function's CPU architecture.
   * @default Architecture.ARM_64
   */
  readonly functionArchitecture?: Architecture;
  /**
   * The scoring handler module to bundle.
   * @default - functions/score/handler.ts of this repository
   */
  readonly scoreHandlerEntry?: string;
}

export class VigilStack extends Stack {
  readonly config: VigilConfig;
  readonly ingest: IngestStream;
  readonly models: ModelBucket;
  readonly queues: DeadLetterQueues;
  readonly alerts: AlertTopic;
  readonly score: ScoreFunction;
  /** The workspace this stack creates for the 'prometheus' sink, unless prometheusRemoteWriteUrl names one that exists. */
  readonly prometheus: PrometheusWorkspace | undefined;
  /** Where the function remote-writes: the workspace above, or the endpoint of prometheusRemoteWriteUrl. */
  readonly remoteWrite: RemoteWriteTarget | undefined;
  readonly timestream: TimestreamStore | undefined;
  readonly grafana: GrafanaWorkspace | undefined;
  /** Every scored sample in S3 with its Glue table, unless `archive: false`. */
  readonly archive: HistoryArchive | undefined;
  /** The retraining function, its schedule and alarm: with the archive. */
  readonly retraining: Retraining | undefined;
  readonly alarms: PipelineAlarms;
  /** Publishes the default model at deploy where no model is current. */
  readonly defaultModel: DefaultModel;

  constructor(scope: Construct, id: string, props: VigilStackProps = {}) {
    super(scope, id, { description: 'vigil: real-time anomaly detection for a fleet of hosts', ...props });
    const config = resolveProps(props);
    this.config = config;

    this.ingest = new IngestStream(this, 'Ingest', {
      streamMode: config.streamMode,
      shardCount: config.shardCount,
      retentionHours: config.streamRetentionHours,
    });
    this.models = new ModelBucket(this, 'Models', { noncurrentVersionDays: config.modelNoncurrentVersionDays, prefix: config.modelPrefix });
    this.defaultModel = new DefaultModel(this, 'DefaultModel', {
      models: this.models,
      prefix: config.modelPrefix,
      projectRoot: PROJECT_ROOT,
      logRetention: config.logRetentionDays as RetentionDays,
    });
    this.queues = new DeadLetterQueues(this, 'Queues', { retentionDays: config.deadLetterRetentionDays, stream: this.ingest.stream });
    this.alerts = new AlertTopic(this, 'Alerts', { email: config.alarmEmail });

    if (config.sinks.includes('prometheus') && config.prometheusRemoteWriteUrl) {
      this.remoteWrite = new ExistingPrometheus(this, config.prometheusRemoteWriteUrl);
    } else if (config.sinks.includes('prometheus')) {
      this.prometheus = new PrometheusWorkspace(this, 'Prometheus', { rules: this.alertRules(config), alertTopic: this.alerts.topic });
      this.alerts.allowPrometheusWorkspace(this.prometheus.workspace.attrArn);
      this.remoteWrite = this.prometheus;
    }
    if (config.sinks.includes('timestream')) {
      this.timestream = new TimestreamStore(this, 'Timestream', {
        memoryRetentionHours: config.timestreamMemoryRetentionHours,
        magneticRetentionDays: config.timestreamMagneticRetentionDays,
      });
    }

    if (config.archive) {
      this.archive = new HistoryArchive(this, 'Archive', {
        prefix: DEFAULT_ARCHIVE_PREFIX,
        retentionDays: config.archiveRetentionDays,
      });
    }

    this.score = new ScoreFunction(this, 'Score', {
      entry: props.scoreHandlerEntry ?? SCORE_HANDLER,
      projectRoot: PROJECT_ROOT,
      memoryMb: config.functionMemoryMb,
      timeoutSeconds: config.functionTimeoutSeconds,
      logRetention: config.logRetentionDays as RetentionDays,
      tracing: config.tracing,
      architecture: props.functionArchitecture ?? Architecture.ARM_64,
      environment: scoreEnvironment({
        modelBucket: this.models.bucket.bucketName,
        modelPrefix: config.modelPrefix,
        modelRecheckSeconds: config.modelRecheckSeconds,
        sinks: config.sinks,
        timestream: this.timestream ? { database: this.timestream.database.ref, table: this.timestream.table.attrName } : undefined,
        prometheus: this.remoteWrite && {
          remoteWriteUrl: this.remoteWrite.remoteWriteUrl,
          sigv4: this.remoteWrite.sigv4,
          detailSeconds: config.prometheusDetailSeconds,
        },
        deadLetterQueueUrl: this.queues.deadLetters.queueUrl,
        normalResolutionSeconds: config.normalResolutionSeconds,
        archive: this.archive && { bucket: this.archive.bucket.bucketName, prefix: this.archive.prefix },
      }),
    });
    this.score.addStreamTrigger({
      stream: this.ingest.stream,
      batchSize: config.batchSize,
      maxBatchingWindowSeconds: config.maxBatchingWindowSeconds,
      retryAttempts: config.retryAttempts,
      maxRecordAgeSeconds: config.maxRecordAgeSeconds,
      parallelizationFactor: config.parallelizationFactor,
      failedBatches: this.queues.failedBatches,
    });
    this.models.grantModelRead(this.score.role);
    this.models.grantModelStatusWrite(this.score.role);
    this.queues.deadLetters.grantSendMessages(this.score.role);
    this.remoteWrite?.grantRemoteWrite(this.score.role);
    this.timestream?.grantWrite(this.score.role);
    this.archive?.grantWrite(this.score.role);

    if (config.grafana) {
      this.grafana = new GrafanaWorkspace(this, 'Grafana', { prometheus: this.prometheus, timestream: this.timestream });
      // Without a grafanaUrl of their own, alerts link to the dashboards in the workspace this stack creates.
      if (this.prometheus && config.alertRulesFile === undefined && config.grafanaUrl === undefined) {
        this.prometheus.rules.data = this.alertRules(config, `https://${this.grafana.workspace.attrEndpoint}`);
      }
    }

    if (this.archive) {
      this.retraining = new Retraining(this, 'Retraining', {
        entry: RETRAIN_HANDLER,
        projectRoot: PROJECT_ROOT,
        schedule: config.retrainSchedule,
        days: config.retrainDays,
        memoryMb: config.retrainMemoryMb,
        logRetention: config.logRetentionDays as RetentionDays,
        archive: this.archive,
        models: this.models,
        modelPrefix: config.modelPrefix,
        topic: this.alerts.topic,
        architecture: props.functionArchitecture ?? Architecture.ARM_64,
      });
    }

    this.alarms = new PipelineAlarms(this, 'Alarms', {
      function: this.score.function,
      sinks: [...config.sinks, ...(this.archive ? ['archive'] : [])],
      deadLetters: this.queues.deadLetters,
      failedBatches: this.queues.failedBatches,
      topic: this.alerts.topic,
      iteratorAgeSeconds: config.iteratorAgeAlarmSeconds,
    });

    this.outputs();
  }

  private outputs(): void {
    const out = (id: string, value: string, description: string): CfnOutput => new CfnOutput(this, id, { value, description });
    out('StreamName', this.ingest.stream.streamName, 'Kinesis stream the agents send to (vigil-agent --stream)');
    out('AgentPolicyArn', this.ingest.agentPolicy.managedPolicyArn, "Managed policy to attach to the agents' instance role");
    out('ModelBucketName', this.models.bucket.bucketName, 'Bucket to publish models to (vigil publish --bucket)');
    out('ModelPrefix', this.config.modelPrefix, 'Key prefix of published models (vigil publish --prefix)');
    out('ModelPublisherPolicyArn', this.models.publisherPolicy.managedPolicyArn, 'Managed policy for whoever publishes models (vigil publish, vigil models)');
    out('AlertTopicArn', this.alerts.topic.topicArn, 'SNS topic of host anomaly alerts and pipeline alarms');
    out('DeadLetterQueueUrl', this.queues.deadLetters.queueUrl, 'Bad records, each with its reason (vigil dead-letters list --queue)');
    out(
      'DeadLetterOperatorPolicyArn',
      this.queues.operatorPolicy.managedPolicyArn,
      'Managed policy for whoever reads and redrives dead letters and replays failed batches (vigil dead-letters, vigil failed-batches)',
    );
    out('FailedBatchQueueUrl', this.queues.failedBatches.queueUrl, 'Batches the stream trigger gave up on (shard and sequence range)');
    out('ScoreFunctionName', this.score.function.functionName, 'The scoring function');
    out('ScoreLogGroupName', this.score.logGroup.logGroupName, 'Logs of the scoring function (aws logs tail NAME --follow)');
    if (this.prometheus) {
      out('PrometheusWorkspaceId', this.prometheus.workspace.attrWorkspaceId, 'Amazon Managed Service for Prometheus workspace');
      out('PrometheusQueryUrl', this.prometheus.queryUrl, 'Prometheus data source URL for Grafana');
    }
    if (this.remoteWrite) out('PrometheusRemoteWriteUrl', this.remoteWrite.remoteWriteUrl, 'Where the score function remote-writes');
    if (this.timestream) {
      out('TimestreamDatabase', this.timestream.database.ref, 'Timestream database of scored samples');
      out('TimestreamTable', this.timestream.table.attrName, 'Timestream table of scored samples');
    }
    if (this.archive) {
      out('ArchiveBucketName', this.archive.bucket.bucketName, 'Every scored sample, by day (vigil export --source archive)');
      out('ArchiveTable', `${this.archive.databaseName}.${this.archive.tableName}`, 'Glue table of the archive, for Athena');
      out(
        'RetrainFunctionName',
        this.retraining!.function.functionName,
        'Retraining (run now: aws lambda invoke --function-name NAME out.json); vigil models history lists its decisions',
      );
      out('ArchiveReaderPolicyArn', this.archive.readerPolicy.managedPolicyArn, 'Managed policy for whoever reads the archive (vigil export --source archive)');
    }
    if (this.grafana) {
      out('GrafanaWorkspaceUrl', `https://${this.grafana.workspace.attrEndpoint}`, 'Amazon Managed Grafana (sign in with IAM Identity Center)');
      out('GrafanaWorkspaceId', this.grafana.workspace.attrId, 'For npm run grafana:publish');
    }
  }

  /**
   * The rules loaded into the workspace: the operator's rule file, else vigil's rules rendered with
   * the stack's links (grafanaUrl, else `workspaceUrl`: the Managed Grafana workspace this stack
   * creates, else links relative to Grafana; runbookUrl).
   */
  private alertRules(config: VigilConfig, workspaceUrl?: string): string {
    if (config.alertRulesFile !== undefined) return readRuleFile(config.alertRulesFile);
    return renderRules(PRODUCTION_TIMINGS, { grafanaUrl: config.grafanaUrl ?? workspaceUrl ?? '', runbookUrl: config.runbookUrl });
  }
}
