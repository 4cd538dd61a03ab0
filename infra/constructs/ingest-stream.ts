/**
 * The Kinesis stream the agents write to, and the managed policy their instance role needs for it:
 * PutRecords on this stream, plus DescribeStreamSummary on it for `vigil-agent check`; nothing else.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { acknowledge } from '../nag.js';
import { Construct } from 'constructs';
import type { StreamMode as VigilStreamMode } from '../props.js';

export interface IngestStreamProps {
  readonly streamMode: VigilStreamMode;
  /** Only with streamMode 'provisioned'. */
  readonly shardCount: number | undefined;
  readonly retentionHours: number;
}

export class IngestStream extends Construct {
  readonly stream: Stream;
  /** Attach to the agents' instance role. */
  readonly agentPolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: IngestStreamProps) {
    super(scope, id);
    this.stream = new Stream(this, 'Stream', {
      streamMode: props.streamMode === 'provisioned' ? StreamMode.PROVISIONED : StreamMode.ON_DEMAND,
      ...(props.streamMode === 'provisioned' ? { shardCount: props.shardCount } : {}),
      retentionPeriod: Duration.hours(props.retentionHours),
      encryption: StreamEncryption.MANAGED,
      // Records are transient telemetry; nothing to keep once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledge(this.stream, {
      id: 'AwsSolutions-KDS3',
      reason:
        'The stream is encrypted with the AWS managed key aws/kinesis on purpose: agents then need no KMS grant on their instance role (the agent policy stays PutRecords on this stream only) and no per-call KMS charges accrue.',
    });

    this.agentPolicy = new ManagedPolicy(this, 'AgentPolicy', {
      description: 'vigil agents: put metric records on the vigil stream only',
      statements: [
        new PolicyStatement({
          sid: 'PutVigilRecords',
          actions: ['kinesis:PutRecords'],
          resources: [this.stream.streamArn],
        }),
        new PolicyStatement({
          sid: 'CheckVigilStream',
          actions: ['kinesis:DescribeStreamSummary'],
          resources: [this.stream.streamArn],
        }),
      ],
    });
  }
}
