/**
 * Reading the history archive (core/archive.ts) back from S3, by UTC day: every object of a day, or
 * a random sample of a day's objects up to a row budget (retraining on a fleet of ten thousand
 * hosts cannot hold a week of every sample). Objects are read in parallel, each GetObject with the
 * client's deadline; a sample archived twice (two sequence ranges) is kept once.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { archiveDayPrefix, ARCHIVE_OBJECT_SUFFIX, dedupeArchiveRows, parseArchiveObject, type ArchiveRow } from '../core/archive.js';

export interface ArchiveLocation {
  readonly bucket: string;
  readonly prefix: string;
}

export interface ReadDayOptions {
  /** Stop reading a day's objects (taken in random order) once this many rows are kept. Default: read every object. */
  readonly maxRows?: number;
  /** Keep only the rows of hosts this accepts. Default: every host. */
  readonly host?: (host: string) => boolean;
  /**
   * Keep about this share (0..1) of the fleet's hosts, chosen by a hash of the host id (the same
   * hosts every time); with `shards`, the share is taken of the fleet, from the shards read.
   */
  readonly hostShare?: number;
  /** Random order of the objects when maxRows is set. */
  readonly random?: () => number;
  /**
   * Read the objects of this many shards only (the first ones by id). A host's records all go to one
   * shard (the partition key is the host), so its series stays whole. Default: every shard.
   */
  readonly shards?: number;
  /** GetObject calls in flight at once. Default 16. */
  readonly concurrency?: number;
}

export interface ArchiveDay {
  readonly day: string;
  readonly rows: ArchiveRow[];
  /** Objects the day has, and how many were read. */
  readonly objects: number;
  readonly objectsRead: number;
}

/** The keys of one day's archive objects. */
export async function listArchiveDay(s3: S3Client, location: ArchiveLocation, day: string): Promise<string[]> {
  const prefix = archiveDayPrefix(location.prefix, day);
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: prefix, ContinuationToken: token })).catch((error: unknown) => {
      throw archiveError(error, location.bucket, prefix, 'list');
    });
    for (const object of page.Contents ?? []) if (object.Key!.endsWith(ARCHIVE_OBJECT_SUFFIX)) keys.push(object.Key!);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** One day of the archive (or a sample of it, see ReadDayOptions), deduplicated by (host, seq). */
export async function readArchiveDay(s3: S3Client, location: ArchiveLocation, day: string, options: ReadDayOptions = {}): Promise<ArchiveDay> {
  const listed = await listArchiveDay(s3, location, day);
  const allShards = new Set(listed.map(shardOf)).size;
  const chosen = options.shards === undefined ? undefined : firstShards(listed, options.shards);
  const keys = chosen ? listed.filter((key) => chosen.has(shardOf(key))) : listed;
  // Hosts are spread over the shards: a share of the fleet is that share times the shards per shard read.
  const share = options.hostShare === undefined ? 1 : Math.min(1, (options.hostShare * allShards) / (chosen?.size || allShards || 1));
  const keep = (host: string): boolean => (!options.host || options.host(host)) && (share >= 1 || hostShare(host) < share);
  const order = options.maxRows === undefined ? keys : shuffled(keys, options.random ?? Math.random);
  const rows: ArchiveRow[] = [];
  let next = 0;
  let read = 0;
  const full = (): boolean => options.maxRows !== undefined && rows.length >= options.maxRows;
  const worker = async (): Promise<void> => {
    while (next < order.length && !full()) {
      const key = order[next++]!;
      const got = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: key })).catch((error: unknown) => {
        throw archiveError(error, location.bucket, key, 'read');
      });
      const body = await got.Body!.transformToByteArray();
      read++;
      for (const row of parseArchiveObject(body, `s3://${location.bucket}/${key}`)) if (keep(row.host)) rows.push(row);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 16, order.length)) }, worker));
  const kept = dedupeArchiveRows(rows);
  return { day, rows: options.maxRows === undefined ? kept : kept.slice(0, options.maxRows), objects: keys.length, objectsRead: read };
}

/**
 * Every row of the days given, object after object in key order (within a shard, sequence order: a
 * host's rows in time order), each (host, seq) once; a day's objects are listed before it is read.
 */
export async function* archiveRows(s3: S3Client, location: ArchiveLocation, days: readonly string[]): AsyncGenerator<ArchiveRow[]> {
  const seen = new Map<string, Set<number>>();
  for (const day of days) {
    for (const key of (await listArchiveDay(s3, location, day)).sort()) {
      const got = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: key })).catch((error: unknown) => {
        throw archiveError(error, location.bucket, key, 'read');
      });
      const rows = parseArchiveObject(await got.Body!.transformToByteArray(), `s3://${location.bucket}/${key}`).filter((row) => {
        let seqs = seen.get(row.host);
        if (!seqs) seen.set(row.host, (seqs = new Set()));
        if (seqs.has(row.seq)) return false;
        seqs.add(row.seq);
        return true;
      });
      yield rows;
    }
  }
}

/** A host id's place in [0, 1), from FNV-1a: the same host always falls in the same share. */
export function hostShare(host: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < host.length; i++) {
    h ^= host.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 2 ** 32;
}

/** The shard folder of an archive key (`.../day=D/<shard>/<range>.parquet`). */
function shardOf(key: string): string {
  const parts = key.split('/');
  return parts[parts.length - 2] ?? '';
}

function firstShards(keys: readonly string[], count: number): Set<string> {
  return new Set([...new Set(keys.map(shardOf))].sort().slice(0, count));
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function archiveError(error: unknown, bucket: string, key: string, action: 'list' | 'read'): Error {
  const name = (error as { name?: string }).name;
  if (name === 'NoSuchBucket') return new Error(`archive bucket ${bucket} does not exist: give the ArchiveBucketName output of the stack`, { cause: error });
  return new Error(`cannot ${action} s3://${bucket}/${key}: ${(error as Error).message}; check the credentials may read the archive (ArchiveReaderPolicyArn)`, {
    cause: error,
  });
}
