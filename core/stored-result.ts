/**
 * The stored-result contract: one Timestream multi-measure record per sample.
 * Dimensions: host and tags. Measures: raw metrics, score, anomaly flag, severity, confidence,
 * top contributing metric and the metrics ranked (comma-separated), model version, sequence number. Written idempotently: the same sample
 * scored by the same model gives the same dimensions, time, measures and version.
 * toTimestreamRecord is the one definition of a stored record; the scoring function writes it as
 * timestreamCommonAttributes (once per WriteRecords) plus the rest of the record, as JSON bytes
 * (functions/sinks/timestream-body.ts).
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
  anomaly: 'BOOLEAN',
  severity: 'VARCHAR',
  top_metric: 'VARCHAR',
  ranked_metrics: 'VARCHAR',
  model_version: 'VARCHAR',
  score: 'DOUBLE',
  confidence: 'DOUBLE',
  seq: 'BIGINT',
} as const;

/** Raw metric measures are stored under this prefix so they cannot collide with result measures. */
export const METRIC_MEASURE_PREFIX = 'm_';

type TextMeasure = 'anomaly' | 'severity' | 'top_metric' | 'ranked_metrics' | 'model_version';
type NumericMeasure = Exclude<keyof typeof RESULT_MEASURES, TextMeasure>;
const TEXT_VALUES: { readonly [K in TextMeasure]: (s: ScoredSample) => string } = {
  anomaly: (s) => String(s.anomaly),
  severity: (s) => s.severity,
  top_metric: (s) => s.topMetric,
  ranked_metrics: (s) => s.rankedMetrics.join(','),
  model_version: (s) => s.modelVersion,
};
/** Timestream takes a number as its text, String(n). */
const NUMBER_VALUES: { readonly [K in NumericMeasure]: (s: ScoredSample) => number } = {
  score: (s) => s.score,
  confidence: (s) => s.confidence,
  seq: (s) => s.seq,
};
/**
 * A record's measures, in order: the text result measures, the numeric ones, then the raw metrics;
 * so the numbers are one run, which the scoring function writes at once (functions/sinks/timestream-body.ts).
 */
export const TEXT_RESULT_MEASURES = (Object.keys(TEXT_VALUES) as TextMeasure[]).map((name) => ({ name, type: RESULT_MEASURES[name], text: TEXT_VALUES[name] }));
export const NUMERIC_RESULT_MEASURES = (Object.keys(NUMBER_VALUES) as NumericMeasure[]).map((name) => ({
  name,
  type: RESULT_MEASURES[name],
  number: NUMBER_VALUES[name],
}));

/** A record's dimensions: host, then the tags sorted by name. */
export function timestreamDimensions(host: string, tags: Readonly<Record<string, string>>): Dimension[] {
  return [
    { Name: 'host', Value: host },
    ...Object.entries(tags)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([Name, Value]) => ({ Name, Value })),
  ];
}

/** The one definition of a sample's stored record. */
export function toTimestreamRecord(s: ScoredSample): _Record {
  const measures: MeasureValue[] = [
    ...TEXT_RESULT_MEASURES.map(({ name, type, text }) => ({ Name: name, Value: text(s), Type: type })),
    ...NUMERIC_RESULT_MEASURES.map(({ name, type, number }) => ({ Name: name, Value: String(number(s)), Type: type })),
    ...Object.keys(s.metrics)
      .sort()
      .map((name) => ({ Name: `${METRIC_MEASURE_PREFIX}${name}`, Value: String(s.metrics[name]), Type: 'DOUBLE' as const })),
  ];
  return {
    Dimensions: timestreamDimensions(s.host, s.tags),
    MeasureName: TIMESTREAM_MEASURE_NAME,
    MeasureValueType: 'MULTI',
    MeasureValues: measures,
    Time: String(s.time),
    TimeUnit: 'MILLISECONDS',
    Version: s.recordVersion,
  };
}

/**
 * What every record of a batch shares: a WriteRecords call sends it once, as CommonAttributes,
 * and Timestream gives it to each of the call's records. A stored record is these attributes
 * merged with the call's record, which equals toTimestreamRecord.
 */
export function timestreamCommonAttributes(recordVersion: number): _Record {
  return { MeasureName: TIMESTREAM_MEASURE_NAME, MeasureValueType: 'MULTI', TimeUnit: 'MILLISECONDS', Version: recordVersion };
}
