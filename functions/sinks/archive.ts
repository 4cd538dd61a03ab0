/**
 * Archive sink: every scored sample of a batch (normal ones included, whatever the storage
 * resolution) as one newline-delimited JSON object per UTC day in S3, Zstandard-compressed, under
 * a key made of the batch's shard and sequence range (core/archive.ts), so a batch delivered again
 * writes the same objects over. A PutObject that fails after its retries fails every sample of its
 * object: the batch policy (functions/score/batch-policy.ts) then hands the batch back from its
 * first record, and nothing is lost. S3 refuses nothing for good that retrying cannot fix (a
 * missing bucket or permission is fixed by the operator), so the sink never dead-letters.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { constants, zstdCompressSync } from 'node:zlib';
import { archiveDay, archiveObjectKey } from '../../core/archive.js';
import { float32Decimal } from '../../core/float32-decimal.js';
import type { ScoredSample } from '../../core/scored-sample.js';
import { DEFAULT_RETRY_POLICY, inParallel, isTransientAwsError, withRetries, type RetryPolicy } from './retry.js';
import { combineOutcomes, errorText, sendOnce, type PreparedWrite, type RequestOutcome, type ResultSink, type SinkBatch } from './sink.js';

export interface ArchiveSinkOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly retry?: RetryPolicy;
}

/** Zstandard level 1: about 4 µs a sample here against 34 µs for gzip level 1, at a like ratio. */
const ZSTD_LEVEL = 1;

interface ArchiveObject {
  readonly key: string;
  readonly indices: number[];
  readonly body: Buffer;
}

export class ArchiveSink implements ResultSink {
  readonly name = 'archive';

  constructor(private readonly options: ArchiveSinkOptions) {}

  prepare(batch: SinkBatch): PreparedWrite {
    const { origin, features, featureWidth, featureSetVersion } = batch;
    if (!origin || !features || featureWidth === undefined || featureSetVersion === undefined) {
      throw new Error('the archive sink needs the batch origin and feature rows (prepareBatch gives them); this batch has none');
    }
    const byDay = new Map<string, { lines: string[]; indices: number[] }>();
    batch.samples.forEach((sample, i) => {
      const day = archiveDay(sample.time);
      let group = byDay.get(day);
      if (!group) byDay.set(day, (group = { lines: [], indices: [] }));
      group.lines.push(archiveLine(sample, features, i * featureWidth, featureWidth, featureSetVersion));
      group.indices.push(i);
    });
    const objects: ArchiveObject[] = [...byDay].map(([day, { lines, indices }]) => ({
      key: archiveObjectKey({ prefix: this.options.prefix, day, ...origin }),
      indices,
      body: zstdCompressSync(Buffer.from(lines.join('\n') + '\n'), { params: { [constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL } }),
    }));
    return sendOnce('archive', objects.length, async () =>
      combineOutcomes(
        this.name,
        await inParallel(
          objects.map((o) => () => this.put(o)),
          4,
        ),
      ),
    );
  }

  private async put(object: ArchiveObject): Promise<RequestOutcome> {
    const { client, bucket } = this.options;
    try {
      await withRetries(
        () => client.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body, ContentType: 'application/x-ndjson' })),
        isTransientAwsError,
        this.options.retry ?? DEFAULT_RETRY_POLICY,
      );
      return { written: object.indices.length, failed: [], rejected: [] };
    } catch (error) {
      return {
        written: 0,
        failed: object.indices,
        rejected: [],
        error: `PutObject s3://${bucket}/${object.key} failed after retries: ${errorText(error)}; the batch is delivered again (check the bucket exists and the function may write to it)`,
      };
    }
  }
}

/** One sample as its archive line (ArchiveRow as JSON); features from row `offset` of the batch's matrix. */
export function archiveLine(sample: ScoredSample, features: Float32Array, offset: number, width: number, featureSet: number): string {
  let vector = '';
  for (let k = 0; k < width; k++) vector += (k ? ',' : '') + String(float32Decimal(features[offset + k]!));
  return (
    `{"host":${JSON.stringify(sample.host)},"tags":${JSON.stringify(sample.tags)},"seq":${sample.seq},"time":${sample.time},` +
    `"metrics":${JSON.stringify(sample.metrics)},"features":[${vector}],"feature_set":${featureSet},"score":${sample.score},` +
    `"anomaly":${sample.anomaly},"severity":"${sample.severity}","confidence":${sample.confidence},` +
    `"top_metric":${JSON.stringify(sample.topMetric)},"model_version":${JSON.stringify(sample.modelVersion)}}`
  );
}
