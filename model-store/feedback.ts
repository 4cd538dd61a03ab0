/**
 * Feedback marks in S3 (core/feedback.ts has the mark and the labels): one JSON object per mark
 * under `<model prefix>/feedback/<id>.json`. The id is derived from host, range and label, and the
 * write is conditional (If-None-Match), so a mark given twice is stored once and keeps its first
 * note and time. `vigil feedback` writes, lists and deletes them; retraining reads them.
 */
import { createHash } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { FEEDBACK_LABELS, feedbackPrefix, parseFeedbackMark, type FeedbackLabel, type FeedbackMark } from '../core/feedback.js';
import type { ModelLocation } from './s3-store.js';

export interface NewFeedbackMark {
  readonly host: string;
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  readonly label: FeedbackLabel;
  readonly note?: string;
}

/** The same host, range and label give the same id. */
export function feedbackMarkId(mark: Pick<NewFeedbackMark, 'host' | 'from' | 'to' | 'label'>): string {
  return createHash('sha256')
    .update(JSON.stringify([mark.host, mark.from, mark.to, mark.label]))
    .digest('hex')
    .slice(0, 16);
}

export function feedbackKey(prefix: string, id: string): string {
  return `${feedbackPrefix(prefix)}${id}.json`;
}

/** Stores a mark (once: the same mark again returns the stored one); checks it first. */
export async function putFeedbackMark(
  s3: S3Client,
  location: ModelLocation,
  input: NewFeedbackMark,
  now = new Date(),
): Promise<{ mark: FeedbackMark; created: boolean }> {
  if (!FEEDBACK_LABELS.includes(input.label)) throw new Error(`label "${input.label}" is not one of ${FEEDBACK_LABELS.join(', ')}: give one of them`);
  if (!(Number.isFinite(input.from) && Number.isFinite(input.to) && input.from < input.to)) {
    throw new Error(`the range ${isoOrRaw(input.from)} .. ${isoOrRaw(input.to)} is empty or not a range of times: give a start before the end`);
  }
  const id = feedbackMarkId(input);
  const mark = parseFeedbackMark(
    {
      schema: 1,
      id,
      host: input.host,
      from: new Date(input.from).toISOString(),
      to: new Date(input.to).toISOString(),
      label: input.label,
      ...(input.note ? { note: input.note } : {}),
      createdAt: now.toISOString(),
    },
    'the new mark',
  );
  const key = feedbackKey(location.prefix, id);
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: location.bucket,
        Key: key,
        Body: `${JSON.stringify(mark, null, 2)}\n`,
        ContentType: 'application/json',
        IfNoneMatch: '*',
      }),
    );
    return { mark, created: true };
  } catch (error) {
    if (!isPreconditionFailed(error)) throw s3Error(error, location.bucket, key, 'write');
  }
  const stored = await getFeedbackMark(s3, location, id);
  if (!stored) throw new Error(`s3://${location.bucket}/${key} was there a moment ago and is gone (deleted at the same time?): add the mark again`);
  return { mark: stored, created: false };
}

/** The mark with this id, or undefined. */
export async function getFeedbackMark(s3: S3Client, location: ModelLocation, id: string): Promise<FeedbackMark | undefined> {
  const key = feedbackKey(location.prefix, id);
  let text: string;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: key }));
    text = await response.Body!.transformToString();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw s3Error(error, location.bucket, key, 'read');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new Error(`s3://${location.bucket}/${key} is not valid JSON (${(cause as Error).message}): delete it with \`vigil feedback delete --id ${id}\``, {
      cause,
    });
  }
  return parseFeedbackMark(json, `s3://${location.bucket}/${key}`);
}

export interface FeedbackFilter {
  /** Marks of this host (and those of every host). */
  readonly host?: string;
  /** Marks that overlap [from, to) (epoch ms). */
  readonly from?: number;
  readonly to?: number;
  readonly label?: FeedbackLabel;
}

/** Every stored mark that passes the filter, by start time. */
export async function listFeedbackMarks(s3: S3Client, location: ModelLocation, filter: FeedbackFilter = {}): Promise<FeedbackMark[]> {
  const prefix = feedbackPrefix(location.prefix);
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: prefix, ContinuationToken: token })).catch((error: unknown) => {
      throw s3Error(error, location.bucket, prefix, 'list');
    });
    for (const object of page.Contents ?? []) {
      const name = object.Key!.slice(prefix.length);
      if (/^[0-9a-f]{16}\.json$/.test(name)) ids.push(name.slice(0, 16));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const marks: FeedbackMark[] = [];
  for (const id of ids) {
    const mark = await getFeedbackMark(s3, location, id);
    if (mark && passes(mark, filter)) marks.push(mark);
  }
  return marks.sort((a, b) => a.from.localeCompare(b.from) || a.host.localeCompare(b.host) || a.id.localeCompare(b.id));
}

function passes(mark: FeedbackMark, filter: FeedbackFilter): boolean {
  if (filter.host !== undefined && mark.host !== filter.host && mark.host !== '*') return false;
  if (filter.label !== undefined && mark.label !== filter.label) return false;
  if (filter.from !== undefined && Date.parse(mark.to) <= filter.from) return false;
  if (filter.to !== undefined && Date.parse(mark.from) >= filter.to) return false;
  return true;
}

/** Deletes the mark with this id; an id that is not stored is an error (nothing to delete). */
export async function deleteFeedbackMark(s3: S3Client, location: ModelLocation, id: string): Promise<void> {
  if (!/^[0-9a-f]{16}$/.test(id)) throw new Error(`"${id}" is not a mark id (16 hex digits): \`vigil feedback list\` shows the ids`);
  const key = feedbackKey(location.prefix, id);
  try {
    await s3.send(new HeadObjectCommand({ Bucket: location.bucket, Key: key }));
  } catch (error) {
    if (isNotFound(error)) throw new Error(`no mark ${id} at s3://${location.bucket}/${key}: \`vigil feedback list\` shows the marks stored`);
    throw s3Error(error, location.bucket, key, 'read');
  }
  await s3.send(new DeleteObjectCommand({ Bucket: location.bucket, Key: key })).catch((error: unknown) => {
    throw s3Error(error, location.bucket, key, 'delete');
  });
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound';
}

function isPreconditionFailed(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 412 || status === 409 || (error as { name?: string }).name === 'PreconditionFailed';
}

function s3Error(error: unknown, bucket: string, key: string, action: string): Error {
  if ((error as { name?: string }).name === 'NoSuchBucket')
    return new Error(`bucket ${bucket} does not exist: pass the model bucket with --bucket`, { cause: error });
  return new Error(`cannot ${action} s3://${bucket}/${key}: ${(error as Error).message}; check the credentials and their S3 permissions on this bucket`, {
    cause: error,
  });
}

function isoOrRaw(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
