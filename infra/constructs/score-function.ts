/**
 * The `score` Lambda function (functions/score/handler.ts) and the Kinesis event source mapping
 * that drives it: Node.js 22 on arm64, bundled locally with esbuild, onnxruntime-node shipped with
 * only the binaries of the function's platform, its own role and log group, nothing more.
 */
import { Duration } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { Architecture, StartingPosition, Tracing } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { functionLogsAndRole } from '../function-role.js';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { acknowledge } from '../nag.js';
import { Construct } from 'constructs';
import { vigilFunction, withOnnxruntime } from '../vigil-function.js';

/**
 * The function's Node options. Source maps for readable stack traces; and a 64 MB young-generation
 * semi-space (V8's default is 16 MB): a 10,000-sample batch allocates tens of megabytes that live
 * until its requests are built, and a small young generation copied them in several scavenges.
 * The score bench runs with these options too (`npm run bench -- --only score`: about 1.1x the
 * samples per CPU-second of the default, alternated in the same minutes).
 */
export const SCORE_FUNCTION_NODE_OPTIONS = '--enable-source-maps --max-semi-space-size=64';

export interface ScoreFunctionProps {
  /** The handler module (exports `handler`). */
  readonly entry: string;
  /** The directory holding package.json, package-lock.json and node_modules. */
  readonly projectRoot: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly logRetention: RetentionDays;
  readonly tracing: boolean;
  /** The function's configuration (functions/score/config.ts reads it). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * @default Architecture.ARM_64 - cheaper per GB-second; x86_64 exists so tests can load the bundle on their own machine
   */
  readonly architecture?: Architecture;
}

export interface StreamTriggerProps {
  readonly stream: IStream;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly retryAttempts: number;
  readonly maxRecordAgeSeconds: number;
  readonly parallelizationFactor: number;
  /** Where the mapping sends batches it gives up on. */
  readonly failedBatches: IQueue;
}

export class ScoreFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ScoreFunctionProps) {
    super(scope, id);
    const architecture = props.architecture ?? Architecture.ARM_64;
    ({ logGroup: this.logGroup, role: this.role } = functionLogsAndRole(this, { description: 'vigil score function', logRetention: props.logRetention }));

    this.function = vigilFunction(this, {
      entry: props.entry,
      projectRoot: props.projectRoot,
      architecture,
      memorySize: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      description: 'vigil: scores host metric records from Kinesis with the current ONNX model',
      environment: { ...props.environment, NODE_OPTIONS: SCORE_FUNCTION_NODE_OPTIONS },
      shipped: withOnnxruntime(architecture, props.projectRoot),
    });

    const invokedByStreamOnly =
      "The function is invoked only by the Kinesis event source mapping, synchronously; a batch it fails goes to the mapping's SQS on-failure destination (FailedBatches) and bad records to the DeadLetters queue, so an asynchronous-invocation DLQ or destination would never receive anything.";
    if (props.tracing) {
      acknowledge(this.role, {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Active tracing (prop tracing) needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permission.',
      });
    }
    const nodeVersion =
      'Node.js 24 is the runtime vigil is built and tested for (its code, its esbuild target node24 and onnxruntime-node 1.30 native binaries); moving to a newer Node.js runtime is a deliberate project upgrade, not a deploy-time default.';
    acknowledge(
      this.function,
      { id: 'Serverless-LambdaDLQ', reason: invokedByStreamOnly },
      { id: 'Serverless-LambdaAsyncFailureDestination', reason: invokedByStreamOnly },
      { id: 'AwsSolutions-L1', reason: nodeVersion },
      { id: 'Serverless-LambdaLatestVersion', reason: nodeVersion },
      ...(props.tracing
        ? []
        : [
            {
              id: 'Serverless-LambdaTracing',
              reason:
                "X-Ray is opt-in (prop tracing): a stream-triggered function invoked every second would record millions of traces a month; the pipeline's health is watched by this stack's CloudWatch alarms.",
            },
          ]),
    );
  }

  /**
   * Reads the stream: partial batch failures reported by the handler, a failing batch bisected to
   * isolate the poison record, retries and record age bounded, and what is given up on sent to SQS.
   */
  addStreamTrigger(props: StreamTriggerProps): KinesisEventSource {
    const source = new KinesisEventSource(props.stream, {
      // Nothing the agents sent before the function existed is skipped.
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: props.batchSize,
      maxBatchingWindow: Duration.seconds(props.maxBatchingWindowSeconds),
      bisectBatchOnError: true,
      retryAttempts: props.retryAttempts,
      maxRecordAge: Duration.seconds(props.maxRecordAgeSeconds),
      parallelizationFactor: props.parallelizationFactor,
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(props.failedBatches),
    });
    this.function.addEventSource(source);
    return source;
  }
}
