/**
 * Least privilege: every Allow statement in every policy of the stack (role policies, the agent
 * policy, key, topic, queue and bucket policies) is scanned for a wildcard action, resource or
 * principal. Each one found must match a deliberate acknowledgement below, with its reason.
 */
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CONFIGURATIONS, synthVigil } from './synth.js';

/** Wildcards accepted on purpose: `<logical id> <action> on <resource>` patterns and why. */
const ACKNOWLEDGED: { pattern: RegExp; reason: string }[] = [
  {
    pattern: /^ScoreRoleDefaultPolicy\w+ timestream:DescribeEndpoints on \*$/,
    reason: 'endpoint discovery has no resource-level permission; writes are limited to the table',
  },
  {
    pattern: /^ScoreRoleDefaultPolicy\w+ s3:GetObject on <ModelsBucket\w+\.Arn>\/models\/\*$/,
    reason: 'model versions appear under the prefix after deployment',
  },
  {
    pattern: /^ScoreRoleDefaultPolicy\w+ s3:PutObject on <ModelsBucket\w+\.Arn>\/models\/status\/\*$/,
    reason: "the function's model status is written under its own name, known only once the function exists",
  },
  {
    pattern: /^DefaultModelRoleDefaultPolicy\w+ s3:GetObject on <ModelsBucket\w+\.Arn>\/models\/versions\/\*\/manifest\.json$/,
    reason: "the deploy reads the current model's manifest, whichever version the pointer names, to tell its feature-set version",
  },
  {
    pattern: /^ModelsPublisherPolicy\w+ s3:(GetObject|PutObject) on <ModelsBucket\w+\.Arn>\/models\/\*$/,
    reason: 'publishing writes new version directories and the pointer under the prefix',
  },
  {
    pattern: /^ScoreRoleDefaultPolicy\w+ xray:(PutTraceSegments|PutTelemetryRecords) on \*$/,
    reason: 'X-Ray (opt-in tracing) has no resource-level permission',
  },
  {
    pattern: /^GrafanaRoleDefaultPolicy\w+ timestream:(DescribeEndpoints|SelectValues|ListDatabases) on \*$/,
    reason: "Grafana's Timestream data source; no resource-level permission",
  },
  {
    pattern: /^GrafanaRoleDefaultPolicy\w+ cloudwatch:(GetMetricData|ListMetrics) on \*$/,
    reason: 'CloudWatch metric reads have no resource-level permission; the dashboards chart pipeline health',
  },
  {
    pattern: /^ScoreRoleDefaultPolicy\w+ s3:PutObject on <ArchiveBucket\w+\.Arn>\/archive\/\*$/,
    reason: 'the archive sink writes one object per batch and day under the archive prefix',
  },
  {
    pattern: /^RetrainingRoleDefaultPolicy\w+ s3:GetObject on <ArchiveBucket\w+\.Arn>\/archive\/\*$/,
    reason: 'retraining reads the last days under the archive prefix',
  },
  {
    pattern: /^RetrainingRoleDefaultPolicy\w+ s3:(GetObject|PutObject) on <ModelsBucket\w+\.Arn>\/models\/\*$/,
    reason: 'retraining reads the current model and marks, and publishes challengers and reports under the model prefix',
  },
  {
    pattern: /^ArchiveReaderPolicy\w+ s3:GetObject on <ArchiveBucket\w+\.Arn>\/archive\/\*$/,
    reason: 'reading the archive reads every day under the archive prefix',
  },
  { pattern: /^AlertsKey\w+ kms:\* on \* for <AWS::AccountId>$/, reason: 'the default key policy: the account administers its key through IAM' },
  {
    pattern: /^AlertsKey\w+ kms:(Decrypt|GenerateDataKey\*) on \* for ((cloudwatch|aps)\.amazonaws\.com,?)+$/,
    reason: "in a key policy '*' is this key; GenerateDataKey* is how AWS documents SNS publishers",
  },
];

