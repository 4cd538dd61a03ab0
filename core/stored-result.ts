/**
 * The stored-result contract: one Timestream multi-measure record per sample.
 * Dimensions: host and tags. Measures: raw metrics, score, anomaly flag, severity, confidence,
 * top contributing metric, model version, sequence number. Written idempotently: the same sample
 * scored by the same model gives the same dimensions, time, measures and version.
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

export function toTimestreamRecord(s: ScoredSample): _Record {
  const dimensions: Dimension[] = [
    { Name: 'host', Value: s.host },
    ...Object.entries(s.tags)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([Name, Value]) => ({ Name, Value })),
  ];
  const measures: MeasureValue[] = [
    { Name: 'score', Value: String(s.score), Type: RESULT_MEASURES.score },
    { Name: 'anomaly', Value: String(s.anomaly), Type: RESULT_MEASURES.anomaly },
    { Name: 'severity', Value: s.severity, Type: RESULT_MEASURES.severity },
    { Name: 'confidence', Value: String(s.confidence), Type: RESULT_MEASURES.confidence },
    { Name: 'top_metric', Value: s.topMetric, Type: RESULT_MEASURES.top_metric },
    { Name: 'model_version', Value: s.modelVersion, Type: RESULT_MEASURES.model_version },
    { Name: 'seq', Value: String(s.seq), Type: RESULT_MEASURES.seq },
    ...Object.keys(s.metrics)
      .sort()
      .map((name) => ({ Name: `${METRIC_MEASURE_PREFIX}${name}`, Value: String(s.metrics[name]), Type: 'DOUBLE' as const })),
  ];
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
