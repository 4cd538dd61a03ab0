/**
 * Archive sink: every scored sample of a batch (normal ones included, whatever the storage
 * resolution) as one Parquet object per UTC day in S3 (core/archive.ts: the layout, the writer), under
 * a key made of the batch's shard and sequence range (core/archive.ts), so a batch delivered again
 * writes the same objects over. A PutObject that fails after its retries fails every sample of its
 * object: the batch policy (functions/score/batch-policy.ts) then hands the batch back from its
 * first record, and nothing is lost. S3 refuses nothing for good that retrying cannot fix (a
 * missing bucket or permission is fixed by the operator), so the sink never dead-letters.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { archiveDay, archiveObjectKey, ArchiveObjectWriter } from '../../core/archive.js';
import { BufferPool } from '../../core/parquet/write.js';
import { DEFAULT_RETRY_POLICY, inParallel, isTransientAwsError, withRetries, type RetryPolicy } from './retry.js';
import { combineOutcomes, errorText, sendOnce, type PreparedWrite, type RequestOutcome, type ResultSink, type SinkBatch } from './sink.js';

export interface ArchiveSinkOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly retry?: RetryPolicy;
}

const DAY_MS = 86_400_000;

/** The writers' memory, reused batch after batch by this function instance (see BufferPool). */
const pool = new BufferPool();

/** The media type of Parquet files (IANA registration, 2024). */
const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

interface ArchiveObject {
  readonly key: string;
  /** The batch's samples in the object: runs of indices, [start, end) pairs. */
  readonly runs: readonly number[];
  readonly body: Buffer;
}

interface DayGroup {
  readonly writer: ArchiveObjectWriter;
  readonly runs: number[];
}

export class ArchiveSink implements ResultSink {
  readonly name = 'archive';

  constructor(private readonly options: ArchiveSinkOptions) {}

  prepare(batch: SinkBatch): PreparedWrite {
    const { origin, features, featureWidth, featureSetVersion } = batch;
    if (!origin || !features || featureWidth === undefined || featureSetVersion === undefined) {
      throw new Error('the archive sink needs the batch origin and feature rows (prepareBatch gives them); this batch has none');
    }
    const byDay = new Map<number, DayGroup>();
    let lastDay = Number.NaN;
    let group: DayGroup | undefined;
    const samples = batch.samples;
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[i]!;
      // Samples of a batch are nearly always of one UTC day: its group is looked up once per change.
      const day = Math.floor(sample.time / DAY_MS);
      if (day !== lastDay || !group) {
        if (group) group.runs.push(i); // the run of the day before ends here
        lastDay = day;
        group = byDay.get(day);
        if (!group) byDay.set(day, (group = { writer: new ArchiveObjectWriter(samples.length, pool), runs: [] }));
        group.runs.push(i);
      }
      group.writer.add(sample, features, i * featureWidth, featureWidth, featureSetVersion);
    }
    group?.runs.push(samples.length);
    const objects: ArchiveObject[] = [...byDay].map(([day, { writer, runs }]) => ({
      key: archiveObjectKey({ prefix: this.options.prefix, day: archiveDay(day * DAY_MS), ...origin }),
      runs,
      body: writer.bytes(),
    }));
    return sendOnce(
      'archive',
      objects.length,
      async () =>
        combineOutcomes(
          this.name,
          await inParallel(
            objects.map((o) => () => this.put(o)),
            4,
          ),
        ),
      () => {
        for (const { writer } of byDay.values()) writer.release();
      },
    );
  }

  private async put(object: ArchiveObject): Promise<RequestOutcome> {
    const { client, bucket } = this.options;
    try {
      await withRetries(
        () => client.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body, ContentType: PARQUET_CONTENT_TYPE })),
        isTransientAwsError,
        this.options.retry ?? DEFAULT_RETRY_POLICY,
      );
      let written = 0;
      for (let r = 0; r < object.runs.length; r += 2) written += object.runs[r + 1]! - object.runs[r]!;
      return { written, failed: [], rejected: [] };
    } catch (error) {
      return {
        written: 0,
        failed: indicesOf(object.runs),
        rejected: [],
        error: `PutObject s3://${bucket}/${object.key} failed after retries: ${errorText(error)}; the batch is delivered again (check the bucket exists and the function may write to it)`,
      };
    }
  }
}

function indicesOf(runs: readonly number[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < runs.length; r += 2) for (let i = runs[r]!; i < runs[r + 1]!; i++) out.push(i);
  return out;
}
