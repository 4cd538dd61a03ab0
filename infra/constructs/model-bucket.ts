/**
 * The bucket `vigil publish` writes models to and the scoring function reads them from:
 * versioned (a bad publish is recoverable), encrypted, private, TLS only, old versions expire.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { acknowledge } from '../nag.js';
import { Construct } from 'constructs';

export interface ModelBucketProps {
  /** Days a replaced or deleted object version is kept. */
  readonly noncurrentVersionDays: number;
}

export class ModelBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: ModelBucketProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      versioned: true,
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [
        {
          id: 'expire-old-model-versions',
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays),
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      // Models are the operator's work: a stack deletion leaves them (infra/README.md says how to remove them).
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(this.bucket,
      {
        id: 'AwsSolutions-S1',
        reason: 'Only `vigil publish` (operators) writes and only the scoring function reads this bucket; versioning keeps every published model and CloudTrail records the API calls, so a second bucket of server access logs would add cost without adding an audit trail.',
      },
    );
  }

  /**
   * GetObject under the model prefix, and ListBucket limited to it so that a model not yet published
   * reads as "no such key" (a clear error) rather than "access denied".
   */
  grantModelRead(role: Role, prefix: string): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'ReadPublishedModels', actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects(`${prefix}/*`)] }),
    );
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket);
    acknowledge(role, {
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}/*]`,
      reason: `Model versions are published under ${prefix}/versions/<version>/ after the function is deployed, so the function reads objects under the model prefix, and only there.`,
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ListPublishedModels',
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${prefix}/*`] } },
      }),
    );
  }
}
