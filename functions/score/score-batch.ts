/**
 * Scoring accepted wire records: the batch's feature rows (read straight into one float32 matrix,
 * ReadBatch.features), one model call for the whole batch, then severity, confidence and the top
 * contributing metric per sample. Score and confidence are float32 quantities, carried as their
 * shortest decimals (core/float32-decimal.ts).
 */
import { confidenceOf, metricDirection, rankedMetrics } from '../../model-store/explain.js';
import { bandDirection, bandReach, writeBand, type SampleBand } from '../../core/band.js';
import { float32Decimal } from '../../core/float32-decimal.js';
import { severityOf } from '../../core/manifest.js';
import type { ScoredSample } from '../../core/scored-sample.js';
import type { LoadedModel } from './model-cache.js';
import type { AcceptedRecord } from './records.js';

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
  for (const r of records) rows += r.record.samples.length;
  const recordIndex = new Int32Array(rows);
  let row = 0;
  for (const r of records) for (let i = 0; i < r.record.samples.length; i++) recordIndex[row++] = r.index;
  if (features.length !== rows * width) throw new Error(`${features.length} feature values for ${rows} samples of ${width} features: the batch was read wrong`);
  const scores = await scorer.score(features, rows);
  const samples: ScoredSample[] = new Array<ScoredSample>(rows);
  row = 0;
  for (const r of records) {
    const { host, tags = {}, band } = r.record;
    // The record's metrics' band limits, looked up once per record.
    const reaches = band?.metrics.map((name) => reach.get(name));
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
      let sampleBand: SampleBand | undefined;
      if (band) {
        const M = band.metrics.length;
        const bounds = new Float64Array(2 * M);
        for (let k = 0; k < M; k++) writeBand(band.values[(i * M + k) * 2]!, band.values[(i * M + k) * 2 + 1]!, reaches![k], bounds, 2 * k);
        sampleBand = { metrics: band.metrics, bounds };
      }
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
        ...(sampleBand ? { band: sampleBand } : {}),
        modelVersion: manifest.version,
        recordVersion: model.createdMs,
      };
      row++;
    }
  }
  return { samples, recordIndex };
}
