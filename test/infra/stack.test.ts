/** Template assertions: every resource and setting of the vigil stack, for the defaults and the options. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { onlyResource, resourcesOf, synthVigil, scoreFunction } from './synth.js';

const defaults = synthVigil();
const everything = synthVigil({ sinks: ['prometheus', 'timestream'], grafana: true, alarmEmail: 'ops@example.com' });
const provisioned = synthVigil({ streamMode: 'provisioned', shardCount: 3, batchSize: 100, parallelizationFactor: 4, sinks: ['timestream'] });

const logicalId = (s: typeof defaults, construct: { node: { defaultChild?: unknown } }): string =>
  s.stack.getLogicalId(construct.node.defaultChild as Parameters<typeof s.stack.getLogicalId>[0]);

describe('Kinesis stream', () => {
  it('is on-demand, encrypted with KMS and keeps records 24 hours by default', () => {
    const stream = onlyResource(defaults.template, 'AWS::Kinesis::Stream');
    expect(stream.StreamModeDetails).toEqual({ StreamMode: 'ON_DEMAND' });
    expect(stream.ShardCount).toBeUndefined();
    expect(stream.StreamEncryption).toEqual({ EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
    expect(stream.RetentionPeriodHours).toBe(24);
    expect(stream.Name).toBeUndefined();
  });

  it('is provisioned with the shard count given', () => {
    const stream = onlyResource(provisioned.template, 'AWS::Kinesis::Stream');
    expect(stream.StreamModeDetails).toEqual({ StreamMode: 'PROVISIONED' });
    expect(stream.ShardCount).toBe(3);
  });
});

describe('agent policy', () => {
  it("allows PutRecords (and the agent's stream check) on this stream and nothing else", () => {
    const policy = resourcesOf(defaults.template, 'AWS::IAM::ManagedPolicy')[logicalId(defaults, defaults.stack.ingest.agentPolicy)]!.Properties!;
    const stream = { 'Fn::GetAtt': [logicalId(defaults, defaults.stack.ingest.stream), 'Arn'] };
    expect(policy.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'PutVigilRecords', Effect: 'Allow', Action: 'kinesis:PutRecords', Resource: stream },
        { Sid: 'CheckVigilStream', Effect: 'Allow', Action: 'kinesis:DescribeStreamSummary', Resource: stream },
      ],
    });
    expect(policy.Roles ?? policy.Users ?? policy.Groups).toBeUndefined();
  });
});

describe('dead-letter operator policy', () => {
  it('reads, hides and deletes messages of the two queues, reads and puts records on this stream, nothing else', () => {
    const policy = resourcesOf(defaults.template, 'AWS::IAM::ManagedPolicy')[logicalId(defaults, defaults.stack.queues.operatorPolicy)]!.Properties!;
    expect(policy.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ReadDeadLetters',
          Effect: 'Allow',
          Action: ['sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:ReceiveMessage'],
          Resource: [
            { 'Fn::GetAtt': [logicalId(defaults, defaults.stack.queues.deadLetters), 'Arn'] },
            { 'Fn::GetAtt': [logicalId(defaults, defaults.stack.queues.failedBatches), 'Arn'] },
          ],
        },
        {
          Sid: 'RedriveToVigilStream',
          Effect: 'Allow',
          Action: 'kinesis:PutRecords',
          Resource: { 'Fn::GetAtt': [logicalId(defaults, defaults.stack.ingest.stream), 'Arn'] },
        },
        {
          Sid: 'ReadFailedRanges',
          Effect: 'Allow',
          Action: ['kinesis:GetRecords', 'kinesis:GetShardIterator'],
          Resource: { 'Fn::GetAtt': [logicalId(defaults, defaults.stack.ingest.stream), 'Arn'] },
        },
      ],
    });
  });
});

describe('model publisher policy', () => {
  it('reads and writes objects under the model prefix and lists only that prefix', () => {
    const policy = resourcesOf(defaults.template, 'AWS::IAM::ManagedPolicy')[logicalId(defaults, defaults.stack.models.publisherPolicy)]!.Properties!;
    const bucket = logicalId(defaults, defaults.stack.models.bucket);
    expect(policy.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ReadWriteModels',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/models/*']] },
        },
        {
          Sid: 'ListPublishedModels',
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: { 'Fn::GetAtt': [bucket, 'Arn'] },
          Condition: { StringLike: { 's3:prefix': ['models/*'] } },
        },
      ],
    });
  });
});

describe('model bucket', () => {
  it('is versioned, encrypted, private, kept on stack deletion, and expires old versions', () => {
    const id = logicalId(defaults, defaults.stack.models.bucket);
    const bucket = resourcesOf(defaults.template, 'AWS::S3::Bucket')[id]!;
    const props = bucket.Properties!;
    expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(props.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(props.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(props.LifecycleConfiguration).toEqual({
      Rules: [
        expect.objectContaining({
          Status: 'Enabled',
          NoncurrentVersionExpiration: { NoncurrentDays: 90 },
          ExpiredObjectDeleteMarker: true,
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        }),
      ],
    });
    defaults.template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    expect(props.BucketName).toBeUndefined();
    const policy = Object.values(resourcesOf(defaults.template, 'AWS::S3::BucketPolicy')).find(
      (p) => JSON.stringify(p.Properties?.Bucket) === JSON.stringify({ Ref: id }),
    )!.Properties!;
    expect(policy.Bucket).toEqual({ Ref: id });
    expect(policy.PolicyDocument).toMatchObject({
      Statement: [{ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
    });
  });

  it('keeps replaced versions for the days given', () => {
    const s = synthVigil({ modelNoncurrentVersionDays: 7 });
    const bucket = resourcesOf(s.template, 'AWS::S3::Bucket')[logicalId(s, s.stack.models.bucket)]!.Properties!;
    expect(JSON.stringify(bucket.LifecycleConfiguration)).toContain('"NoncurrentDays":7');
  });
});

describe('dead-letter queues', () => {
  it('are two encrypted, TLS-only queues keeping messages 14 days', () => {
    const queues = Object.values(resourcesOf(defaults.template, 'AWS::SQS::Queue'));
    expect(queues).toHaveLength(2);
    for (const queue of queues) {
      expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
      expect(queue.Properties!.QueueName).toBeUndefined();
    }
    const policies = Object.values(resourcesOf(defaults.template, 'AWS::SQS::QueuePolicy'));
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      expect(JSON.stringify(policy.Properties!.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('keep messages for the days given', () => {
    const s = synthVigil({ deadLetterRetentionDays: 4 });
    for (const queue of Object.values(resourcesOf(s.template, 'AWS::SQS::Queue'))) expect(queue.Properties!.MessageRetentionPeriod).toBe(4 * 86_400);
  });
});

describe('score function', () => {
  const fn = scoreFunction(defaults.template);

  it('runs Node.js 24 on arm64 with memory, timeout and its own log group set deliberately', () => {
    expect(fn).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], MemorySize: 1024, Timeout: 60, Handler: 'index.handler' });
    expect(fn.LoggingConfig).toEqual({ LogGroup: { Ref: logicalId(defaults, defaults.stack.score.logGroup) } });
    expect(fn.TracingConfig).toBeUndefined();
    expect(fn.FunctionName).toBeUndefined();
    defaults.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('takes memory, timeout, log retention and tracing from props', () => {
    const s = synthVigil({ functionMemoryMb: 2048, functionTimeoutSeconds: 120, logRetentionDays: 7, tracing: true });
    expect(scoreFunction(s.template)).toMatchObject({ MemorySize: 2048, Timeout: 120, TracingConfig: { Mode: 'Active' } });
    s.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  it('is configured by exactly the environment variables of the scoring API', () => {
    const env = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(env).sort()).toEqual(
      [
        'NODE_OPTIONS',
        'POWERTOOLS_METRICS_NAMESPACE',
        'POWERTOOLS_SERVICE_NAME',
        'VIGIL_ARCHIVE_BUCKET',
        'VIGIL_ARCHIVE_PREFIX',
        'VIGIL_DEAD_LETTER_QUEUE_URL',
        'VIGIL_MODEL_BUCKET',
        'VIGIL_MODEL_PREFIX',
        'VIGIL_MODEL_RECHECK_SECONDS',
        'VIGIL_NORMAL_RESOLUTION_SECONDS',
        'VIGIL_PROMETHEUS_DETAIL_SECONDS',
        'VIGIL_PROMETHEUS_SIGV4',
        'VIGIL_PROMETHEUS_URL',
        'VIGIL_SINKS',
      ].sort(),
    );
    expect(env).toMatchObject({
      VIGIL_MODEL_BUCKET: { Ref: logicalId(defaults, defaults.stack.models.bucket) },
      VIGIL_MODEL_PREFIX: 'models',
      VIGIL_MODEL_RECHECK_SECONDS: '60',
      VIGIL_SINKS: 'prometheus',
      VIGIL_PROMETHEUS_SIGV4: 'true',
      VIGIL_PROMETHEUS_DETAIL_SECONDS: '60',
      VIGIL_DEAD_LETTER_QUEUE_URL: { Ref: logicalId(defaults, defaults.stack.queues.deadLetters) },
      VIGIL_NORMAL_RESOLUTION_SECONDS: '0',
      POWERTOOLS_SERVICE_NAME: 'vigil-score',
      POWERTOOLS_METRICS_NAMESPACE: 'vigil',
    });
    const workspaceId = defaults.stack.getLogicalId(defaults.stack.prometheus!.workspace);
    expect(env.VIGIL_PROMETHEUS_URL).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [workspaceId, 'PrometheusEndpoint'] }, 'api/v1/remote_write']] });
  });

  it('names the Timestream table and both sinks when Timestream is on', () => {
    const env = (scoreFunction(everything.template).Environment as { Variables: Record<string, unknown> }).Variables;
    const ts = everything.stack.timestream!;
    expect(env).toMatchObject({
      VIGIL_SINKS: 'prometheus,timestream',
      VIGIL_TIMESTREAM_DATABASE: { Ref: everything.stack.getLogicalId(ts.database) },
      VIGIL_TIMESTREAM_TABLE: { 'Fn::GetAtt': [everything.stack.getLogicalId(ts.table), 'Name'] },
    });
    const timestreamOnly = (scoreFunction(provisioned.template).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(timestreamOnly.VIGIL_SINKS).toBe('timestream');
    expect(timestreamOnly.VIGIL_PROMETHEUS_URL).toBeUndefined();
  });

  it('has a role of its own with no managed policies', () => {
    const role = defaults.template.toJSON().Resources[logicalId(defaults, defaults.stack.score.role)].Properties;
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } }]);
  });
});

describe('stream trigger', () => {
  it('bisects, bounds retries and record age, reports item failures and sends what it gives up on to SQS', () => {
    const mapping = onlyResource(defaults.template, 'AWS::Lambda::EventSourceMapping');
    expect(mapping).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [logicalId(defaults, defaults.stack.ingest.stream), 'Arn'] },
      FunctionName: { Ref: logicalId(defaults, defaults.stack.score.function) },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 10,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
      ParallelizationFactor: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(defaults, defaults.stack.queues.failedBatches), 'Arn'] } } },
    });
  });

  it('takes batch size and parallelization factor from props', () => {
    expect(onlyResource(provisioned.template, 'AWS::Lambda::EventSourceMapping')).toMatchObject({ BatchSize: 100, ParallelizationFactor: 4 });
  });
});

describe('Timestream', () => {
  it('is not created unless the timestream sink is chosen', () => {
    defaults.template.resourceCountIs('AWS::Timestream::Database', 0);
    defaults.template.resourceCountIs('AWS::Timestream::Table', 0);
  });

  it('has memory and magnetic retention from props and rejects late writes synchronously', () => {
    const s = synthVigil({ sinks: ['timestream'], timestreamMemoryRetentionHours: 48, timestreamMagneticRetentionDays: 30 });
    const table = onlyResource(s.template, 'AWS::Timestream::Table');
    expect(table.RetentionProperties).toEqual({ MemoryStoreRetentionPeriodInHours: '48', MagneticStoreRetentionPeriodInDays: '30' });
    expect(table.MagneticStoreWriteProperties).toEqual({ EnableMagneticStoreWrites: false });
    expect(table.TableName).toBeUndefined();
    expect(onlyResource(s.template, 'AWS::Timestream::Database').DatabaseName).toBeUndefined();
    s.template.hasResource('AWS::Timestream::Database', { DeletionPolicy: 'Retain' });
    s.template.hasResource('AWS::Timestream::Table', { DeletionPolicy: 'Retain' });
  });
});

describe('Prometheus workspace', () => {
  it("loads vigil's rules into a rule groups namespace: the committed rule file by default, with absolute links given grafanaUrl and runbookUrl", () => {
    const rules = onlyResource(defaults.template, 'AWS::APS::RuleGroupsNamespace');
    expect(rules.Data).toBe(readFileSync(join(import.meta.dirname, '../../grafana/alerts/vigil-rules.yml'), 'utf8'));
    const linked = synthVigil({ grafanaUrl: 'https://g-1.grafana-workspace.eu-west-1.amazonaws.com', runbookUrl: 'https://wiki.example.com/vigil' });
    const data = String(onlyResource(linked.template, 'AWS::APS::RuleGroupsNamespace').Data);
    expect(data).toContain('dashboard: https://g-1.grafana-workspace.eu-west-1.amazonaws.com/d/vigil-host-detail?var-host={{ $labels.host }}');
    expect(data).toContain('runbook_url: https://wiki.example.com/vigil/VigilHostSilent.md');
    expect(data).not.toMatch(/dashboard: \/d\//);
    expect(rules.Workspace).toEqual({ 'Fn::GetAtt': [defaults.stack.getLogicalId(defaults.stack.prometheus!.workspace), 'Arn'] });
  });

  it('links alerts to the Managed Grafana workspace the stack creates when no grafanaUrl is given, and to grafanaUrl when it is', () => {
    const withGrafana = synthVigil({ grafana: true });
    const data = JSON.stringify(onlyResource(withGrafana.template, 'AWS::APS::RuleGroupsNamespace').Data);
    const endpoint = JSON.stringify({ 'Fn::GetAtt': [withGrafana.stack.getLogicalId(withGrafana.stack.grafana!.workspace), 'Endpoint'] });
    expect(data).toContain(`dashboard: https://",${endpoint},"/d/vigil-host-detail?var-host={{ $labels.host }}`);
    expect(data).not.toMatch(/dashboard: \/d\//);
    const given = synthVigil({ grafana: true, grafanaUrl: 'https://grafana.example.com' });
    expect(String(onlyResource(given.template, 'AWS::APS::RuleGroupsNamespace').Data)).toContain('dashboard: https://grafana.example.com/d/vigil-host-detail');
  });

  it('routes every alert to the SNS topic through Alertmanager', () => {
    const workspace = onlyResource(defaults.template, 'AWS::APS::Workspace');
    const definition = JSON.stringify(workspace.AlertManagerDefinition);
    expect(definition).toContain('sns_configs');
    expect(definition).toContain(`{"Ref":"${logicalId(defaults, defaults.stack.alerts.topic)}"}`);
    expect(definition).toContain('{"Ref":"AWS::Region"}');
    expect(workspace.Alias).toBeUndefined();
  });

  it('is left out when only Timestream is chosen', () => {
    provisioned.template.resourceCountIs('AWS::APS::Workspace', 0);
    provisioned.template.resourceCountIs('AWS::APS::RuleGroupsNamespace', 0);
  });
});

describe('alert topic', () => {
  it('is encrypted with a rotating key, TLS-only, and lets only this Prometheus workspace and CloudWatch publish', () => {
    const topic = onlyResource(defaults.template, 'AWS::SNS::Topic');
    const keyId = logicalId(defaults, defaults.stack.alerts.key);
    expect(topic.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    expect(topic.TopicName).toBeUndefined();
    defaults.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const policy = JSON.stringify(onlyResource(defaults.template, 'AWS::SNS::TopicPolicy').PolicyDocument);
    expect(policy).toContain('"aws:SecureTransport":"false"');
    const workspaceId = defaults.stack.getLogicalId(defaults.stack.prometheus!.workspace);
    defaults.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish' }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'aps.amazonaws.com' },
            Action: ['sns:GetTopicAttributes', 'sns:Publish'],
            Condition: {
              ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [workspaceId, 'Arn'] } },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
          }),
        ]),
      },
    });
  });

  it("lets the publishing services use its key only for their own account's resources and topics", () => {
    const topics = { 'kms:EncryptionContext:aws:sns:topicArn': { 'Fn::Join': ['', expect.arrayContaining([':sns:', { Ref: 'AWS::AccountId' }, ':*'])] } };
    const statements = (onlyResource(defaults.template, 'AWS::KMS::Key').KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    const forService = (service: string) => statements.filter((st) => (st.Principal as { Service?: string }).Service === service);
    expect(forService('aps.amazonaws.com')).toEqual([
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Condition: {
          ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', expect.arrayContaining([':aps:', ':workspace/*'])] } },
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          StringLike: topics,
        },
      }),
    ]);
    expect(forService('cloudwatch.amazonaws.com')).toEqual([
      expect.objectContaining({
        Condition: {
          ArnLike: { 'aws:SourceArn': expect.objectContaining({ 'Fn::Join': expect.anything() }) },
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          StringLike: topics,
        },
      }),
    ]);
  });

  it('subscribes the alarm email only when one is given', () => {
    defaults.template.resourceCountIs('AWS::SNS::Subscription', 0);
    everything.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });
});

describe('Grafana workspace', () => {
  it('is optional and off by default', () => {
    defaults.template.resourceCountIs('AWS::Grafana::Workspace', 0);
  });

  it('signs in through IAM Identity Center with a role that reads Prometheus and Timestream', () => {
    const grafana = everything.stack.grafana!;
    const workspace = onlyResource(everything.template, 'AWS::Grafana::Workspace');
    expect(workspace).toMatchObject({
      AccountAccessType: 'CURRENT_ACCOUNT',
      AuthenticationProviders: ['AWS_SSO'],
      PermissionType: 'CUSTOMER_MANAGED',
      DataSources: ['PROMETHEUS', 'TIMESTREAM', 'CLOUDWATCH'],
      RoleArn: { 'Fn::GetAtt': [logicalId(everything, grafana.role), 'Arn'] },
    });
    const policy = JSON.stringify(everything.template.toJSON().Resources);
    for (const action of ['aps:QueryMetrics', 'timestream:Select', 'cloudwatch:GetMetricData']) expect(policy).toContain(action);
    const role = everything.template.toJSON().Resources[logicalId(everything, grafana.role)].Properties;
    expect(role.AssumeRolePolicyDocument.Statement[0]).toMatchObject({
      Principal: { Service: 'grafana.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
  });
});

describe('alarms', () => {
  it('watch iterator age, errors, throttles, both queues, each sink, missing models and dead-letter failures, all to the topic', () => {
    const alarms = Object.values(resourcesOf(everything.template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties!);
    const names = alarms.map((a) => a.MetricName ?? a.Metrics).sort();
    expect(names).toEqual(
      [
        'ApproximateNumberOfMessagesVisible',
        'ApproximateNumberOfMessagesVisible',
        'ArchiveSamplesFailed',
        'BatchesWithoutModel',
        'DeadLetterFailures',
        'Errors',
        'Errors', // retraining failed
        'FailedInvocations', // the retraining schedule could not start it
        'IteratorAge',
        'PrometheusSamplesFailed',
        'Throttles',
        'TimestreamSamplesFailed',
      ].sort(),
    );
    const topicRef = { Ref: logicalId(everything, everything.stack.alerts.topic) };
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([topicRef]);
      expect(alarm.TreatMissingData).toBe('notBreaching');
    }
    const iteratorAge = alarms.find((a) => a.MetricName === 'IteratorAge')!;
    expect(iteratorAge).toMatchObject({ Namespace: 'AWS/Lambda', Threshold: 300_000, Statistic: 'Maximum' });
    const sink = alarms.find((a) => a.MetricName === 'PrometheusSamplesFailed')!;
    expect(sink).toMatchObject({ Namespace: 'vigil', Dimensions: [{ Name: 'service', Value: 'vigil-score' }], Threshold: 1 });
  });

  it('use the iterator age limit given', () => {
    const s = synthVigil({ iteratorAgeAlarmSeconds: 60 });
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IteratorAge', Threshold: 60_000 });
  });
});

describe('outputs', () => {
  it('give the operator the stream, policy, bucket, topic, queues and workspace URLs', () => {
    expect(Object.keys(defaults.template.toJSON().Outputs).sort()).toEqual(
      [
        'AgentPolicyArn',
        'AlertTopicArn',
        'ArchiveBucketName',
        'ArchiveReaderPolicyArn',
        'ArchiveTable',
        'DeadLetterOperatorPolicyArn',
        'DeadLetterQueueUrl',
        'FailedBatchQueueUrl',
        'ModelBucketName',
        'ModelPrefix',
        'ModelPublisherPolicyArn',
        'PrometheusQueryUrl',
        'PrometheusRemoteWriteUrl',
        'PrometheusWorkspaceId',
        'ScoreFunctionName',
        'RetrainFunctionName',
        'ScoreLogGroupName',
        'StreamName',
      ].sort(),
    );
    const outputs = everything.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.GrafanaWorkspaceUrl!.Value).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [everything.stack.getLogicalId(everything.stack.grafana!.workspace), 'Endpoint'] }]],
    });
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['TimestreamDatabase', 'TimestreamTable', 'GrafanaWorkspaceId']));
  });
});

describe('physical names', () => {
  it('are all generated by CloudFormation', () => {
    // Name-like properties that, given a literal, would pin a physical name.
    const naming =
      /^(BucketName|QueueName|TopicName|Name|FunctionName|RoleName|ManagedPolicyName|PolicyName|LogGroupName|DatabaseName|TableName|AlarmName|Alias|KeyAlias|AliasName|WorkspaceName)$/;
    // Names scoped inside one of this stack's resources, not account-wide.
    const scoped = new Set(['AWS::APS::RuleGroupsNamespace.Name', 'AWS::IAM::Policy.PolicyName']);
    for (const s of [defaults, everything, provisioned]) {
      for (const [id, resource] of Object.entries(s.template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>)) {
        for (const [key, value] of Object.entries(resource.Properties ?? {})) {
          if (naming.test(key) && typeof value === 'string' && !scoped.has(`${resource.Type}.${key}`)) {
            expect.fail(`${id} (${resource.Type}) has the hard-coded ${key} ${JSON.stringify(value)}`);
          }
        }
      }
    }
  });
});

describe('an existing Prometheus (prometheusRemoteWriteUrl)', () => {
  const remoteWriteStatements = (s: typeof defaults): unknown[] =>
    Object.values(resourcesOf(s.template, 'AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties!.PolicyDocument as { Statement: { Action: unknown }[] }).Statement.filter((st) => JSON.stringify(st.Action).includes('aps:')),
    );
  const envOf = (s: typeof defaults): Record<string, unknown> => (scoreFunction(s.template).Environment as { Variables: Record<string, unknown> }).Variables;

  it('creates no workspace, rules or Alertmanager, writes unsigned to the URL and grants nothing for it', () => {
    const own = synthVigil({ prometheusRemoteWriteUrl: 'http://prometheus.internal:9090/api/v1/write' });
    own.template.resourceCountIs('AWS::APS::Workspace', 0);
    own.template.resourceCountIs('AWS::APS::RuleGroupsNamespace', 0);
    expect(envOf(own)).toMatchObject({
      VIGIL_SINKS: 'prometheus',
      VIGIL_PROMETHEUS_URL: 'http://prometheus.internal:9090/api/v1/write',
      VIGIL_PROMETHEUS_SIGV4: 'false',
    });
    expect(remoteWriteStatements(own)).toEqual([]);
    expect(JSON.stringify(onlyResource(own.template, 'AWS::SNS::TopicPolicy').PolicyDocument)).not.toContain('aps.amazonaws.com');
    own.template.hasOutput('PrometheusRemoteWriteUrl', { Value: 'http://prometheus.internal:9090/api/v1/write' });
    expect(Object.keys(own.template.findOutputs('*'))).not.toContain('PrometheusWorkspaceId');
  });

  it('signs with SigV4 and may write to that one workspace when the URL is an existing Managed Prometheus workspace', () => {
    const url = 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1234abcd-12ab-34cd-56ef-1234567890ab/api/v1/remote_write';
    const managed = synthVigil({ prometheusRemoteWriteUrl: url });
    managed.template.resourceCountIs('AWS::APS::Workspace', 0);
    expect(envOf(managed)).toMatchObject({ VIGIL_PROMETHEUS_URL: url, VIGIL_PROMETHEUS_SIGV4: 'true' });
    expect(remoteWriteStatements(managed)).toEqual([
      expect.objectContaining({
        Action: 'aps:RemoteWrite',
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':aps:eu-west-1:', { Ref: 'AWS::AccountId' }, ':workspace/ws-1234abcd-12ab-34cd-56ef-1234567890ab'],
          ],
        },
      }),
    ]);
  });
});
