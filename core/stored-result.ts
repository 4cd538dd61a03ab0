/**
 * The stored-result contract: one Timestream multi-measure record per sample.
 * Dimensions: host and tags. Measures: raw metrics, score, anomaly flag, severity, confidence,
 * top contributing metric, model version, sequence number. Written idempotently: the same sample
 * scored by the same model gives the same dimensions, time, measures and version.
 * toTimestreamRecord is the one definition of a stored record; the scoring function writes it as
 * timestreamCommonAttributes (once per WriteRecords) plus TimestreamRecordBuilder's record.
 */
import type { _Record, Dimension, MeasureValue } from '@aws-sdk/client-timestream-write';
import type { ScoredSample } from './scored-sample.js';

export const TIMESTREAM_MEASURE_NAME = 'vigil_sample';
/** Default names; the CDK stack and local setup create these unless configured otherwise. */
export const DEFAULT_TIMESTREAM_DATABASE = 'vigil';
export const DEFAULT_TIMESTREAM_TABLE = 'host_scores';
/** Timestream accepts at most 100 records per WriteRecords call. */
export const TIMESTREAM_MAX_RECORDS_PER_WRITE = 100;

/** The measures every stored record carries besides the raw metrics, by name and Timestream type. */
export const RESULT_MEASURES = {
  score: 'DOUBLE',
  anomaly: 'BOOLEAN',
  severity: 'VARCHAR',
  confidence: 'DOUBLE',
  top_metric: 'VARCHAR',
  model_version: 'VARCHAR',
  seq: 'BIGINT',
} as const;

/** Raw metric measures are stored under this prefix so they cannot collide with result measures. */
export const METRIC_MEASURE_PREFIX = 'm_';

/** Each result measure's value as Timestream takes it, in the order records carry them. */
const RESULT_MEASURE_VALUES: { readonly [K in keyof typeof RESULT_MEASURES]: (s: ScoredSample) => string } = {
  score: (s) => String(s.score),
  anomaly: (s) => String(s.anomaly),
  severity: (s) => s.severity,
  confidence: (s) => String(s.confidence),
  top_metric: (s) => s.topMetric,
  model_version: (s) => s.modelVersion,
  seq: (s) => String(s.seq),
};
const RESULT_MEASURE_NAMES = Object.keys(RESULT_MEASURE_VALUES) as (keyof typeof RESULT_MEASURES)[];
/** Result measures that take few distinct values in a batch, so a builder shares their objects. */
const FEW_VALUED_MEASURES: ReadonlySet<string> = new Set(['anomaly', 'severity', 'top_metric', 'model_version']);
const RESULT_MEASURE_LIST = RESULT_MEASURE_NAMES.map((name) => ({ name, type: RESULT_MEASURES[name], value: RESULT_MEASURE_VALUES[name], fewValued: FEW_VALUED_MEASURES.has(name) }));

/** A record's dimensions: host, then the tags sorted by name. */
export function timestreamDimensions(host: string, tags: Readonly<Record<string, string>>): Dimension[] {
  return [
    { Name: 'host', Value: host },
    ...Object.entries(tags)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([Name, Value]) => ({ Name, Value })),
  ];
}

function record(s: ScoredSample, dimensions: Dimension[], measures: MeasureValue[]): _Record {
  return {
    Dimensions: dimensions,
    MeasureName: TIMESTREAM_MEASURE_NAME,
    MeasureValueType: 'MULTI',
    MeasureValues: measures,
    Time: String(s.time),
    TimeUnit: 'MILLISECONDS',
    Version: s.recordVersion,
  };
}

/** The one definition of a sample's stored record. */
export function toTimestreamRecord(s: ScoredSample): _Record {
  const measures: MeasureValue[] = [
    ...RESULT_MEASURE_NAMES.map((name) => ({ Name: name, Value: RESULT_MEASURE_VALUES[name](s), Type: RESULT_MEASURES[name] })),
    ...Object.keys(s.metrics)
      .sort()
      .map((name) => ({ Name: `${METRIC_MEASURE_PREFIX}${name}`, Value: String(s.metrics[name]), Type: 'DOUBLE' as const })),
  ];
  return record(s, timestreamDimensions(s.host, s.tags), measures);
}

