/**
 * One retraining run: read the archive (a sample of the last `days` days, and the whole held-back
 * day for some hosts), challenge the current model (challenge.ts), publish the challenger when it
 * is at least as good, and write the report. What the scheduled function runs (handler.ts).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { archiveDay } from '../../core/archive.js';
import { HOST_FEATURE_SET } from '../../core/features.js';
import { decide, type RetrainReport } from '../../core/retrain-report.js';
import { readArchiveDay, type ArchiveLocation } from '../../model-store/archive-reader.js';
import { listFeedbackMarks } from '../../model-store/feedback.js';
import { putRetrainReport } from '../../model-store/retrain-reports.js';
import { fetchCurrentModel, publishModel, readPointer, type ModelLocation } from '../../model-store/s3-store.js';
import { seededRandom } from '../forest/random.js';
import { challenge, type ModelArtifacts } from './challenge.js';

const DAY_MS = 86_400_000;

export interface RetrainOptions {
  readonly archive: ArchiveLocation;
  readonly models: ModelLocation;
  /** Days of archive to train on, before the held-back day. */
  readonly days: number;
  /** Training rows read at most (spread over the days): what keeps a big fleet within Lambda's memory. */
  readonly maxTrainingRows: number;
  /** Hosts whose whole held-back day is read and scored. */
  readonly evaluationHosts: number;
  /** The run's time: the held-back day is the UTC day before it. */
  readonly now: Date;
  readonly seed?: number;
  readonly log?: (message: string, details?: Record<string, unknown>) => void;
}

export async function retrain(s3: S3Client, options: RetrainOptions): Promise<RetrainReport> {
  const started = performance.now();
  const startedAt = options.now.toISOString();
  const heldBackDay = archiveDay(options.now.getTime() - DAY_MS);
  const trainingDays = Array.from({ length: options.days }, (_, i) => archiveDay(options.now.getTime() - (options.days + 1 - i) * DAY_MS));
  const base = { schema: 1 as const, startedAt, trainingDays, heldBackDay };
  const log = options.log ?? (() => undefined);
  try {
    const random = seededRandom(options.seed ?? 1);
    const perDay = Math.ceil(options.maxTrainingRows / options.days);
    const training = [];
    let objectsRead = 0;
    for (const day of trainingDays) {
      const read = await readArchiveDay(s3, options.archive, day, { maxRows: perDay, random });
      log('read a training day', { day, rows: read.rows.length, objects: read.objects, objectsRead: read.objectsRead });
      objectsRead += read.objectsRead;
      training.push(...read.rows);
    }
    // Evaluation hosts: a fixed share of the fleet by a hash of the host id (runs compare alike), from
    // one shard's objects: its hosts' series are whole, at a fraction of the day's reads.
    const fleetHosts = new Set(training.map((r) => r.host)).size;
    const share = fleetHosts > 0 ? Math.min(1, options.evaluationHosts / fleetHosts) : 1;
    const heldBack = await readArchiveDay(s3, options.archive, heldBackDay, { hostShare: share, shards: 1 });
    objectsRead += heldBack.objectsRead;
    log('read the held-back day', { day: heldBackDay, rows: heldBack.rows.length, objects: heldBack.objects });

    let champion: ModelArtifacts | undefined;
    if (await readPointer(s3, options.models)) {
      const current = await fetchCurrentModel(s3, options.models);
      champion = { onnx: current.onnx, manifest: current.manifest };
    }
    const marks = await listFeedbackMarks(s3, options.models);
    const result = await challenge({
      // What the agents send (the archive holds their features) and what a challenger is trained on.
      featureSet: HOST_FEATURE_SET,
      training,
      heldBack: heldBack.rows,
      champion,
      marks,
      seed: options.seed ?? 1,
      train: { seed: options.seed ?? 1, createdAt: options.now },
    });
    // Nothing held back to judge on: a current model stays (a challenger would be published unjudged).
    const { decision, reason } =
      result.champion && result.data.heldBackRows === 0
        ? {
            decision: 'kept' as const,
            reason: `the held-back day ${heldBackDay} has no archived samples of the hosts evaluated, so the challenger could not be judged`,
          }
        : decide(result.champion, result.challengerFigures);
    if (decision === 'published') {
      await publishModel(s3, { ...options.models, onnx: result.challenger.onnx, manifest: result.challenger.manifest });
    }
    const report: RetrainReport = {
      ...base,
      decision,
      reason,
      data: { ...result.data, objectsRead },
      ...(result.champion ? { champion: result.champion } : {}),
      challenger: result.challengerFigures,
      seconds: (performance.now() - started) / 1000,
    };
    await putRetrainReport(s3, options.models, report);
    return report;
  } catch (error) {
    const report: RetrainReport = { ...base, decision: 'failed', reason: (error as Error).message, seconds: (performance.now() - started) / 1000 };
    // The error is thrown either way (the function fails: the alarm); a report that could not be written says so in it.
    const unreported = await putRetrainReport(s3, options.models, report).then(
      () => undefined,
      (reportError: unknown) => reportError as Error,
    );
    if (unreported) throw new Error(`${(error as Error).message} (and its report could not be written: ${unreported.message})`, { cause: error });
    throw error;
  }
}
