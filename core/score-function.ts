/**
 * Names the scoring function, the stack that deploys it and the dashboards that watch it must agree
 * on: its service name and metrics namespace, its sinks, its default model prefix, and every
 * CloudWatch metric it emits (Powertools for AWS Lambda, EMF). One definition each, imported by
 * functions/, infra/, grafana/ and the CLI.
 */

/** POWERTOOLS_SERVICE_NAME of the function: also the `service` dimension of its metrics. */
export const SCORE_SERVICE_NAME = 'vigil-score';
/** POWERTOOLS_METRICS_NAMESPACE of the function's metrics. */
export const METRICS_NAMESPACE = 'vigil';

/** Where the function can write results; `log` is for local runs and benchmarks. */
export const SINK_NAMES = ['timestream', 'prometheus', 'log'] as const;
export type SinkName = (typeof SINK_NAMES)[number];
/** The sinks a deployed stack can choose. */
export const DEPLOYED_SINKS = ['prometheus', 'timestream'] as const satisfies readonly SinkName[];
export type DeployedSink = (typeof DEPLOYED_SINKS)[number];

/** Key prefix of published models in the model bucket, unless configured otherwise. */
export const DEFAULT_MODEL_PREFIX = 'models';

/** What a sink's per-batch metrics count. */
export type SinkMeasure = 'SamplesWritten' | 'SamplesFailed' | 'SamplesRejected' | 'Latency';

/** The function's metrics, by what they count. */
export const SCORE_METRICS = {
  batchSize: 'BatchSize',
  recordsIn: 'RecordsIn',
  /** A batch handed back because no model could be loaded (none published, or a broken one). */
  batchesWithoutModel: 'BatchesWithoutModel',
  readTime: 'ReadTime',
  scoreTime: 'ScoreTime',
  buildTime: 'BuildTime',
  writeTime: 'WriteTime',
  samplesScored: 'SamplesScored',
  /** With a `modelVersion` dimension: shows a model switch on a graph. */
  samplesScoredByModel: 'SamplesScoredByModel',
  anomalies: 'Anomalies',
  /**
   * Samples claiming a host and time another sample of the batch (or one already stored) holds
   * with other values: hosts sharing one host id (cloned VMs), or a host id claimed by another.
   */
  conflictingSamples: 'ConflictingSamples',
  recordsDeadLettered: 'RecordsDeadLettered',
  resultsDeadLettered: 'ResultsDeadLettered',
  /** Dead letters the queue did not take (their records are delivered again). */
  deadLetterFailures: 'DeadLetterFailures',
  batchItemFailures: 'BatchItemFailures',
  modelLoaded: 'ModelLoaded',
  modelLoadFailed: 'ModelLoadFailed',
} as const;

/** A sink's metric: its name capitalised, then the measure (`PrometheusSamplesFailed`). */
export function sinkMetric(sink: string, measure: SinkMeasure): string {
  return `${sink.charAt(0).toUpperCase()}${sink.slice(1)}${measure}`;
}
