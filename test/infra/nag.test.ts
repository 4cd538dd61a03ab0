/**
 * cdk-nag (AWS Solutions + Serverless) over every settings combination: no finding is left
 * unacknowledged, and every acknowledgement names its exact finding and a reason.
 */
import { Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { nagPacks } from '../../infra/nag.js';
import { CONFIGURATIONS, synthVigil } from './synth.js';

function findings(scope: IConstruct): string[] {
  return nagPacks().flatMap((pack) =>
    pack.validateScope(scope).violations.flatMap((v) => v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`)),
  );
}

/** Every acknowledgement in the tree as `path: rule id` with its reason. */
function acknowledgements(scope: IConstruct): { where: string; id: string; reason: string }[] {
  return scope.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) =>
          Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ where: c.node.path, id: id.replace(/^annotation::/i, ''), reason })),
        ),
    );
}

const synthesized = Object.entries(CONFIGURATIONS).map(([name, props]) => [name, synthVigil(props)] as const);

describe('cdk-nag', () => {
  it.each(synthesized)('finds nothing unacknowledged with %s settings', (_name, s) => {
    expect(findings(s.app)).toEqual([]);
  });

  it('acknowledges exactly these findings, each with a reason of its own', () => {
    const all = synthesized.flatMap(([, s]) => acknowledgements(s.app).map((a) => ({ ...a, where: a.where.replace(/^Vigil\//, '') })));
    // The bucket's logical id carries a hash; the finding names it.
    const ids = [
      ...new Set(
        all.map((a) =>
          `${a.where}: ${a.id}`
            .replace(/<ModelsBucket[0-9A-F]{8}\.Arn>/, '<ModelsBucket.Arn>')
            .replace(/<ArchiveBucket[0-9A-F]{8}\.Arn>/, '<ArchiveBucket.Arn>'),
        ),
      ),
    ].sort();
    expect(ids).toEqual(
      [
        'Alerts/Topic/ops@example.com: Serverless-SNSRedrivePolicy',
        'Archive/Bucket: AwsSolutions-S1',
        'Archive/ReaderPolicy: AwsSolutions-IAM5[Resource::<ArchiveBucket.Arn>/archive/*]',
        'DefaultModel/Function: AwsSolutions-L1',
        'DefaultModel/Function: Serverless-LambdaAsyncFailureDestination',
        'DefaultModel/Function: Serverless-LambdaDLQ',
        'DefaultModel/Function: Serverless-LambdaLatestVersion',
        'DefaultModel/Function: Serverless-LambdaTracing',
        'DefaultModel/Role: AwsSolutions-IAM5[Resource::<ModelsBucket.Arn>/models/versions/*/manifest.json]',
        'Grafana/Role: AwsSolutions-IAM5[Resource::*]',
        'Ingest/Stream: AwsSolutions-KDS3',
        'Models/Bucket: AwsSolutions-S1',
        'Models/PublisherPolicy: AwsSolutions-IAM5[Resource::<ModelsBucket.Arn>/models/*]',
        'Queues/DeadLetters: AwsSolutions-SQS3',
        'Queues/DeadLetters: Serverless-SQSRedrivePolicy',
        'Queues/FailedBatches: AwsSolutions-SQS3',
        'Queues/FailedBatches: Serverless-SQSRedrivePolicy',
        'Retraining/Function: AwsSolutions-L1',
        'Retraining/Function: Serverless-LambdaAsyncFailureDestination',
        'Retraining/Function: Serverless-LambdaDLQ',
        'Retraining/Function: Serverless-LambdaLatestVersion',
        'Retraining/Function: Serverless-LambdaTracing',
        'Retraining/Role: AwsSolutions-IAM5[Resource::<ArchiveBucket.Arn>/archive/*]',
        'Retraining/Role: AwsSolutions-IAM5[Resource::<ModelsBucket.Arn>/models/*]',
        'Retraining/Schedule: Serverless-EventBusDLQ',
        'Score/Function: AwsSolutions-L1',
        'Score/Function: Serverless-LambdaAsyncFailureDestination',
        'Score/Function: Serverless-LambdaDLQ',
        'Score/Function: Serverless-LambdaLatestVersion',
        'Score/Function: Serverless-LambdaTracing',
        'Score/Role: AwsSolutions-IAM5[Resource::*]',
        'Score/Role: AwsSolutions-IAM5[Resource::<ArchiveBucket.Arn>/archive/*]',
        'Score/Role: AwsSolutions-IAM5[Resource::<ModelsBucket.Arn>/models/*]',
        'Score/Role: AwsSolutions-IAM5[Resource::<ModelsBucket.Arn>/models/status/*]',
        'Timestream: CloudFormation-Validate::W3697',
        'Timestream/Database: AwsSolutions-TS3',
      ].sort(),
    );
    for (const { id, reason } of all) {
      // A reason says why for this resource: more than a rule restated.
      expect(reason.length, `reason for ${id}`).toBeGreaterThan(60);
    }
    const reasons = new Map(all.map((a) => [a.id.replace(/\[.*\]$/, ''), a.reason]));
    expect(reasons.get('AwsSolutions-KDS3')).toMatch(/aws\/kinesis/);
  });

  it('fails on a wildcard permission nobody acknowledged', () => {
    const s = synthVigil();
    s.stack.score.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:*'], resources: [s.stack.models.bucket.bucketArn] }));
    expect(findings(s.app)).toEqual([expect.stringMatching(/^error AwsSolutions-IAM5\[Action::s3:\*\] at Vigil\/Score\/Role\/DefaultPolicy\/Resource$/)]);
  });
});
