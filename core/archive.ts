/**
 * The history archive's contract: where the scoring function writes every scored sample in S3, in
 * which format, and the columns of the Athena (Glue) table over it. One definition, imported by the
 * archive sink (functions/sinks/archive.ts), the stack's Glue table (infra/constructs/history-archive.ts)
 * and whoever reads the archive back (model-store/archive-reader.ts).
 *
 * Layout: `<prefix>/day=YYYY-MM-DD/<shardId>/<firstSequence>-<lastSequence>.parquet`, one object
 * per Kinesis batch and UTC day of its samples' times. The key is the batch's place in the stream,
 * so a batch delivered again writes the same objects over (S3 PUT replaces).
 *
 * Format: Apache Parquet (core/parquet/write.ts), one row group, uncompressed, strings
 * dictionary-encoded, the columns of ARCHIVE_COLUMNS. The writer copies the batch's values column
 * by column (features straight from the batch's float32 rows), which costs the function a tenth of
 * what JSON text and Zstandard did, for objects about a third larger; at the default batching
 * window the PUTs, not the bytes, are most of the archive's cost (infra/README.md, docs/performance.md).
 *
 * A batch delivered again from a later record (after another sink failed part-way) covers another
 * sequence range, so its samples can be in two objects: readers take (host, seq) as the identity
 * and keep one row of each (`dedupeArchiveRows`, and the query in infra/README.md).
 */
import { readParquet, valuesByRow, type LeafColumn } from './parquet/read.js';
import {
  Growing,
  packBits,
  NO_POOL,
  IndexRows,
  RepeatedLevels,
  StringDictionary,
  writeParquet,
  type BufferPool,
  type ColumnData,
  type SchemaNode,
} from './parquet/write.js';
import type { ScoredSample } from './scored-sample.js';

/** Key prefix of the archive in its bucket, unless configured otherwise. */
export const DEFAULT_ARCHIVE_PREFIX = 'archive';
/** The file name suffix. */
export const ARCHIVE_OBJECT_SUFFIX = '.parquet';

/** One scored sample as the archive stores it (one row). */
export interface ArchiveRow {
  readonly host: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Per-host sequence number: (host, seq) is the sample's identity. */
  readonly seq: number;
  /** Sample time, epoch milliseconds. */
  readonly time: number;
  /** Raw metric values by name; NaN where the agent measured none (null in the file). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Feature vector, in the order of the model's feature set (`feature_set` its version). */
  readonly features: Float32Array;
  readonly feature_set: number;
  readonly score: number;
  readonly anomaly: boolean;
  readonly severity: string;
  readonly confidence: number;
  readonly top_metric: string;
  readonly model_version: string;
}

/** The Glue table's columns, in order (the partition column `day` is apart). */
export const ARCHIVE_COLUMNS: readonly { readonly name: keyof ArchiveRow; readonly type: string; readonly comment: string }[] = [
  { name: 'host', type: 'string', comment: 'host id' },
  { name: 'tags', type: 'map<string,string>', comment: "the agent's tags" },
  { name: 'seq', type: 'bigint', comment: 'per-host sequence number; (host, seq) identifies a sample' },
  { name: 'time', type: 'bigint', comment: 'sample time, epoch ms (from_unixtime(time / 1000e0))' },
  { name: 'metrics', type: 'map<string,double>', comment: 'raw metric values by name (null: not measured)' },
  { name: 'features', type: 'array<float>', comment: "the feature vector in the feature set's order; feature k is features[k + 1]" },
  { name: 'feature_set', type: 'int', comment: 'feature-set version' },
  { name: 'score', type: 'double', comment: 'model score (higher is more anomalous)' },
  { name: 'anomaly', type: 'boolean', comment: 'flagged: score at or above the threshold' },
  { name: 'severity', type: 'string', comment: 'normal, low, medium, high or critical' },
  { name: 'confidence', type: 'double', comment: '0..1, how far past the threshold' },
  { name: 'top_metric', type: 'string', comment: 'the most anomalous raw metric' },
  { name: 'model_version', type: 'string', comment: 'the model that scored the sample' },
];
/** How Glue and Athena read the objects: Hive's Parquet input format and SerDe. */
export const ARCHIVE_STORAGE_FORMAT = {
  classification: 'parquet',
  inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
} as const;
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

