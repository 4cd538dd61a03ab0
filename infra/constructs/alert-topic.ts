/**
 * The SNS topic every alert goes to: host anomalies from the Prometheus workspace's Alertmanager and
 * the pipeline's own CloudWatch alarms. Encrypted with a customer managed key, because the AWS
 * managed SNS key cannot be granted to the services that publish here.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { acknowledge } from '../nag.js';
import { Construct } from 'constructs';

export interface AlertTopicProps {
  /** Subscribed by email when given. */
  readonly email: string | undefined;
}

export class AlertTopic extends Construct {
  readonly topic: Topic;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'vigil: encrypts the alert topic',
      enableKeyRotation: true,
      // Only in-flight notifications are encrypted with it; nothing at rest depends on it after teardown.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    this.topic = new Topic(this, 'Topic', { masterKey: this.key, enforceSSL: true, displayName: 'vigil alerts' });

    const { account, region, partition } = Stack.of(this);
    // CloudWatch alarms of this account publish here.
    this.allowService('cloudwatch.amazonaws.com', ['sns:Publish'], {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
    });

    if (props.email) {
      const subscription = this.topic.addSubscription(new EmailSubscription(props.email));
      acknowledge(subscription, {
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          "An email subscription: SNS retries delivery itself and counts failures in the topic's NumberOfNotificationsFailed metric; a redrive queue would only hold alerts nobody reads.",
      });
    }
  }

  /** Lets Amazon Managed Service for Prometheus (this workspace only) publish alerts here. */
  allowPrometheusWorkspace(workspaceArn: string): void {
    const { account, region, partition } = Stack.of(this);
    this.allowService(
      'aps.amazonaws.com',
      ['sns:Publish', 'sns:GetTopicAttributes'],
      { StringEquals: { 'aws:SourceAccount': account }, ArnEquals: { 'aws:SourceArn': workspaceArn } },
      // The key: any workspace of this account and region (naming this one would make key, workspace and topic depend on each other).
      { StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': `arn:${partition}:aps:${region}:${account}:workspace/*` } },
    );
  }

  /**
   * A service may publish to the topic under the conditions given, and use the key for it under the
   * same source conditions and only for SNS topics of this account and region, as AWS
   * documents for services publishing to encrypted topics (kms:EncryptionContext:aws:sns:topicArn): a key grant to a service principal
   * without them would let that service use the key on behalf of any account's resource.
   */
  private allowService(
    service: string,
    actions: string[],
    conditions: Record<string, Record<string, string>>,
    keyConditions: Record<string, Record<string, string>> = conditions,
  ): void {
    const { account, region, partition } = Stack.of(this);
    this.topic.addToResourcePolicy(new PolicyStatement({ principals: [new ServicePrincipal(service)], actions, resources: [this.topic.topicArn], conditions }));
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(service)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          ...keyConditions,
          // Topics of this account and region: the topic's own ARN would make key and topic depend on each other.
          StringLike: { 'kms:EncryptionContext:aws:sns:topicArn': `arn:${partition}:sns:${region}:${account}:*` },
        },
      }),
    );
  }
}
