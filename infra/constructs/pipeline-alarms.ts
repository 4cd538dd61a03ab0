/**
 * CloudWatch alarms on the pipeline's own health, all to the alert topic: scoring falling behind
 * the stream, function errors and throttles, messages waiting in either dead-letter queue, results
 * a sink did not take, batches with no model to score them, and dead letters that could not be sent.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SCORE_METRICS, SCORE_SERVICE_NAME, sinkMetric } from '../../core/score-function.js';

export interface PipelineAlarmsProps {
  readonly function: IFunction;
  /** The result sinks, and 'archive' when the history archive is on. */
  readonly sinks: readonly string[];
  readonly deadLetters: IQueue;
  readonly failedBatches: IQueue;
  readonly topic: ITopic;
  readonly iteratorAgeSeconds: number;
}

export class PipelineAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const minute = Duration.minutes(1);
    const fiveMinutes = Duration.minutes(5);
    const functionMetric = (metricName: string): Metric =>
      new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: SCORE_SERVICE_NAME }, statistic: 'Sum', period: fiveMinutes });

    this.add('IteratorAge', 'scoring is falling behind the stream: the oldest unscored record is older than the limit', {
      metric: props.function.metric('IteratorAge', { statistic: 'Maximum', period: minute }),
      threshold: props.iteratorAgeSeconds * 1000,
      evaluationPeriods: 3,
    });
    this.add('Errors', 'the score function failed invocations (their batches are retried, then sent to FailedBatches)', {
      metric: props.function.metricErrors({ statistic: 'Sum', period: fiveMinutes }),
    });
    this.add('Throttles', 'the score function was throttled: raise its concurrency or lower parallelizationFactor', {
      metric: props.function.metricThrottles({ statistic: 'Sum', period: fiveMinutes }),
    });
    this.add('DeadLetters', 'bad records were dead-lettered: read their reasons in the DeadLetters queue', {
      metric: props.deadLetters.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: minute }),
    });
    this.add('FailedBatches', 'the stream trigger gave up on batches: the FailedBatches queue holds their shard and sequence range', {
      metric: props.failedBatches.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: minute }),
    });
    for (const sink of props.sinks) {
      this.add(sinkMetric(sink, 'SamplesFailed'), `the ${sink} sink did not take results after retries (their records are delivered again)`, {
        metric: functionMetric(sinkMetric(sink, 'SamplesFailed')),
      });
    }
    this.add('BatchesWithoutModel', 'batches could not be scored for lack of a loadable model: publish one with `vigil publish`', {
      metric: functionMetric(SCORE_METRICS.batchesWithoutModel),
    });
    this.add('DeadLetterFailures', 'the dead-letter queue did not take bad records (they are delivered again)', {
      metric: functionMetric(SCORE_METRICS.deadLetterFailures),
    });

    const action = new SnsAction(props.topic);
    for (const alarm of this.alarms) alarm.addAlarmAction(action);
  }

  /** An alarm at `threshold` (default 1: any occurrence) over `evaluationPeriods` (default 1). */
  private add(id: string, description: string, options: { metric: IMetric; threshold?: number; evaluationPeriods?: number }): void {
    this.alarms.push(
      new Alarm(this, id, {
        alarmDescription: `vigil: ${description}`,
        metric: options.metric,
        threshold: options.threshold ?? 1,
        evaluationPeriods: options.evaluationPeriods ?? 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No data means no traffic, not trouble.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}
