/**
 * The history archive's contract: where the scoring function writes every scored sample in S3, in
 * which format, and the columns of the Athena (Glue) table over it. One definition, imported by the
 * archive sink (functions/sinks/archive.ts), the stack's Glue table (infra/constructs/archive.ts)
 * and whoever reads the archive back.
 *
 * Layout: `<prefix>/day=YYYY-MM-DD/<shardId>/<firstSequence>-<lastSequence>.json.zst`, one object
 * per Kinesis batch and UTC day of its samples' times. The key is the batch's place in the stream,
 * so a batch delivered again writes the same objects over (S3 PUT replaces). Each object is
 * newline-delimited JSON (one ArchiveRow per line), Zstandard-compressed (Athena reads `.zst`).
 *
 * A batch delivered again from a later record (after another sink failed part-way) covers another
 * sequence range, so its samples can be in two objects: readers take (host, seq) as the identity
 * and keep one row of each (`dedupeArchiveRows`, and the query in infra/README.md).
 */
import { zstdDecompressSync } from 'node:zlib';
import type { ScoredSample } from './scored-sample.js';

/** Key prefix of the archive in its bucket, unless configured otherwise. */
export const DEFAULT_ARCHIVE_PREFIX = 'archive';
/** The file name suffix: newline-delimited JSON compressed with Zstandard. */
export const ARCHIVE_OBJECT_SUFFIX = '.json.zst';

/** One scored sample as the archive stores it (one JSON line). */
export interface ArchiveRow {
  readonly host: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Per-host sequence number: (host, seq) is the sample's identity. */
  readonly seq: number;
  /** Sample time, epoch milliseconds. */
  readonly time: number;
  /** Raw metric values by name. */
  readonly metrics: Readonly<Record<string, number>>;
  /**
   * Feature vector, in the order of the model's feature set (`feature_set` its version): the float32
   * values big-endian, base64 (encodeArchiveFeatures). Exact, and about a twentieth of the CPU of
   * writing 60 decimals; Athena reads feature k as from_ieee754_32(substr(from_base64(features), 4 * k + 1, 4)).
   */
  readonly features: string;
  readonly feature_set: number;
  readonly score: number;
  readonly anomaly: boolean;
  readonly severity: string;
  readonly confidence: number;
  readonly top_metric: string;
  readonly model_version: string;
}

/** `width` features from `offset` as the archive stores them: float32 big-endian, base64. */
export function encodeArchiveFeatures(features: ArrayLike<number>, offset: number, width: number, scratch?: Buffer): string {
  const bytes = scratch && scratch.length >= width * 4 ? scratch : Buffer.allocUnsafe(width * 4);
  for (let k = 0; k < width; k++) bytes.writeFloatBE(features[offset + k]!, k * 4);
  return bytes.toString('base64', 0, width * 4);
}

/** The feature vector of an archive row. */
export function decodeArchiveFeatures(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length % 4 !== 0) throw new Error(`archived features are ${bytes.length} bytes, not a whole number of float32 values: the row is damaged`);
  const out = new Float32Array(bytes.length / 4);
  for (let k = 0; k < out.length; k++) out[k] = bytes.readFloatBE(k * 4);
  return out;
}

/**
 * A scored sample as its archive row; `features` its float32 feature vector. JSON.stringify of this is the line the archive sink writes (the sink writes
 * the same text faster, straight into bytes; a test holds the two equal).
 */
export function toArchiveRow(sample: ScoredSample, features: ArrayLike<number>, featureSet: number): ArchiveRow {
  return {
    host: sample.host,
    tags: sample.tags,
    seq: sample.seq,
    time: sample.time,
    metrics: sample.metrics,
    features: encodeArchiveFeatures(features, 0, features.length),
    feature_set: featureSet,
    score: sample.score,
    anomaly: sample.anomaly,
    severity: sample.severity,
    confidence: sample.confidence,
    top_metric: sample.topMetric,
    model_version: sample.modelVersion,
  };
}

