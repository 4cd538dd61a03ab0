/** Feedback marks in S3 over the wire (moto): the store retraining reads, and the `vigil feedback` commands. */
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import { feedbackLabelAt, type FeedbackMark } from '../../core/feedback.js';
import { deleteFeedbackMark, feedbackKey, getFeedbackMark, listFeedbackMarks, putFeedbackMark } from '../../model-store/feedback.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { runVigil, type CliRun } from '../vigil-cli.js';

useLocalAws();
let s3: S3Client;
beforeAll(() => {
  s3 = new S3Client(awsClientSettings());
});

async function newBucket(): Promise<string> {
  const bucket = uniqueName('feedback');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

const T0 = Date.UTC(2026, 11, 1, 14);
const HOUR = 3_600_000;

describe('the feedback store', () => {
  it('stores a mark once, reads it back, lists it by host, range and label, and deletes it', async () => {
    const location = { bucket: await newBucket(), prefix: 'models' };
    const first = await putFeedbackMark(s3, location, { host: 'web-1', from: T0, to: T0 + HOUR, label: 'incident', note: 'disk full' });
    expect(first.created).toBe(true);
    expect(first.mark).toMatchObject({ host: 'web-1', from: '2026-12-01T14:00:00.000Z', to: '2026-12-01T15:00:00.000Z', label: 'incident', note: 'disk full' });
    const again = await putFeedbackMark(s3, location, { host: 'web-1', from: T0, to: T0 + HOUR, label: 'incident', note: 'other words' });
    expect(again).toEqual({ mark: first.mark, created: false });
    await putFeedbackMark(s3, location, { host: 'web-2', from: T0 - HOUR, to: T0, label: 'normal' });
    await putFeedbackMark(s3, location, { host: '*', from: T0 + 2 * HOUR, to: T0 + 3 * HOUR, label: 'maintenance' });

    const all = await listFeedbackMarks(s3, location);
    expect(all.map((m) => [m.host, m.label])).toEqual([
      ['web-2', 'normal'],
      ['web-1', 'incident'],
      ['*', 'maintenance'],
    ]);
    expect((await listFeedbackMarks(s3, location, { host: 'web-1' })).map((m) => m.label)).toEqual(['incident', 'maintenance']);
    expect((await listFeedbackMarks(s3, location, { from: T0, to: T0 + HOUR })).map((m) => m.host)).toEqual(['web-1']);
    expect((await listFeedbackMarks(s3, location, { label: 'normal' })).map((m) => m.host)).toEqual(['web-2']);
    expect(await getFeedbackMark(s3, location, first.mark.id)).toEqual(first.mark);

    await deleteFeedbackMark(s3, location, first.mark.id);
    expect(await getFeedbackMark(s3, location, first.mark.id)).toBeUndefined();
    expect(await listFeedbackMarks(s3, location)).toHaveLength(2);
    await expect(deleteFeedbackMark(s3, location, first.mark.id)).rejects.toThrow(`no mark ${first.mark.id} at s3://${location.bucket}/models/feedback/`);
  });

  it('refuses an empty range and an unknown label, storing nothing', async () => {
    const location = { bucket: await newBucket(), prefix: '' };
    await expect(putFeedbackMark(s3, location, { host: 'h', from: T0, to: T0, label: 'incident' })).rejects.toThrow(
      /is empty or not a range .* give a start before the end/,
    );
    await expect(putFeedbackMark(s3, location, { host: 'h', from: T0, to: T0 + 1, label: 'oops' as 'normal' })).rejects.toThrow(
      /label "oops" is not one of normal, incident, maintenance/,
    );
    expect(await listFeedbackMarks(s3, location)).toEqual([]);
  });

  it('names an object under the marks that is not a mark, and how to remove it', async () => {
    const location = { bucket: await newBucket(), prefix: 'models' };
    const key = feedbackKey('models', '0123456789abcdef');
    await s3.send(new PutObjectCommand({ Bucket: location.bucket, Key: key, Body: '{"schema":1}' }));
    await expect(listFeedbackMarks(s3, location)).rejects.toThrow(`s3://${location.bucket}/${key} is not a vigil feedback mark`);
  });

  it('says which bucket does not exist', async () => {
    await expect(listFeedbackMarks(s3, { bucket: uniqueName('absent'), prefix: 'models' })).rejects.toThrow(/bucket .* does not exist/);
  });
});

describe('feedbackLabelAt', () => {
  const mark = (host: string, from: number, to: number, label: FeedbackMark['label'], createdAt: string): FeedbackMark => ({
    schema: 1,
    id: '0123456789abcdef',
    host,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    label,
    createdAt,
  });
  it('gives the label of the host’s (or every host’s) mark covering the time, the latest given where they overlap, none outside', () => {
    const marks = [
      mark('web-1', T0, T0 + HOUR, 'incident', '2026-12-01T16:00:00Z'),
      mark('*', T0 + HOUR / 2, T0 + 2 * HOUR, 'maintenance', '2026-12-01T17:00:00Z'),
    ];
    expect(feedbackLabelAt(marks, 'web-1', T0)).toBe('incident');
    expect(feedbackLabelAt(marks, 'web-1', T0 + HOUR / 2)).toBe('maintenance');
    expect(feedbackLabelAt(marks, 'web-2', T0)).toBeUndefined();
    expect(feedbackLabelAt(marks, 'web-2', T0 + HOUR)).toBe('maintenance');
    expect(feedbackLabelAt(marks, 'web-1', T0 + 2 * HOUR)).toBeUndefined();
  });
});

const vigil = (...args: string[]): Promise<CliRun> => runVigil(args);

describe('vigil feedback', () => {
  it('adds, lists and deletes marks as an operator does', { timeout: 60_000 }, async () => {
    const bucket = await newBucket();
    const add = await vigil(
      'feedback',
      '--host',
      'web-1',
      '--from',
      '2026-12-01T14:00:00Z',
      '--to',
      '2026-12-01T15:30:00Z',
      '--label',
      'incident',
      '--bucket',
      bucket,
    );
    expect(add.stderr).toBe('');
    const id = /\(id ([0-9a-f]{16})\)/.exec(add.stdout)?.[1];
    expect(add.stdout).toContain('marked web-1 2026-12-01T14:00:00.000Z .. 2026-12-01T15:30:00.000Z as incident');
    const relative = await vigil(
      'feedback',
      '--host',
      '*',
      '--from=-2h',
      '--to',
      'now',
      '--label',
      'maintenance',
      '--note',
      'kernel upgrade',
      '--bucket',
      bucket,
    );
    expect(relative.stdout).toContain('marked every host');
    const list = await vigil('feedback', 'list', '--bucket', bucket, '--json');
    const marks = JSON.parse(list.stdout) as FeedbackMark[];
    expect(marks.map((m) => [m.host, m.label, m.note])).toEqual([
      ['web-1', 'incident', undefined],
      ['*', 'maintenance', 'kernel upgrade'],
    ]);
    expect(Date.now() - Date.parse(marks[1]!.to)).toBeLessThan(60_000);
    expect(Date.parse(marks[1]!.to) - Date.parse(marks[1]!.from)).toBe(2 * HOUR);
    const table = await vigil('feedback', 'list', '--bucket', bucket, '--label', 'incident');
    expect(table.stdout).toMatch(new RegExp(`^id .*\\n${id}  web-1  2026-12-01T14:00:00.000Z`, 'm'));
    expect((await vigil('feedback', 'delete', '--id', id!, '--bucket', bucket)).stdout).toBe(`deleted mark ${id}\n`);
    expect(JSON.parse((await vigil('feedback', 'list', '--bucket', bucket, '--json')).stdout)).toHaveLength(1);
  });

  it('says what is missing or wrong', { timeout: 60_000 }, async () => {
    const bucket = await newBucket();
    const missing = await vigil('feedback', '--host', 'web-1', '--bucket', bucket);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('give --from, --to, --label');
    const label = await vigil('feedback', '--host', 'h', '--from', 'now', '--to', 'now', '--label', 'bad', '--bucket', bucket);
    expect(label.stderr).toContain('--label must be one of normal, incident, maintenance; got "bad"');
    const time = await vigil('feedback', '--host', 'h', '--from', 'yesterday', '--to', 'now', '--label', 'normal', '--bucket', bucket);
    expect(time.stderr).toContain('--from must be ISO 8601');
  });
});
