/**
 * The two places where records that could not be scored end up, never silently dropped:
 * - deadLetters: bad records the scoring function rejects, each with its reason (the function writes it);
 * - failedBatches: batches the event source mapping gave up on after its retries or record age
 *   (Lambda writes the shard and sequence range; the records stay readable in the stream until it expires).
 * And the managed policy of whoever reads the dead letters and redrives them (`vigil dead-letters`) or
 * replays failed batches (`vigil failed-batches replay`).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { acknowledge } from '../nag.js';
import { Construct } from 'constructs';

export interface DeadLetterQueuesProps {
  readonly retentionDays: number;
  /** Where redriven records go: the stream the agents write to. */
  readonly stream: IStream;
}

export class DeadLetterQueues extends Construct {
  readonly deadLetters: Queue;
  readonly failedBatches: Queue;
  readonly operatorPolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: DeadLetterQueuesProps) {
    super(scope, id);
    this.deadLetters = this.terminalQueue('DeadLetters', props.retentionDays);
    this.failedBatches = this.terminalQueue('FailedBatches', props.retentionDays);
    this.operatorPolicy = new ManagedPolicy(this, 'OperatorPolicy', {
      description:
        'vigil: read the dead-letter and failed-batch queues and put their records back on the vigil stream (vigil dead-letters, vigil failed-batches)',
      statements: [
        // The batch calls (DeleteMessageBatch, ChangeMessageVisibilityBatch) are authorised by these actions.
        new PolicyStatement({
          sid: 'ReadDeadLetters',
          actions: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage'],
          resources: [this.deadLetters.queueArn, this.failedBatches.queueArn],
        }),
        new PolicyStatement({ sid: 'RedriveToVigilStream', actions: ['kinesis:PutRecords'], resources: [props.stream.streamArn] }),
        // A failed batch names a shard range: the replay reads it back from the stream.
        new PolicyStatement({ sid: 'ReadFailedRanges', actions: ['kinesis:GetShardIterator', 'kinesis:GetRecords'], resources: [props.stream.streamArn] }),
      ],
    });
  }

  private terminalQueue(id: string, retentionDays: number): Queue {
    const queue = new Queue(this, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(retentionDays),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const reason =
      'This queue is itself the end of the line for records that could not be scored; its depth is alarmed on, and a queue behind it would only move the same messages.';
    acknowledge(queue, { id: 'AwsSolutions-SQS3', reason }, { id: 'Serverless-SQSRedrivePolicy', reason });
    return queue;
  }
}