/** The Glue table's columns, in order (the partition column `day` is apart). */
export const ARCHIVE_COLUMNS: readonly { readonly name: keyof ArchiveRow; readonly type: string; readonly comment: string }[] = [
  { name: 'host', type: 'string', comment: 'host id' },
  { name: 'tags', type: 'map<string,string>', comment: "the agent's tags" },
  { name: 'seq', type: 'bigint', comment: 'per-host sequence number; (host, seq) identifies a sample' },
  { name: 'time', type: 'bigint', comment: 'sample time, epoch ms (from_unixtime(time / 1000e0))' },
  { name: 'metrics', type: 'map<string,double>', comment: 'raw metric values by name' },
  {
    name: 'features',
    type: 'string',
    comment: 'base64 of the float32 features, big-endian; feature k: from_ieee754_32(substr(from_base64(features), 4 * k + 1, 4))',
  },
  { name: 'feature_set', type: 'int', comment: 'feature-set version' },
  { name: 'score', type: 'double', comment: 'model score (higher is more anomalous)' },
  { name: 'anomaly', type: 'boolean', comment: 'flagged: score at or above the threshold' },
  { name: 'severity', type: 'string', comment: 'normal, low, medium, high or critical' },
  { name: 'confidence', type: 'double', comment: '0..1, how far past the threshold' },
  { name: 'top_metric', type: 'string', comment: 'the most anomalous raw metric' },
  { name: 'model_version', type: 'string', comment: 'the model that scored the sample' },
];
/** The partition column: the samples' UTC day, `YYYY-MM-DD`. */
export const ARCHIVE_PARTITION_COLUMN = 'day';

/** The UTC day of an epoch-ms time, as the partition names it (`2026-12-01`). */
export function archiveDay(timeMs: number): string {
  return new Date(timeMs).toISOString().slice(0, 10);
}

/** Where one Kinesis batch's samples of one day are archived. */
export interface ArchiveObjectPlace {
  readonly prefix: string;
  readonly day: string;
  readonly shardId: string;
  readonly firstSequence: string;
  readonly lastSequence: string;
}

export function archiveObjectKey(place: ArchiveObjectPlace): string {
  const prefix = place.prefix.replace(/\/+$/, '');
  return `${prefix ? `${prefix}/` : ''}${ARCHIVE_PARTITION_COLUMN}=${place.day}/${place.shardId}/${place.firstSequence}-${place.lastSequence}${ARCHIVE_OBJECT_SUFFIX}`;
}

/** The key prefix of one day's objects. */
export function archiveDayPrefix(prefix: string, day: string): string {
  const p = prefix.replace(/\/+$/, '');
  return `${p ? `${p}/` : ''}${ARCHIVE_PARTITION_COLUMN}=${day}/`;
}

/** One row per (host, seq), the first met kept: a batch archived twice under two ranges counts once. */
export function dedupeArchiveRows<T extends Pick<ArchiveRow, 'host' | 'seq'>>(rows: Iterable<T>): T[] {
  const seen = new Map<string, Set<number>>();
  const out: T[] = [];
  for (const row of rows) {
    let seqs = seen.get(row.host);
    if (!seqs) seen.set(row.host, (seqs = new Set()));
    if (seqs.has(row.seq)) continue;
    seqs.add(row.seq);
    out.push(row);
  }
  return out;
}

/** An archive object's body (Zstandard, or already decompressed) as its rows; a line that is not JSON is an error naming it. */
export function parseArchiveObject(body: Uint8Array, source = 'archive object'): ArchiveRow[] {
  const zstd = body[0] === 0x28 && body[1] === 0xb5 && body[2] === 0x2f && body[3] === 0xfd;
  const text = (zstd ? zstdDecompressSync(body) : Buffer.from(body)).toString('utf8');
  const rows: ArchiveRow[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.length === 0) return;
    try {
      rows.push(JSON.parse(line) as ArchiveRow);
    } catch (error) {
      throw new Error(`${source}: line ${i + 1} is not JSON (${(error as Error).message}): ${line.slice(0, 80)}`, { cause: error });
    }
  });
  return rows;
}