/**
 * The Parquet schema of ARCHIVE_COLUMNS (maps and lists in the standard three-level shape Athena
 * and Spark read). The leaves, in order, are the columns ArchiveObjectWriter builds.
 */
const UTF8 = { type: 'BYTE_ARRAY', converted: 'UTF8' } as const;
export const ARCHIVE_PARQUET_SCHEMA: readonly SchemaNode[] = [
  { name: 'host', repetition: 'required', ...UTF8 },
  mapOf('tags', { name: 'value', repetition: 'required', ...UTF8 }),
  { name: 'seq', repetition: 'required', type: 'INT64' },
  { name: 'time', repetition: 'required', type: 'INT64' },
  mapOf('metrics', { name: 'value', repetition: 'optional', type: 'DOUBLE' }),
  {
    name: 'features',
    repetition: 'required',
    converted: 'LIST',
    children: [{ name: 'list', repetition: 'repeated', children: [{ name: 'element', repetition: 'required', type: 'FLOAT' }] }],
  },
  { name: 'feature_set', repetition: 'required', type: 'INT32' },
  { name: 'score', repetition: 'required', type: 'DOUBLE' },
  { name: 'anomaly', repetition: 'required', type: 'BOOLEAN' },
  { name: 'severity', repetition: 'required', ...UTF8 },
  { name: 'confidence', repetition: 'required', type: 'DOUBLE' },
  { name: 'top_metric', repetition: 'required', ...UTF8 },
  { name: 'model_version', repetition: 'required', ...UTF8 },
];

function mapOf(name: string, value: SchemaNode): SchemaNode {
  return {
    name,
    repetition: 'required',
    converted: 'MAP',
    children: [{ name: 'key_value', repetition: 'repeated', converted: 'MAP_KEY_VALUE', children: [{ name: 'key', repetition: 'required', ...UTF8 }, value] }],
  };
}

const CREATED_BY = 'vigil archive (core/archive.ts)';

/**
 * One archive object being built, a sample at a time, straight into its columns: strings through
 * per-column dictionaries, numbers into typed arrays, map and list levels as entry counts. The
 * feature rows are not copied while the samples' rows follow each other in one array (a batch's
 * rows of one day): the file takes them as they are. `bytes()` gives the file.
 */
export class ArchiveObjectWriter {
  rows = 0;
  private capacity: number;
  // One value a row, written in place: dictionary indices, numbers, flags.
  private hostIndex: Uint32Array;
  private seq: Float64Array;
  private time: Float64Array;
  private featureSet: Int32Array;
  private score: Float64Array;
  private anomaly: Uint8Array;
  private severityIndex: Uint32Array;
  private confidence: Float64Array;
  private topMetricIndex: Uint32Array;
  private modelVersionIndex: Uint32Array;
  private readonly host = new StringDictionary();
  private readonly severity = new StringDictionary();
  private readonly topMetric = new StringDictionary();
  private readonly modelVersion = new StringDictionary();
  private readonly tagKeys = new StringDictionary();
  private readonly tagValues = new StringDictionary();
  private readonly tagLevels = new RepeatedLevels();
  private readonly tagKeyRows = new IndexRows();
  private readonly tagValueRows = new IndexRows();
  private readonly metricKeys = new StringDictionary();
  private readonly metricValues: Growing<Float64Array>;
  private readonly metricLevels = new RepeatedLevels();
  private readonly metricKeyRows = new IndexRows();
  // A batch's samples share a few tag sets (one object per record header) and mostly one list of
  // metric names: their dictionary indices are looked up once per tag set and once per change.
  private readonly tagIndices = new Map<object, { keys: number[]; values: number[] }>();
  private lastTags: object | undefined;
  private readonly metricNames: string[] = [];
  private readonly metricIndices: number[] = [];
  private lastMetricCount = -1;
  private sameTagRows = 0;
  private sameMetricRows = 0;
  // Feature rows: [featureStart, featureEnd) of featureSource while contiguous, else copied.
  private featureWidth = -1;
  private featureSource: Float32Array | undefined;
  private featureStart = 0;
  private featureEnd = 0;
  private featureCopy: Growing<Float32Array> | undefined;
  private readonly taken: ArrayBuffer[] = [];

