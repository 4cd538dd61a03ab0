/** Template assertions for the history archive: its bucket, Glue table, the function's grant, and the switch. */
import { describe, expect, it } from 'vitest';
import { ARCHIVE_COLUMNS, ARCHIVE_STORAGE_FORMAT } from '../../core/archive.js';
import { resolveProps, VigilPropsError } from '../../infra/props.js';
import { resourcesOf, scoreFunction, synthVigil } from './synth.js';

const defaults = synthVigil();
const logicalId = (s: typeof defaults, construct: { node: { defaultChild?: unknown } }): string =>
  s.stack.getLogicalId(construct.node.defaultChild as Parameters<typeof s.stack.getLogicalId>[0]);

describe('history archive', () => {
  const archive = defaults.stack.archive!;
  const bucketId = logicalId(defaults, archive.bucket);

  it('is a private, encrypted, unversioned bucket kept on stack deletion whose objects expire after 30 days', () => {
    const bucket = resourcesOf(defaults.template, 'AWS::S3::Bucket')[bucketId] as { Properties: Record<string, unknown>; DeletionPolicy?: string };
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
    expect(bucket.Properties.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(bucket.Properties.LifecycleConfiguration).toEqual({
      Rules: [expect.objectContaining({ Status: 'Enabled', ExpirationInDays: 30, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })],
    });
    const policy = Object.values(resourcesOf(defaults.template, 'AWS::S3::BucketPolicy')).find(
      (p) => JSON.stringify(p.Properties!.Bucket) === JSON.stringify({ Ref: bucketId }),
    );
    expect(JSON.stringify(policy)).toContain('aws:SecureTransport');
  });

  it('has a Glue table of every archive column, Parquet with day partitions projected (no crawler)', () => {
    const [table] = Object.values(resourcesOf(defaults.template, 'AWS::Glue::Table'));
    const input = table!.Properties!.TableInput as {
      Parameters: Record<string, unknown>;
      PartitionKeys: { Name: string }[];
      StorageDescriptor: { Columns: { Name: string; Type: string }[]; InputFormat: string; SerdeInfo: { SerializationLibrary: string } };
    };
    expect(input.StorageDescriptor.Columns.map((c) => [c.Name, c.Type])).toEqual(ARCHIVE_COLUMNS.map((c) => [c.name, c.type]));
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
    expect(input.StorageDescriptor.InputFormat).toBe(ARCHIVE_STORAGE_FORMAT.inputFormat);
    expect(input.Parameters.classification).toBe('parquet');
    expect(input.PartitionKeys.map((k) => k.Name)).toEqual(['day']);
    expect(input.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.day.type': 'date',
      'projection.day.format': 'yyyy-MM-dd',
      'projection.day.range': 'NOW-30DAYS,NOW+1DAYS',
    });
    expect(JSON.stringify(input.Parameters['storage.location.template'])).toContain('/archive/day=${day}/');
    expect(table!.Properties!.DatabaseName).toEqual({ Ref: defaults.stack.getLogicalId(archive.database) });
  });

  it('lets the function put objects under the archive prefix only, and names the bucket in its environment', () => {
    expect((scoreFunction(defaults.template).Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      VIGIL_ARCHIVE_BUCKET: { Ref: bucketId },
      VIGIL_ARCHIVE_PREFIX: 'archive',
    });
    const rolePolicies = JSON.stringify(Object.entries(resourcesOf(defaults.template, 'AWS::IAM::Policy')).filter(([id]) => id.startsWith('ScoreRole')));
    expect(rolePolicies).toContain(
      '"Action":"s3:PutObject","Effect":"Allow","Resource":{"Fn::Join":["",[{"Fn::GetAtt":["' + bucketId + '","Arn"]},"/archive/*"]]}',
    );
    expect(rolePolicies).not.toMatch(/s3:GetObject","Effect":"Allow","Resource":\{"Fn::Join":\["",\[\{"Fn::GetAtt":\["ArchiveBucket/);
  });

  it('takes its retention from props, and is left out with archive: false', () => {
    const kept = synthVigil({ archiveRetentionDays: 30 });
    expect(JSON.stringify(resourcesOf(kept.template, 'AWS::S3::Bucket'))).toContain('"ExpirationInDays":30');
    const off = synthVigil({ archive: false });
    expect(off.stack.archive).toBeUndefined();
    expect(Object.keys(resourcesOf(off.template, 'AWS::Glue::Table'))).toEqual([]);
    expect(Object.keys((scoreFunction(off.template).Environment as { Variables: object }).Variables)).not.toContain('VIGIL_ARCHIVE_BUCKET');
  });

  it('refuses a retention out of range, or one given with the archive off', () => {
    expect(() => resolveProps({ archiveRetentionDays: 0 })).toThrow(VigilPropsError);
    expect(() => resolveProps({ archive: false, archiveRetentionDays: 30 })).toThrow(/archiveRetentionDays.*the archive is off/s);
    expect(() => resolveProps({ archive: false, retrainSchedule: 'rate(1 day)' })).toThrow(/retrainSchedule.*the archive is off/s);
    expect(() => resolveProps({ retrainSchedule: 'daily' })).toThrow(/retrainSchedule is "daily": not an EventBridge schedule expression/);
    expect(() => resolveProps({ retrainDays: 30 })).toThrow(/retrainDays.*the archive keeps only 30 days/s);
  });
});
