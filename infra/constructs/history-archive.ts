/**
 * The history archive: a bucket of its own for every scored sample (core/archive.ts says the layout),
 * encrypted, private, TLS only, each object expired after the retention; and a Glue database and
 * table over it, with partition projection on the day, so Athena queries it with no crawler and no
 * partitions to add. The scoring function may only put objects under the archive prefix; readers
 * (retraining, `vigil export`) may only get and list them.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { ManagedPolicy, PolicyStatement, type IRole } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ARCHIVE_COLUMNS, ARCHIVE_PARTITION_COLUMN, ARCHIVE_STORAGE_FORMAT } from '../../core/archive.js';
import { acknowledge } from '../nag.js';

export interface HistoryArchiveProps {
  /** Key prefix of the archive objects. */
  readonly prefix: string;
  /** Days an archive object is kept. */
  readonly retentionDays: number;
}

export class HistoryArchive extends Construct {
  readonly bucket: Bucket;
  readonly database: CfnDatabase;
  readonly table: CfnTable;
  /** For operators: read the archive (`vigil export --source archive`, Athena over the table). */
  readonly readerPolicy: ManagedPolicy;
  readonly prefix: string;
  readonly databaseName: string;
  readonly tableName: string;

  constructor(scope: Construct, id: string, props: HistoryArchiveProps) {
    super(scope, id);
    this.prefix = props.prefix;
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      // Not versioned: a batch delivered again writes its objects over on purpose (idempotence), and
      // versions would keep every copy.
      lifecycleRules: [
        { id: 'expire-archived-samples', expiration: Duration.days(props.retentionDays), abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      // The fleet's history is what retraining learns from: a stack deletion leaves it (infra/README.md).
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(this.bucket, {
      id: 'AwsSolutions-S1',
      reason:
        'Only the scoring function writes this bucket and only retraining and operators read it, all through IAM; CloudTrail records the API calls, so server access logs would double the request count of a bucket written every second without adding an audit trail.',
    });

    const account = Stack.of(this).account;
    this.database = new CfnDatabase(this, 'Database', {
      catalogId: account,
      // No name: CloudFormation makes one per stack (two stacks in one account do not collide); the ArchiveTable output gives it.
      databaseInput: { description: 'vigil: the history archive of scored samples' },
    });
    this.databaseName = this.database.ref;
    const location = `s3://${this.bucket.bucketName}/${props.prefix}/`;
    this.table = new CfnTable(this, 'Table', {
      catalogId: account,
      databaseName: this.databaseName,
      tableInput: {
        description: 'Every scored sample, one Parquet row each, partitioned by UTC day (core/archive.ts)',
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          classification: ARCHIVE_STORAGE_FORMAT.classification,
          'projection.enabled': 'true',
          [`projection.${ARCHIVE_PARTITION_COLUMN}.type`]: 'date',
          [`projection.${ARCHIVE_PARTITION_COLUMN}.format`]: 'yyyy-MM-dd',
          [`projection.${ARCHIVE_PARTITION_COLUMN}.range`]: `NOW-${props.retentionDays}DAYS,NOW+1DAYS`,
          [`projection.${ARCHIVE_PARTITION_COLUMN}.interval`]: '1',
          [`projection.${ARCHIVE_PARTITION_COLUMN}.interval.unit`]: 'DAYS',
          'storage.location.template': `${location}${ARCHIVE_PARTITION_COLUMN}=\${${ARCHIVE_PARTITION_COLUMN}}/`,
        },
        partitionKeys: [{ name: ARCHIVE_PARTITION_COLUMN, type: 'string', comment: 'UTC day of the samples, YYYY-MM-DD' }],
        storageDescriptor: {
          location,
          columns: ARCHIVE_COLUMNS.map(({ name, type, comment }) => ({ name, type, comment })),
          inputFormat: ARCHIVE_STORAGE_FORMAT.inputFormat,
          outputFormat: ARCHIVE_STORAGE_FORMAT.outputFormat,
          serdeInfo: { serializationLibrary: ARCHIVE_STORAGE_FORMAT.serializationLibrary },
        },
      },
    });
    this.table.addDependency(this.database);
    this.tableName = this.table.ref;

    this.readerPolicy = new ManagedPolicy(this, 'ReaderPolicy', {
      description: 'vigil: read the history archive (vigil export --source archive) and its Glue table',
      statements: [...this.readStatements(), ...this.catalogStatements()],
    });
    acknowledge(this.readerPolicy, this.objectsAcknowledgement('Reading the archive reads the objects of every day under the archive prefix, and only there.'));
  }

  /** PutObject under the archive prefix: the scoring function's archive sink. */
  grantWrite(role: IRole): void {
    role.addToPrincipalPolicy(new PolicyStatement({ sid: 'WriteHistoryArchive', actions: ['s3:PutObject'], resources: [this.objectsArn()] }));
    acknowledge(
      role,
      this.objectsAcknowledgement(
        'The archive sink writes one object per batch and day under the archive prefix (day=YYYY-MM-DD/<shard>/<range>), so the function writes objects under that prefix, and only there.',
      ),
    );
  }

  /** GetObject and ListBucket under the archive prefix: retraining. */
  grantRead(role: IRole): void {
    for (const statement of this.readStatements()) role.addToPrincipalPolicy(statement);
    acknowledge(role, this.objectsAcknowledgement('Retraining reads the objects of the last days under the archive prefix, and only there.'));
  }

  private readStatements(): PolicyStatement[] {
    return [
      new PolicyStatement({ sid: 'ReadHistoryArchive', actions: ['s3:GetObject'], resources: [this.objectsArn()] }),
      new PolicyStatement({
        sid: 'ListHistoryArchive',
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${this.prefix}/*`] } },
      }),
    ];
  }

  private catalogStatements(): PolicyStatement[] {
    const stack = Stack.of(this);
    return [
      new PolicyStatement({
        sid: 'ReadArchiveTable',
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
          stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/${this.tableName}` }),
        ],
      }),
    ];
  }

  private objectsArn(): string {
    return this.bucket.arnForObjects(`${this.prefix}/*`);
  }

  private objectsAcknowledgement(reason: string): { id: string; reason: string } {
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket);
    return { id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${this.prefix}/*]`, reason };
  }
}