  /**
   * `rows`: how many samples to make room for (more may be added); `pool`: where the columns' and
   * the file's memory comes from, given back by `release`.
   */
  constructor(
    rows = 256,
    private readonly pool: Pick<BufferPool, 'take' | 'give'> = NO_POOL,
  ) {
    this.capacity = Math.max(16, rows);
    this.hostIndex = this.column(Uint32Array);
    this.seq = this.column(Float64Array);
    this.time = this.column(Float64Array);
    this.featureSet = this.column(Int32Array);
    this.score = this.column(Float64Array);
    this.anomaly = this.column(Uint8Array);
    this.severityIndex = this.column(Uint32Array);
    this.confidence = this.column(Float64Array);
    this.topMetricIndex = this.column(Uint32Array);
    this.modelVersionIndex = this.column(Uint32Array);
    this.metricValues = new Growing(Float64Array, this.capacity * 10, pool);
  }

  private column<T extends Uint8Array | Uint32Array | Int32Array | Float64Array>(
    type: { new (buffer: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number },
    from?: T,
  ): T {
    const buffer = this.pool.take(this.capacity * type.BYTES_PER_ELEMENT);
    this.taken.push(buffer);
    const array = new type(buffer, 0, this.capacity);
    if (from) array.set(from);
    return array;
  }

  /** Twice the room for rows. */
  private grow(): void {
    this.capacity *= 2;
    this.hostIndex = this.column(Uint32Array, this.hostIndex);
    this.seq = this.column(Float64Array, this.seq);
    this.time = this.column(Float64Array, this.time);
    this.featureSet = this.column(Int32Array, this.featureSet);
    this.score = this.column(Float64Array, this.score);
    this.anomaly = this.column(Uint8Array, this.anomaly);
    this.severityIndex = this.column(Uint32Array, this.severityIndex);
    this.confidence = this.column(Float64Array, this.confidence);
    this.topMetricIndex = this.column(Uint32Array, this.topMetricIndex);
    this.modelVersionIndex = this.column(Uint32Array, this.modelVersionIndex);
  }

  /** Gives every buffer back to the pool, the file's too: call it once the file has been sent or dropped. */
  release(): void {
    for (const buffer of this.taken.splice(0)) this.pool.give(buffer);
    this.metricValues.release();
    this.featureCopy?.release();
  }

  /** Adds a sample; its features are `features[offset .. offset + width)`, `width` the same for every sample of an object. */
  add(sample: ScoredSample, features: Float32Array, offset: number, width: number, featureSet: number): void {
    if (width !== this.featureWidth) {
      if (this.featureWidth !== -1) throw new Error(`an archive object holds one feature width: ${this.featureWidth} so far, ${width} now`);
      this.featureWidth = width;
    }
    if (this.rows === this.capacity) this.grow();
    const r = this.rows++;
    this.hostIndex[r] = this.host.indexOf(sample.host);
    this.seq[r] = sample.seq;
    this.time[r] = sample.time;
    this.featureSet[r] = featureSet;
    this.score[r] = sample.score;
    this.anomaly[r] = sample.anomaly ? 1 : 0;
    this.severityIndex[r] = this.severity.indexOf(sample.severity);
    this.confidence[r] = sample.confidence;
    this.topMetricIndex[r] = this.topMetric.indexOf(sample.topMetric);
    this.modelVersionIndex[r] = this.modelVersion.indexOf(sample.modelVersion);
    if (sample.tags === this.lastTags) this.sameTagRows++;
    else {
      this.flushTagRows();
      this.lastTags = sample.tags;
      let indices = this.tagIndices.get(sample.tags);
      if (!indices) {
        indices = { keys: [], values: [] };
        for (const key in sample.tags) {
          indices.keys.push(this.tagKeys.indexOf(key));
          indices.values.push(this.tagValues.indexOf(sample.tags[key]!));
        }
        this.tagIndices.set(sample.tags, indices);
      }
      this.tagKeyRows.row(indices.keys);
      this.tagValueRows.row(indices.values);
      this.tagLevels.row(indices.keys.length);
    }
    let m = 0;
    let changed = false;
    const metrics = sample.metrics;
    const values = this.metricValues;
    for (const name in metrics) {
      if (name !== this.metricNames[m]) {
        this.metricNames[m] = name;
        this.metricIndices[m] = this.metricKeys.indexOf(name);
        changed = true;
      }
      const value = metrics[name]!;
      if (value === value) {
        if (values.length === values.array.length) values.reserve(64);
        values.array[values.length++] = value;
      } else {
        this.flushMetricRows();
        this.metricLevels.nullAt(m);
        changed = true;
      }
      m++;
    }
    if (changed || m !== this.lastMetricCount) {
      this.flushMetricRows();
      this.metricKeyRows.row(this.metricIndices, m);
      this.metricLevels.row(m);
      this.lastMetricCount = m;
    } else this.sameMetricRows++;
    this.addFeatures(features, offset, width);
  }

  /** Rows like the last one in their tags, or in their metric names, are counted, and added here at once. */
  private flushTagRows(): void {
    if (this.sameTagRows === 0) return;
    this.tagKeyRows.repeat(this.sameTagRows);
    this.tagValueRows.repeat(this.sameTagRows);
    this.tagLevels.row(this.tagKeyRows.lastLength, this.sameTagRows);
    this.sameTagRows = 0;
  }

  private flushMetricRows(): void {
    if (this.sameMetricRows === 0) return;
    this.metricKeyRows.repeat(this.sameMetricRows);
    this.metricLevels.row(this.lastMetricCount, this.sameMetricRows);
    this.sameMetricRows = 0;
  }

  private addFeatures(features: Float32Array, offset: number, width: number): void {
    if (!this.featureCopy) {
      if (this.featureSource === undefined) {
        this.featureSource = features;
        this.featureStart = this.featureEnd = offset;
      }
      if (features === this.featureSource && offset === this.featureEnd) {
        this.featureEnd += width;
        return;
      }
      this.featureCopy = new Growing(Float32Array, Math.max(1024, 2 * (this.featureEnd - this.featureStart + width)), this.pool);
      this.featureCopy.array.set(this.featureSource.subarray(this.featureStart, this.featureEnd));
      this.featureCopy.length = this.featureEnd - this.featureStart;
    }
    const copy = this.featureCopy;
    copy.reserve(width);
    for (let k = 0; k < width; k++) copy.array[copy.length + k] = features[offset + k]!;
    copy.length += width;
  }

  /** The Parquet file of the samples added. */
  bytes(): Buffer {
    this.flushTagRows();
    this.flushMetricRows();
    const rows = this.rows;
    const width = Math.max(0, this.featureWidth);
    const features = this.featureCopy
      ? this.featureCopy.bytes()
      : this.featureSource
        ? new Uint8Array(this.featureSource.buffer, this.featureSource.byteOffset + this.featureStart * 4, (this.featureEnd - this.featureStart) * 4)
        : new Uint8Array(0);
    const flat = (name: string, type: ColumnData['type'], values: ColumnData['values']): ColumnData => ({
      path: [name],
      type,
      maxRepetition: 0,
      maxDefinition: 0,
      count: rows,
      values,
    });
    const mapColumns = (
      name: string,
      levels: RepeatedLevels,
      valueType: ColumnData['type'],
      valueMaxDefinition: number,
      keys: ColumnData['values'],
      values: ColumnData['values'],
    ): ColumnData[] => {
      const repetition = levels.repetition();
      const count = levels.count;
      return [
        {
          path: [name, 'key_value', 'key'],
          type: 'BYTE_ARRAY',
          maxRepetition: 1,
          maxDefinition: 1,
          count,
          repetition,
          definition: levels.definition(1, false),
          values: keys,
        },
        {
          path: [name, 'key_value', 'value'],
          type: valueType,
          maxRepetition: 1,
          maxDefinition: valueMaxDefinition,
          count,
          repetition,
          definition: levels.definition(valueMaxDefinition, true),
          values,
        },
      ];
    };
    const featureLevels = new RepeatedLevels();
    featureLevels.row(width, rows);
    const int64 = (values: Float64Array): Uint8Array => {
      const words = new Uint32Array(this.pool.take(rows * 8), 0, rows * 2);
      this.taken.push(words.buffer as ArrayBuffer);
      for (let r = 0; r < rows; r++) {
        const value = values[r]!;
        const high = Math.floor(value / 4294967296);
        words[2 * r] = value - high * 4294967296;
        words[2 * r + 1] = high >>> 0;
      }
      return new Uint8Array(words.buffer, 0, rows * 8);
    };
    const bytesOf = (a: Float64Array | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, rows * a.BYTES_PER_ELEMENT);
    const dictionary = (d: StringDictionary, indices: Uint32Array): ColumnData['values'] => ({ dictionary: d, indices: indices.subarray(0, rows) });
    const columns: ColumnData[] = [
      flat('host', 'BYTE_ARRAY', dictionary(this.host, this.hostIndex)),
      ...mapColumns(
        'tags',
        this.tagLevels,
        'BYTE_ARRAY',
        1,
        { dictionary: this.tagKeys, indices: this.tagKeyRows },
        { dictionary: this.tagValues, indices: this.tagValueRows },
      ),
      flat('seq', 'INT64', { plain: int64(this.seq) }),
      flat('time', 'INT64', { plain: int64(this.time) }),
      ...mapColumns(
        'metrics',
        this.metricLevels,
        'DOUBLE',
        2,
        { dictionary: this.metricKeys, indices: this.metricKeyRows },
        { plain: this.metricValues.bytes() },
      ),
      {
        path: ['features', 'list', 'element'],
        type: 'FLOAT',
        maxRepetition: 1,
        maxDefinition: 1,
        count: featureLevels.count,
        repetition: featureLevels.repetition(),
        definition: featureLevels.definition(1, false),
        values: { plain: features },
      },
      flat('feature_set', 'INT32', { plain: bytesOf(this.featureSet) }),
      flat('score', 'DOUBLE', { plain: bytesOf(this.score) }),
      flat('anomaly', 'BOOLEAN', { plain: packBits(this.anomaly, rows) }),
      flat('severity', 'BYTE_ARRAY', dictionary(this.severity, this.severityIndex)),
      flat('confidence', 'DOUBLE', { plain: bytesOf(this.confidence) }),
      flat('top_metric', 'BYTE_ARRAY', dictionary(this.topMetric, this.topMetricIndex)),
      flat('model_version', 'BYTE_ARRAY', dictionary(this.modelVersion, this.modelVersionIndex)),
    ];
    const file = writeParquet(ARCHIVE_PARQUET_SCHEMA, columns, rows, CREATED_BY, this.pool);
    this.taken.push(file.buffer as ArrayBuffer);
    return file;
  }
}

/** An archive object of these samples, `features` their rows of `width` values one after another (tests, measurements). */
export function encodeArchiveObject(samples: readonly ScoredSample[], features: Float32Array, width: number, featureSet: number): Buffer {
  const writer = new ArchiveObjectWriter(samples.length);
  samples.forEach((sample, i) => writer.add(sample, features, i * width, width, featureSet));
  return writer.bytes();
}

/** An archive object's body as its rows; a body that is not an archive object is an error naming it. */
export function parseArchiveObject(body: Uint8Array, source = 'archive object'): ArchiveRow[] {
  const { rows, columns } = readParquet(body, source);
  const column = (path: string): LeafColumn => {
    const found = columns.get(path);
    if (!found) throw new Error(`${source}: no column ${path}; it is not a vigil archive object (core/archive.ts)`);
    return found;
  };
  const flat = <T>(path: string): T[] => column(path).values as T[];
  const host = flat<string>('host');
  const tagKeys = valuesByRow(column('tags.key_value.key'), rows);
  const tagValues = valuesByRow(column('tags.key_value.value'), rows);
  const seq = flat<number>('seq');
  const time = flat<number>('time');
  const metricKeys = valuesByRow(column('metrics.key_value.key'), rows);
  const metricValues = valuesByRow(column('metrics.key_value.value'), rows);
  const features = valuesByRow(column('features.list.element'), rows);
  const featureSet = flat<number>('feature_set');
  const score = flat<number>('score');
  const anomaly = flat<boolean>('anomaly');
  const severity = flat<string>('severity');
  const confidence = flat<number>('confidence');
  const topMetric = flat<string>('top_metric');
  const modelVersion = flat<string>('model_version');
  const out: ArchiveRow[] = [];
  for (let i = 0; i < rows; i++) {
    const tags: Record<string, string> = {};
    tagKeys[i]!.forEach((k, j) => (tags[k as string] = tagValues[i]![j] as string));
    const metrics: Record<string, number> = {};
    metricKeys[i]!.forEach((k, j) => (metrics[k as string] = (metricValues[i]![j] as number | null) ?? Number.NaN));
    out.push({
      host: host[i]!,
      tags,
      seq: seq[i]!,
      time: time[i]!,
      metrics,
      features: Float32Array.from(features[i]! as number[]),
      feature_set: featureSet[i]!,
      score: score[i]!,
      anomaly: anomaly[i]!,
      severity: severity[i]!,
      confidence: confidence[i]!,
      top_metric: topMetric[i]!,
      model_version: modelVersion[i]!,
    });
  }
  return out;
}
