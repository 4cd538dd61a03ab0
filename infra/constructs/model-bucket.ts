/**
 * The bucket `vigil publish` writes models to and the scoring function reads them from:
 * versioned (a bad publish is recoverable), encrypted, private, TLS only, old versions expire.
 * Also the managed policy for whoever publishes models (an operator's role, a CI job).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { modelStatusPrefix } from '../../core/model-status.js';
import { acknowledge } from '../nag.js';
import { Construct } from 'constructs';

export interface ModelBucketProps {
  /** Days a replaced or deleted object version is kept. */
  readonly noncurrentVersionDays: number;
  /** Key prefix of published models. */
  readonly prefix: string;
}

export class ModelBucket extends Construct {
  readonly bucket: Bucket;
  /** `vigil publish`, `vigil models list|rollback`: read and write models under the prefix only. */
  readonly publisherPolicy: ManagedPolicy;
  private readonly prefix: string;

  constructor(scope: Construct, id: string, props: ModelBucketProps) {
    super(scope, id);
    this.prefix = props.prefix;
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
    acknowledge(this.bucket, {
      id: 'AwsSolutions-S1',
      reason:
        'Only `vigil publish` (operators) writes and only the scoring function reads this bucket; versioning keeps every published model and CloudTrail records the API calls, so a second bucket of server access logs would add cost without adding an audit trail.',
    });

    this.publisherPolicy = new ManagedPolicy(this, 'PublisherPolicy', {
      description: 'vigil: publish, list and roll back models in the vigil model bucket',
      statements: [
        new PolicyStatement({ sid: 'ReadWriteModels', actions: ['s3:GetObject', 's3:PutObject'], resources: [this.modelObjectsArn()] }),
        this.listStatement(),
      ],
    });
    acknowledge(
      this.publisherPolicy,
      this.modelObjectsAcknowledgement(
        'Publishing writes a new version directory and the pointer under the model prefix, and listing or rolling back reads them, so the policy covers objects under the prefix, and only there.',
      ),
    );
  }

  /**
   * GetObject under the model prefix, and ListBucket limited to it so that a model not yet published
   * reads as "no such key" (a clear error) rather than "access denied".
   */
  grantModelRead(role: Role): void {
    role.addToPrincipalPolicy(new PolicyStatement({ sid: 'ReadPublishedModels', actions: ['s3:GetObject'], resources: [this.modelObjectsArn()] }));
    acknowledge(
      role,
      this.modelObjectsAcknowledgement(
        `Model versions are published under ${this.prefix}/versions/<version>/ after the function is deployed, so the function reads objects under the model prefix, and only there.`,
      ),
    );
    role.addToPrincipalPolicy(this.listStatement());
  }

  /** Read and write models under the prefix and list it: retraining publishes challengers and writes reports. */
  grantPublish(role: Role): void {
    role.addToPrincipalPolicy(new PolicyStatement({ sid: 'PublishModels', actions: ['s3:GetObject', 's3:PutObject'], resources: [this.modelObjectsArn()] }));
    role.addToPrincipalPolicy(this.listStatement());
    acknowledge(
      role,
      this.modelObjectsAcknowledgement(
        'Retraining reads the current model, feedback marks and reports, and writes new versions, the pointer and its reports, all under the model prefix, and only there.',
      ),
    );
  }

  /**
   * PutObject of the scoring function's model status (core/model-status.ts), one object per
   * function under `<prefix>/status/`, written when its model changes; nothing else is writable.
   */
  grantModelStatusWrite(role: Role): void {
    const statusObjects = `${modelStatusPrefix(this.prefix)}*`;
    role.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'ReportModelStatus', actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects(statusObjects)] }),
    );
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket);
    acknowledge(role, {
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${statusObjects}]`,
      reason:
        "The function writes its model status under its own name (the function's name is known only once it exists, and naming it here would make the role depend on the function that depends on the role), so it may write objects under the status prefix, and only there.",
    });
  }

  /** ListBucket under the model prefix only, so that a key not there reads as "no such key" rather than "access denied". */
  grantModelList(role: Role): void {
    role.addToPrincipalPolicy(this.listStatement());
  }

  private modelObjectsArn(): string {
    return this.bucket.arnForObjects(`${this.prefix}/*`);
  }

  private listStatement(): PolicyStatement {
    return new PolicyStatement({
      sid: 'ListPublishedModels',
      actions: ['s3:ListBucket'],
      resources: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${this.prefix}/*`] } },
    });
  }

  /** The cdk-nag finding for the objects-under-the-prefix resource, which is a wildcard by nature. */
  private modelObjectsAcknowledgement(reason: string): { id: string; reason: string } {
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket);
    return { id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${this.prefix}/*]`, reason };
  }
}
