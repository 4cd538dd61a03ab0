/** Feature vectors of CSV history, one per row, computed causally by the agent's feature pipeline. */
import type { FeaturePipeline } from '../features/pipeline.js';
import type { MetricCsv } from './csv.js';

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
