/**
 * Scheduled retraining (models/retrain/handler.ts): a function that reads the history archive,
 * trains a challenger with the project's training code, publishes it when it is at least as good
 * as the current model, and writes its report to the model bucket; an EventBridge schedule that
 * runs it (daily unless configured otherwise, or never with 'off'); an alarm when a run fails.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { functionLogsAndRole } from '../function-role.js';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import { type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.js';
import { vigilFunction, withOnnxruntime } from '../vigil-function.js';
import type { HistoryArchive } from './history-archive.js';
import type { ModelBucket } from './model-bucket.js';

export interface RetrainingProps {
  readonly entry: string;
  readonly projectRoot: string;
  /** An EventBridge schedule expression (`rate(1 day)`, `cron(0 3 * * ? *)`), or 'off': the function is there, nothing runs it. */
  readonly schedule: string;
  readonly days: number;
  readonly memoryMb: number;
  readonly logRetention: RetentionDays;
  readonly archive: HistoryArchive;
  readonly models: ModelBucket;
  readonly modelPrefix: string;
  readonly topic: ITopic;
  readonly architecture?: Architecture;
}

/** Lambda's longest run: retraining of the largest fleet fits well within it (bench/retrain.bench.ts). */
const TIMEOUT = Duration.minutes(15);

export class Retraining extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly rule: Rule | undefined;
  readonly failedAlarm: Alarm;

  constructor(scope: Construct, id: string, props: RetrainingProps) {
    super(scope, id);
    const architecture = props.architecture ?? Architecture.ARM_64;
    ({ logGroup: this.logGroup, role: this.role } = functionLogsAndRole(this, { description: 'vigil retraining function', logRetention: props.logRetention }));
    this.function = vigilFunction(this, {
      entry: props.entry,
      projectRoot: props.projectRoot,
      architecture,
      memorySize: props.memoryMb,
      timeout: TIMEOUT,
      role: this.role,
      logGroup: this.logGroup,
      // A failed run is reported (alarm, report in the bucket) and the next scheduled run tries again; no retries.
      retryAttempts: 0,
      description: 'vigil: retrains the fleet model on the history archive, champion against challenger',
      environment: {
        VIGIL_MODEL_BUCKET: props.models.bucket.bucketName,
        VIGIL_MODEL_PREFIX: props.modelPrefix,
        VIGIL_ARCHIVE_BUCKET: props.archive.bucket.bucketName,
        VIGIL_ARCHIVE_PREFIX: props.archive.prefix,
        VIGIL_RETRAIN_DAYS: String(props.days),
        NODE_OPTIONS: '--enable-source-maps',
      },
      shipped: withOnnxruntime(architecture, props.projectRoot),
    });
    props.archive.grantRead(this.role);
    props.models.grantPublish(this.role);

    if (props.schedule !== 'off') {
      this.rule = new Rule(this, 'Schedule', {
        description: 'vigil: runs retraining',
        schedule: Schedule.expression(props.schedule),
        targets: [new LambdaFunction(this.function, { retryAttempts: 0 })],
      });
    }

    this.failedAlarm = new Alarm(this, 'Failed', {
      alarmDescription: 'vigil: retraining failed; `vigil models history` shows the reason, the current model stays',
      metric: this.function.metricErrors({ statistic: 'Sum', period: Duration.hours(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.failedAlarm.addAlarmAction(new SnsAction(props.topic));
    if (this.rule) {
      // EventBridge could not invoke the function: no run, no Errors; this says so.
      const notRun = new Alarm(this, 'NotRun', {
        alarmDescription: 'vigil: the retraining schedule could not invoke the function (check its resource policy and the function exists)',
        metric: new Metric({
          namespace: 'AWS/Events',
          metricName: 'FailedInvocations',
          dimensionsMap: { RuleName: this.rule.ruleName },
          statistic: 'Sum',
          period: Duration.hours(1),
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      notRun.addAlarmAction(new SnsAction(props.topic));
      acknowledge(this.rule, {
        id: 'Serverless-EventBusDLQ',
        reason:
          'A run the schedule could not start raises the NotRun alarm (AWS/Events FailedInvocations) and the next scheduled run starts afresh; a queue of undelivered schedule events would only be read to learn the same.',
      });
    }

    const scheduledOnly =
      'The function is invoked only by its EventBridge schedule (or an operator by hand); a failed run raises the Failed alarm and leaves its report in the model bucket, and the next run tries again, so a DLQ or failure destination would add nothing.';
    const nodeVersion = 'Node.js 24 is the runtime vigil is built and tested for (esbuild target node24, onnxruntime-node 1.30 binaries).';
    acknowledge(
      this.function,
      { id: 'Serverless-LambdaDLQ', reason: scheduledOnly },
      { id: 'Serverless-LambdaAsyncFailureDestination', reason: scheduledOnly },
      { id: 'AwsSolutions-L1', reason: nodeVersion },
      { id: 'Serverless-LambdaLatestVersion', reason: nodeVersion },
      { id: 'Serverless-LambdaTracing', reason: 'A run a day; its report in the model bucket and its logs say what it did, step by step.' },
    );
  }
}
