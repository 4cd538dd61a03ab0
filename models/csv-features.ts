/** Feature vectors of CSV history, one per row, computed causally by the agent's feature pipeline, and the feature set of one host's CSV. */
import { HOST_FEATURE_SET, featureSetFor, type FeatureSet } from '../core/features.js';
import { logViewsOf } from '../features/log-view.js';
import type { FeaturePipeline } from '../features/pipeline.js';
import type { MetricCsv } from './csv.js';

/** The agent's feature set (and order) when the CSV has exactly the host metrics, so its model can be published for the fleet; else one for its columns. */
export function featureSetOfColumns(metrics: readonly string[]): FeatureSet {
  const sameAsHost = metrics.length === HOST_FEATURE_SET.metrics.length && HOST_FEATURE_SET.metrics.every((m) => metrics.includes(m));
  return sameAsHost ? HOST_FEATURE_SET : featureSetFor(metrics);
}

/**
 * The feature set a model of one host's CSV trains on: featureSetOfColumns, with a log view of each
 * right-skewed column (features/log-view.ts) where the columns are not the agent's, chosen from rows
 * `from` to `to` (exclusive): the rows the model trains on.
 */
export function oneHostFeatureSet(csv: MetricCsv, from = 0, to = csv.timestamps.length): FeatureSet {
  const { metrics } = csv;
  const columns = featureSetOfColumns(metrics);
  if (columns === HOST_FEATURE_SET) return columns;
  return featureSetFor(
    metrics,
    logViewsOf(metrics, (metric) => csv.columns[metric]!.subarray(from, to)),
  );
}

/** Pushes every row of `csv` through `pipeline` (its state carries on) and returns the rows' features. */
export function featureRowsOf(csv: MetricCsv, pipeline: FeaturePipeline, onRow?: (done: number) => void): Float64Array[] {
  const metrics = pipeline.featureSet.metrics;
  const columns = metrics.map((m) => csv.columns[m]!);
  const rows: Float64Array[] = [];
  for (let i = 0; i < csv.timestamps.length; i++) {
    const values: Record<string, number> = {};
    metrics.forEach((metric, k) => (values[metric] = columns[k]![i]!));
    rows.push(pipeline.push({ t: csv.timestamps[i]!, values }));
    if (i % 1000 === 999) onRow?.(i + 1);
  }
  return rows;
}
