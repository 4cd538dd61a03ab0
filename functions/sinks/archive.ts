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
import { archiveDay, archiveObjectKey, encodeArchiveFeatures } from '../../core/archive.js';
import type { ScoredSample } from '../../core/scored-sample.js';
import { writeNumberText } from './number-text.js';
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
    const byDay = new Map<string, { lines: ArchiveLines; indices: number[] }>();
    let lastTime = Number.NaN;
    let lastDay = '';
    batch.samples.forEach((sample, i) => {
      // Samples of a batch are nearly always of one day: the day's text is made once per change.
      if (sample.time !== lastTime) {
        lastTime = sample.time;
        lastDay = archiveDay(sample.time);
      }
      let group = byDay.get(lastDay);
      if (!group) byDay.set(lastDay, (group = { lines: new ArchiveLines(batch.samples.length), indices: [] }));
      group.lines.add(sample, features, i * featureWidth, featureWidth, featureSetVersion);
      group.indices.push(i);
    });
    const objects: ArchiveObject[] = [...byDay].map(([day, { lines, indices }]) => ({
      key: archiveObjectKey({ prefix: this.options.prefix, day, ...origin }),
      indices,
      body: zstdCompressSync(lines.bytes(), { params: { [constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL } }),
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

/**
 * Archive lines (ArchiveRow as JSON, one a line) written straight into a growing byte buffer:
 * numbers as String() writes them (number-text.ts), features as base64 of their float32 bytes. Host ids and metric names are plain ASCII by the wire contract (core/wire.ts); tags,
 * which may hold any text, go through JSON.stringify once per tag set.
 */
export class ArchiveLines {
  private buffer: Buffer;
  private at = 0;
  private lastTags: object | undefined;
  private lastTagsText = '';
  private readonly scratch = Buffer.allocUnsafe(4096);

  constructor(samples: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(1024, samples * 1024));
  }

  add(sample: ScoredSample, features: Float32Array, offset: number, width: number, featureSet: number): void {
    this.room(512 + width * 24);
    this.text('{"host":"');
    this.text(sample.host);
    this.text('","tags":');
    if (sample.tags !== this.lastTags) {
      this.lastTags = sample.tags;
      this.lastTagsText = JSON.stringify(sample.tags);
    }
    this.text(this.lastTagsText);
    this.text(',"seq":');
    this.number(sample.seq);
    this.text(',"time":');
    this.number(sample.time);
    this.text(',"metrics":{');
    let first = true;
    for (const name in sample.metrics) {
      this.room(name.length + 40);
      this.text(first ? '"' : ',"');
      first = false;
      this.text(name);
      this.text('":');
      this.number(sample.metrics[name]!);
    }
    this.text('},"features":"');
    this.text(encodeArchiveFeatures(features, offset, width, this.scratch));
    this.text('","feature_set":');
    this.number(featureSet);
    this.text(',"score":');
    this.number(sample.score);
    this.text(sample.anomaly ? ',"anomaly":true,"severity":"' : ',"anomaly":false,"severity":"');
    this.text(sample.severity);
    this.text('","confidence":');
    this.number(sample.confidence);
    this.text(',"top_metric":"');
    this.text(sample.topMetric);
    this.text('","model_version":');
    this.room(sample.modelVersion.length * 6 + 8);
    this.text(JSON.stringify(sample.modelVersion));
    this.text('}\n');
  }

  /** The lines so far (a view of the buffer). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.at);
  }

  private text(s: string): void {
    this.room(s.length * 3);
    this.at += this.buffer.write(s, this.at, 'utf8');
  }

  private number(n: number): void {
    const end = writeNumberText(this.buffer, this.at, n);
    if (end >= 0) this.at = end;
    else this.text(Number.isFinite(n) ? String(n) : 'null');
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(bigger, 0, 0, this.at);
    this.buffer = bigger;
  }
}
