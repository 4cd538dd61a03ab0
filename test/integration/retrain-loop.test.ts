/**
 * The loop end to end over the wire against the local S3 endpoint: the scoring handler (real ONNX
 * model loaded from S3 by its model cache) archives three days of a simulated fleet; retraining
 * reads the archive, trains a challenger, compares it with the current model on the held-back day,
 * publishes it and writes its report; the handler's model cache then switches to the new model.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { KinesisStreamRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { archiveDay } from '../../core/archive.js';
import { awsClientSettings } from '../../core/aws.js';
import { FEATURE_SET_VERSION, HOST_FEATURE_SET } from '../../core/features.js';
import { decide } from '../../core/retrain-report.js';
import { toWireSample } from '../../core/wire-sample.js';
import { encodeWireRecord, WIRE_VERSION } from '../../core/wire.js';
import { FeaturePipeline } from '../../features/pipeline.js';
import { ModelCache } from '../../functions/score/model-cache.js';
import { processKinesisBatch } from '../../functions/score/process-batch.js';
import { s3ModelSource } from '../../functions/score/s3-model-source.js';
import { ArchiveSink } from '../../functions/sinks/archive.js';
import { listArchiveDay, readArchiveDay } from '../../model-store/archive-reader.js';
import { putFeedbackMark } from '../../model-store/feedback.js';
import { createOnnxScorer } from '../../model-store/onnx-scorer.js';
import { listRetrainReports } from '../../model-store/retrain-reports.js';
import { publishModel, readPointer } from '../../model-store/s3-store.js';
import { retrain } from '../../models/retrain/retrain.js';
import { trainModel } from '../../models/train.js';
import { backfill } from '../../simulate/backfill.js';
import { SimulatedFleet } from '../../simulate/fleet.js';
import { uniqueName, useLocalAws } from '../aws-env.js';
import { quietTools } from '../functions/fixtures.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 10, 18);
const STEP = 5 * 60_000;
const HOSTS = 8;

let s3: S3Client;
const models = { bucket: '', prefix: 'models' };
const archive = { bucket: '', prefix: 'archive' };
let championVersion = '';
let cache: ModelCache;
let markedHost = '';

/** Kinesis events of the fleet's samples from `from` to `until`: one event an hour, one record per host and sample. */
function events(fleet: SimulatedFleet, pipelines: Map<string, FeaturePipeline>, from: number, until: number): KinesisStreamRecord[][] {
  const out: KinesisStreamRecord[][] = [];
  let batch: KinesisStreamRecord[] = [];
  let sequence = 1000n;
  for (let t = from; t < until; t += STEP) {
    for (const sample of fleet.sampleAt(t)) {
      const features = pipelines.get(sample.host)!.push(sample);
      const data = encodeWireRecord({
        v: WIRE_VERSION,
        host: sample.host,
        tags: { ...sample.tags },
        fs: FEATURE_SET_VERSION,
        samples: [toWireSample((t - START) / STEP, t, sample.values, features)],
      });
      const sequenceNumber = String(49_600_000_000_000_000_000n + sequence++);
      batch.push({
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: sample.host,
          sequenceNumber,
          data: Buffer.from(data).toString('base64'),
          approximateArrivalTimestamp: t / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `shardId-000000000000:${sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::123456789012:role/test',
        awsRegion: 'us-east-1',
        eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/test',
      });
    }
    if ((t - from) % 3_600_000 === 3_600_000 - STEP) {
      out.push(batch);
      batch = [];
    }
  }
  if (batch.length) out.push(batch);
  return out;
}

beforeAll(async () => {
  useLocalAws();
  s3 = new S3Client(awsClientSettings({ maxAttempts: 1 }));
  models.bucket = uniqueName('models');
  archive.bucket = uniqueName('archive');
  await s3.send(new CreateBucketCommand({ Bucket: models.bucket }));
  await s3.send(new CreateBucketCommand({ Bucket: archive.bucket }));

  // The current model: trained on another simulated fleet, with a threshold far too low (it flags a
  // quarter of its training rows): a poor champion a challenger trained on the fleet should beat.
  const other = backfill(new SimulatedFleet({ hosts: 6, seed: 5 }), { until: START, days: 2, intervalSeconds: 300 });
  const champion = trainModel(other.rows, HOST_FEATURE_SET, { seed: 3, contamination: 0.25, createdAt: new Date(START - DAY) });
  championVersion = champion.manifest.version;
  await publishModel(s3, { ...models, onnx: champion.onnx, manifest: champion.manifest });

  // Three days of the fleet through the scoring handler, which archives every sample.
  const fleet = new SimulatedFleet({ hosts: HOSTS, seed: 9 });
  markedHost = fleet.hostIds[1]!;
  const pipelines = new Map(fleet.hostIds.map((h) => [h, new FeaturePipeline(HOST_FEATURE_SET)]));
  cache = new ModelCache({ source: s3ModelSource(s3, models), recheckMs: 0, createScorer: createOnnxScorer, ...quietTools() });
  const sink = new ArchiveSink({ client: s3, bucket: archive.bucket, prefix: archive.prefix });
  for (const records of events(fleet, pipelines, START, START + 3 * DAY)) {
    const answer = await processKinesisBatch(
      { Records: records },
      { models: cache, sinks: [sink], deadLetters: { send: async () => ({ sent: 0, failed: [] }) }, normalResolutionMs: 0, ...quietTools() },
    );
    expect(answer.batchItemFailures).toEqual([]);
  }
}, 600_000);

describe('scheduled retraining over the archive the handler wrote', () => {
  it('archives every sample of every host, by day', async () => {
    const days = await Promise.all([0, 1, 2].map((d) => readArchiveDay(s3, archive, archiveDay(START + d * DAY))));
    expect(days.map((d) => d.rows.length)).toEqual([HOSTS * 288, HOSTS * 288, HOSTS * 288]);
    expect(days[2]!.rows.every((r) => r.model_version === championVersion)).toBe(true);
    expect(await listArchiveDay(s3, archive, archiveDay(START + 3 * DAY))).toEqual([]);
  });

  it('trains a challenger, beats the poor champion on the held-back day, publishes it, reports, and the handler switches', async () => {
    // An incident marked on one host of the training days: its rows are left out of training.
    await putFeedbackMark(s3, models, { host: markedHost, from: START + DAY, to: START + DAY + 6 * 3_600_000, label: 'incident' });
    const report = await retrain(s3, {
      archive,
      models,
      days: 2,
      maxTrainingRows: 100_000,
      evaluationHosts: 100,
      now: new Date(START + 3 * DAY + 3_600_000),
      seed: 1,
    });

    expect(report.trainingDays).toEqual([archiveDay(START), archiveDay(START + DAY)]);
    expect(report.heldBackDay).toBe(archiveDay(START + 2 * DAY));
    expect(report.data).toMatchObject({ heldBackHosts: HOSTS, heldBackRows: HOSTS * 288, excludedMarked: 72 });
    expect(report.data!.excludedFlagged).toBeGreaterThan(0);
    expect(report.data!.trainingRows).toBe(2 * HOSTS * 288 - 72 - report.data!.excludedFlagged);
    expect(report.champion!.version).toBe(championVersion);
    expect(report.champion!.incidentsInjected).toBe(HOSTS);
    expect(report.challenger!.falseAlarmEpisodesPerHostDay).toBeLessThan(report.champion!.falseAlarmEpisodesPerHostDay);
    expect(report.challenger!.incidentsDetected).toBeGreaterThanOrEqual(report.champion!.incidentsDetected);
    expect(report.decision).toBe('published');

    const pointer = await readPointer(s3, models);
    expect(pointer!.version).toBe(report.challenger!.version);
    expect(pointer!.version).not.toBe(championVersion);
    expect((await listRetrainReports(s3, models)).map((r) => [r.decision, r.challenger?.version])).toEqual([['published', pointer!.version]]);
    // The scoring function's cache re-checks the pointer and scores with the new model.
    expect((await cache.current()).manifest.version).toBe(pointer!.version);
  });

  it('runs again with the published model as champion: the pointer follows the decision, which follows the figures', async () => {
    // The champion now is the challenger just published; the same data and seed train the same model again.
    const before = (await readPointer(s3, models))!.version;
    const report = await retrain(s3, {
      archive,
      models,
      days: 2,
      maxTrainingRows: 100_000,
      evaluationHosts: 100,
      now: new Date(START + 3 * DAY + 7_200_000),
      seed: 2,
    });
    expect(report.champion!.version).toBe(before);
    expect(decide(report.champion, report.challenger!)).toEqual({ decision: report.decision, reason: report.reason });
    expect((await readPointer(s3, models))!.version).toBe(report.decision === 'published' ? report.challenger!.version : before);
    expect(await listRetrainReports(s3, models)).toHaveLength(2);
  });

  it('keeps the current model when the held-back day holds nothing to judge a challenger on', async () => {
    const before = (await readPointer(s3, models))!.version;
    // Run two days later: the held-back day (START + 4 days) was never archived; the training days were.
    const report = await retrain(s3, { archive, models, days: 3, maxTrainingRows: 100_000, evaluationHosts: 100, now: new Date(START + 5 * DAY), seed: 1 });
    expect(report).toMatchObject({ decision: 'kept', heldBackDay: archiveDay(START + 4 * DAY), reason: expect.stringMatching(/could not be judged/) });
    expect((await readPointer(s3, models))!.version).toBe(before);
  });

  it('fails with a report and an error that says why when the archive holds too little', async () => {
    const empty = { bucket: archive.bucket, prefix: 'nothing-here' };
    await expect(
      retrain(s3, { archive: empty, models, days: 2, maxTrainingRows: 10_000, evaluationHosts: 10, now: new Date(START + 3 * DAY + 3 * 3_600_000), seed: 1 }),
    ).rejects.toThrow(/only 0 archived rows are left to train on.*let the archive fill/);
    const latest = (await listRetrainReports(s3, models)).find((r) => r.startedAt === new Date(START + 3 * DAY + 3 * 3_600_000).toISOString());
    expect(latest).toMatchObject({ decision: 'failed', reason: expect.stringMatching(/only 0 archived rows/) });
  });
});
