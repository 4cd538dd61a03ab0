/** `vigil models history` over the wire (local AWS endpoint): the reports retraining wrote, newest first. */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { awsClientSettings } from '../../core/aws.js';
import type { RetrainReport } from '../../core/retrain-report.js';
import { putRetrainReport } from '../../model-store/retrain-reports.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { runVigil, type CliRun } from '../vigil-cli.js';

useLocalAws();
let s3: S3Client;
let bucket: string;

const vigil = (...args: string[]): Promise<CliRun> => runVigil(args);

const figures = (version: string, fa: number, detected: number) => ({
  version,
  threshold: 0.5,
  falseAlarmEpisodesPerHostDay: fa,
  falseAlarmEpisodes: 3,
  incidentsInjected: 20,
  incidentsDetected: detected,
});

beforeAll(async () => {
  s3 = new S3Client(awsClientSettings());
  bucket = uniqueName('history');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

describe('vigil models history', () => {
  it('says when retraining has not run yet', async () => {
    const out = await vigil('models', 'history', '--bucket', bucket);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('no retraining has run yet');
  });

  it("lists the decisions newest first with both models' figures and the reason, or as JSON", async () => {
    const base = { schema: 1 as const, trainingDays: ['2026-11-24'], heldBackDay: '2026-11-25', seconds: 12 };
    const first: RetrainReport = {
      ...base,
      startedAt: '2026-11-26T03:00:00.000Z',
      decision: 'published',
      reason: 'the challenger is at least as good',
      champion: figures('v1', 0.5, 17),
      challenger: figures('v2', 0.25, 18),
      data: {
        trainingRows: 180_000,
        trainingHosts: 900,
        excludedFlagged: 40,
        excludedMarked: 0,
        heldBackRows: 1000,
        heldBackHosts: 200,
        heldBackHostDays: 200,
        objectsRead: 50,
      },
    };
    const second: RetrainReport = { ...base, startedAt: '2026-11-27T03:00:00.000Z', decision: 'failed', reason: 'only 12 archived rows are left to train on' };
    await putRetrainReport(s3, { bucket, prefix: 'models' }, first);
    await putRetrainReport(s3, { bucket, prefix: 'models' }, second);

    const table = await vigil('models', 'history', '--bucket', bucket);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^2026-11-27T03:00:00.000Z\s+failed\s+2026-11-25\s+-\s+-\s+-\s+only 12 archived rows/);
    expect(lines[2]).toMatch(/^2026-11-26T03:00:00.000Z\s+published\s+2026-11-25\s+v1 \(0\.500, 17\/20\)\s+v2 \(0\.250, 18\/20\)\s+180000\s+the challenger/);

    const json = await vigil('models', 'history', '--bucket', bucket, '--json', '--limit', '1');
    expect(JSON.parse(json.stdout)).toEqual([second]);
  });

  it('refuses a bad --limit with the value', async () => {
    const out = await vigil('models', 'history', '--bucket', bucket, '--limit', '0');
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('--limit must be a whole number of 1 or more; got "0"');
  });
});