const POLICY_PROPERTIES: Record<string, string> = {
  'AWS::IAM::Policy': 'PolicyDocument',
  'AWS::IAM::ManagedPolicy': 'PolicyDocument',
  'AWS::KMS::Key': 'KeyPolicy',
  'AWS::SNS::TopicPolicy': 'PolicyDocument',
  'AWS::SQS::QueuePolicy': 'PolicyDocument',
  'AWS::S3::BucketPolicy': 'PolicyDocument',
};

interface Statement {
  Effect: string;
  Action?: string | string[];
  Resource?: unknown;
  Principal?: unknown;
}

/** Intrinsics as short text: {"Fn::GetAtt": ["X", "Arn"]} -> <X.Arn>, {"Ref": "X"} -> <X>. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(render).join(',');
  const object = value as Record<string, unknown>;
  if ('Ref' in object) return `<${String(object.Ref)}>`;
  if ('Fn::GetAtt' in object) return `<${(object['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Fn::Join' in object) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(separator);
  }
  return JSON.stringify(value);
}

function principalOf(statement: Statement): string {
  const principal = statement.Principal as Record<string, unknown> | string | undefined;
  if (principal === undefined) return '';
  if (typeof principal === 'string') return principal;
  return Object.values(principal)
    .map((p) => render(p).replace(/^arn:<AWS::Partition>:iam::(<AWS::AccountId>):root$/, '$1'))
    .join(',');
}

/** Every wildcard in an Allow statement, as `<logical id> <action> on <resource>[ for <principal>]`. */
function wildcards(template: Template): string[] {
  const found: string[] = [];
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
  for (const [id, resource] of Object.entries(resources)) {
    const property = POLICY_PROPERTIES[resource.Type];
    if (!property) continue;
    const statements = (resource.Properties[property] as { Statement: Statement[] }).Statement;
    for (const statement of statements) {
      if (statement.Effect !== 'Allow') continue; // a wildcard in a Deny only narrows
      const actions = [statement.Action ?? []].flat();
      const targets = [statement.Resource ?? []].flat().map(render);
      const principal = principalOf(statement);
      const forWhom = principal ? ` for ${principal}` : '';
      if (principal === '*' || principal.includes('"*"')) found.push(`${id} any principal${forWhom}`);
      for (const action of actions) {
        for (const target of targets) {
          if (action.includes('*') || target.includes('*')) found.push(`${id} ${action} on ${target}${forWhom}`);
        }
      }
    }
  }
  return found;
}

function unacknowledged(template: Template): string[] {
  return wildcards(template).filter((w) => !ACKNOWLEDGED.some((a) => a.pattern.test(w)));
}

describe('IAM wildcards', () => {
  it.each(Object.entries(CONFIGURATIONS))('are all acknowledged with %s settings', (_name, props) => {
    expect(unacknowledged(synthVigil(props).template)).toEqual([]);
  });

  it('are found in the places the acknowledgements describe', () => {
    const found = wildcards(synthVigil(CONFIGURATIONS.everything!).template);
    for (const { pattern } of ACKNOWLEDGED)
      expect(
        found.some((w) => pattern.test(w)),
        `${pattern}`,
      ).toBe(true);
  });

  it('fail the test when one is added without an acknowledgement', () => {
    const { template } = synthVigil(
      {},
      {
        change: (stack) => {
          stack.score.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sqs:*'], resources: [stack.queues.deadLetters.queueArn] }));
          stack.score.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['kinesis:PutRecords'], resources: ['*'] }));
        },
      },
    );
    expect(unacknowledged(template).sort()).toEqual([
      expect.stringMatching(/^ScoreRoleDefaultPolicy\w+ kinesis:PutRecords on \*$/),
      expect.stringMatching(/^ScoreRoleDefaultPolicy\w+ sqs:\* on <QueuesDeadLetters\w+\.Arn>$/),
    ]);
  });
});
