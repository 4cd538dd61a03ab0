/**
 * Scoring accepted wire records: the batch's feature rows (read straight into one float32 matrix,
 * ReadBatch.features), one model call for the whole batch, then severity, confidence and the top
 * contributing metric per sample. Score and confidence are float32 quantities, carried as their
 * shortest decimals (core/float32-decimal.ts).
 */
import { confidenceOf, metricDirection, rankedMetrics } from '../../model-store/explain.js';
import { bandDirection, bandReach, writeBand, type MetricReach, type SampleBand } from '../../core/band.js';
import { float32Decimal } from '../../core/float32-decimal.js';
import { severityOf } from '../../core/manifest.js';
import type { ScoredSample } from '../../core/scored-sample.js';
import type { LoadedModel } from './model-cache.js';
import type { AcceptedRecord } from './records.js';

/** Per record header's metric names (one array per distinct header, core/wire.ts), their band limits under one model. */
let reachCache = { reach: undefined as unknown, byMetrics: new WeakMap<readonly string[], (MetricReach | undefined)[]>() };

function reachesOf(metrics: readonly string[], reach: ReadonlyMap<string, MetricReach>): (MetricReach | undefined)[] {
  if (reachCache.reach !== reach) reachCache = { reach, byMetrics: new WeakMap() };
  let reaches = reachCache.byMetrics.get(metrics);
  if (!reaches) reachCache.byMetrics.set(metrics, (reaches = metrics.map((name) => reach.get(name))));
  return reaches;
}

export interface ScoredBatch {
  readonly samples: ScoredSample[];
  /** For each sample, the index of its Kinesis record in the event (what a batch item failure names). */
  readonly recordIndex: Int32Array;
}

/** `features`: the samples' feature rows, in order (ReadBatch.features). */
export async function scoreRecords(records: readonly AcceptedRecord[], model: LoadedModel, features: Float32Array): Promise<ScoredBatch> {
  const { manifest, scorer } = model;
  const reach = bandReach(manifest);
  const width = scorer.featureCount;
  let rows = 0;
  let boundValues = 0;
  for (const r of records) {
    rows += r.record.samples.length;
    if (r.record.band) boundValues += 2 * r.record.band.metrics.length * r.record.samples.length;
  }
  // Every sample's band bounds in one array (each sample's band a view of it by offset).
  const bounds = new Float64Array(boundValues);
  let boundsAt = 0;
  const recordIndex = new Int32Array(rows);
  let row = 0;
  for (const r of records) for (let i = 0; i < r.record.samples.length; i++) recordIndex[row++] = r.index;
  if (features.length !== rows * width) throw new Error(`${features.length} feature values for ${rows} samples of ${width} features: the batch was read wrong`);
  const scores = await scorer.score(features, rows, model.habituation?.input(records, features, width));
  const samples: ScoredSample[] = new Array<ScoredSample>(rows);
  row = 0;
  for (const r of records) {
    const { host, tags = {}, band } = r.record;
    const recordBoundsAt = boundsAt;
    if (band) {
      const reaches = reachesOf(band.metrics, reach);
      const M = band.metrics.length;
      const n = 2 * M * r.record.samples.length;
      for (let k = 0; k < n; k += 2) writeBand(band.values[band.at + k]!, band.values[band.at + k + 1]!, reaches[(k >> 1) % M], bounds, boundsAt + k);
      boundsAt += n;
    }
    for (let i = 0; i < r.record.samples.length; i++) {
      const sample = r.record.samples[i]!;
      const score = float32Decimal(scores[row]!);
      if (!Number.isFinite(score)) {
        throw new Error(
          `model ${manifest.name} ${manifest.version} returned the score ${scores[row]} for host ${host} seq ${sample.seq}: the model is broken; roll back with \`vigil models rollback\``,
        );
      }
      const severity = severityOf(score, manifest);
      const ranked = rankedMetrics(features, manifest.featureSet, manifest.baseline, row * width);
      const sampleBand: SampleBand | undefined = band && { metrics: band.metrics, bounds, at: recordBoundsAt + 2 * i * band.metrics.length };
      samples[row] = {
        host,
        tags,
        seq: sample.seq,
        time: sample.t,
        metrics: sample.m,
        score,
        anomaly: severity !== 'normal',
        severity,
        confidence: float32Decimal(confidenceOf(score, manifest)),
        topMetric: ranked[0]!,
        rankedMetrics: ranked,
        // Only what an anomaly's alert says: normal samples pay nothing for it. Outside its band, the side of the band.
        topDirection:
          severity === 'normal'
            ? undefined
            : (bandDirection(sampleBand, ranked[0]!, sample.m[ranked[0]!]) ??
              metricDirection(features, manifest.featureSet, manifest.baseline, row * width, ranked[0]!)),
        band: sampleBand,
        modelVersion: manifest.version,
        recordVersion: model.createdMs,
      };
      row++;
    }
  }
  return { samples, recordIndex };
}
