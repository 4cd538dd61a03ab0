/**
 * Scoring functions' model status objects in S3 (core/model-status.ts): one per function, replaced
 * when its model changes. Written by the function; listed by `vigil models status`.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { modelStatusPrefix, parseModelStatus, type ModelStatus } from '../core/model-status.js';
import type { ModelLocation } from './s3-store.js';

/** Function names are letters, digits, - and _ (up to 140 with a qualifier): safe as a key as they are. */
export function modelStatusKey(prefix: string, functionName: string): string {
  return `${modelStatusPrefix(prefix)}${functionName.replace(/[^A-Za-z0-9_-]/g, '_')}.json`;
}

export async function writeModelStatus(s3: S3Client, location: ModelLocation, status: ModelStatus): Promise<void> {
  const checked = parseModelStatus(status, 'the status to write');
  const key = modelStatusKey(location.prefix, checked.function);
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: location.bucket,
        Key: key,
        Body: `${JSON.stringify(checked, null, 2)}\n`,
        ContentType: 'application/json',
        CacheControl: 'no-cache',
      }),
    );
  } catch (error) {
    throw new Error(`cannot write s3://${location.bucket}/${key}: ${(error as Error).message}; the function's role needs s3:PutObject there`, { cause: error });
  }
}

/** Every function's status, by function name; an object that is not a status is reported in `problems`, not thrown. */
export async function readModelStatuses(s3: S3Client, location: ModelLocation): Promise<{ statuses: ModelStatus[]; problems: string[] }> {
  const prefix = modelStatusPrefix(location.prefix);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: prefix, ContinuationToken: token })).catch((error: unknown) => {
      if ((error as { name?: string }).name === 'NoSuchBucket')
        throw new Error(`bucket ${location.bucket} does not exist: pass the model bucket with --bucket`, { cause: error });
      throw new Error(`cannot list s3://${location.bucket}/${prefix}: ${(error as Error).message}; check the credentials and their S3 permissions`, {
        cause: error,
      });
    });
    for (const object of page.Contents ?? []) if (object.Key!.endsWith('.json')) keys.push(object.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const statuses: ModelStatus[] = [];
  const problems: string[] = [];
  for (const key of keys) {
    const source = `s3://${location.bucket}/${key}`;
    try {
      const response = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: key }));
      statuses.push(parseModelStatus(JSON.parse(await response.Body!.transformToString()), source));
    } catch (error) {
      problems.push(`${source}: ${(error as Error).message}`);
    }
  }
  return { statuses: statuses.sort((a, b) => a.function.localeCompare(b.function)), problems };
}