/**
 * What every record of a batch shares: a WriteRecords call sends it once, as CommonAttributes,
 * and Timestream gives it to each of the call's records. A stored record is these attributes
 * merged with TimestreamRecordBuilder's record, which equals toTimestreamRecord.
 */
export function timestreamCommonAttributes(recordVersion: number): _Record {
  return { MeasureName: TIMESTREAM_MEASURE_NAME, MeasureValueType: 'MULTI', TimeUnit: 'MILLISECONDS', Version: recordVersion };
}

/**
 * toTimestreamRecord for the many samples of one batch, faster, without the attributes every
 * record shares (timestreamCommonAttributes of the sample's recordVersion): records of a host
 * share one Dimensions array, few-valued measures share their objects, and metric measure names
 * are sorted once per set of metric names. Merged with the common attributes, a record equals
 * toTimestreamRecord's (the score tests hold it to that); treat records as read-only, as the
 * shared parts are.
 */
export class TimestreamRecordBuilder {
  private readonly dimensions = new Map<string, { tags: Readonly<Record<string, string>>; dimensions: Dimension[] }[]>();
  private lastHost: string | undefined;
  private lastTags: Readonly<Record<string, string>> | undefined;
  private lastDimensions: Dimension[] = [];
  /** Per result measure (RESULT_MEASURE_LIST order), its shared objects by value. */
  private readonly shared = RESULT_MEASURE_LIST.map(() => new Map<string, MeasureValue>());
  /** The metric names of the last sample, in its key order; then sorted, and as measure names. */
  private metricKeys: readonly string[] = [];
  private sortedMetrics: readonly string[] = [];
  private metricMeasures: readonly string[] = [];

  build(s: ScoredSample): _Record {
    const metrics = s.metrics;
    const sorted = this.sortedMetricNames(metrics);
    const names = this.metricMeasures;
    const base = RESULT_MEASURE_LIST.length;
    const measures = new Array<MeasureValue>(base + sorted.length);
    for (let i = 0; i < base; i++) {
      const { name, type, value, fewValued } = RESULT_MEASURE_LIST[i]!;
      const text = value(s);
      if (!fewValued) {
        measures[i] = { Name: name, Value: text, Type: type };
        continue;
      }
      const shared = this.shared[i]!;
      let measure = shared.get(text);
      if (!measure) shared.set(text, (measure = { Name: name, Value: text, Type: type }));
      measures[i] = measure;
    }
    for (let k = 0; k < sorted.length; k++) measures[base + k] = { Name: names[k]!, Value: String(metrics[sorted[k]!]), Type: 'DOUBLE' };
    return { Dimensions: this.dimensionsOf(s.host, s.tags), MeasureValues: measures, Time: String(s.time) };
  }

  /** The sample's metric names sorted (measure names in metricMeasures); recomputed only when the names change. */
  private sortedMetricNames(metrics: Readonly<Record<string, number>>): readonly string[] {
    const keys = this.metricKeys;
    let i = 0;
    for (const name in metrics) {
      if (keys[i] !== name) return this.sortMetricNames(metrics);
      i++;
    }
    return i === keys.length ? this.sortedMetrics : this.sortMetricNames(metrics);
  }

  private sortMetricNames(metrics: Readonly<Record<string, number>>): readonly string[] {
    this.metricKeys = Object.keys(metrics);
    this.sortedMetrics = [...this.metricKeys].sort();
    this.metricMeasures = this.sortedMetrics.map((name) => `${METRIC_MEASURE_PREFIX}${name}`);
    return this.sortedMetrics;
  }

  private dimensionsOf(host: string, tags: Readonly<Record<string, string>>): Dimension[] {
    if (host === this.lastHost && tags === this.lastTags) return this.lastDimensions;
    let variants = this.dimensions.get(host);
    if (!variants) this.dimensions.set(host, (variants = []));
    let found = variants.find((v) => v.tags === tags || sameTags(v.tags, tags));
    if (!found) variants.push((found = { tags, dimensions: timestreamDimensions(host, tags) }));
    this.lastHost = host;
    this.lastTags = tags;
    return (this.lastDimensions = found.dimensions);
  }
}

function sameTags(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}
