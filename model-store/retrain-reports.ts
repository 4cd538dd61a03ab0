/** Retraining reports in the model bucket (core/retrain-report.ts): written by retraining, listed by `vigil models history`. */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { retrainReportKey, retrainReportPrefix, type RetrainReport } from '../core/retrain-report.js';
import type { ModelLocation } from './s3-store.js';

export async function putRetrainReport(s3: S3Client, location: ModelLocation, report: RetrainReport): Promise<string> {
  const key = retrainReportKey(location.prefix, new Date(report.startedAt));
  await s3
    .send(new PutObjectCommand({ Bucket: location.bucket, Key: key, Body: JSON.stringify(report, null, 2), ContentType: 'application/json' }))
    .catch((error: unknown) => {
      throw new Error(
        `cannot write the retraining report s3://${location.bucket}/${key}: ${(error as Error).message}; check the function may write under the model prefix`,
        {
          cause: error,
        },
      );
    });
  return key;
}

/** The latest `limit` reports, newest first. */
export async function listRetrainReports(s3: S3Client, location: ModelLocation, limit = 30): Promise<RetrainReport[]> {
  const prefix = retrainReportPrefix(location.prefix);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: prefix, ContinuationToken: token })).catch((error: unknown) => {
      throw new Error(`cannot list s3://${location.bucket}/${prefix}: ${(error as Error).message}; check the bucket name and the credentials' S3 permissions`, {
        cause: error,
      });
    });
    for (const o of page.Contents ?? []) if (o.Key!.endsWith('.json')) keys.push(o.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const latest = keys.sort().reverse().slice(0, limit);
  return Promise.all(
    latest.map(async (key) => {
      const got = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: key }));
      const text = await got.Body!.transformToString();
      try {
        const report = JSON.parse(text) as RetrainReport;
        if (report.schema !== 1) throw new Error(`schema ${String(report.schema)}`);
        return report;
      } catch (error) {
        throw new Error(`s3://${location.bucket}/${key} is not a retraining report (${(error as Error).message}); delete it`, { cause: error });
      }
    }),
  );
}
