/**
 * Scoring accepted wire records: every sample's feature vector into one float32 matrix, one model
 * call for the whole batch, then severity, confidence and the top contributing metric per sample.
 */
import { confidenceOf, topContributingMetric } from '../../models/explain.js';
import { severityOf } from '../../core/manifest.js';
import type { ScoredSample } from '../../core/scored-sample.js';
import type { LoadedModel } from './model-cache.js';
import type { AcceptedRecord } from './records.js';

export interface ScoredBatch {
  readonly samples: ScoredSample[];
  /** For each sample, the index of its Kinesis record in the event (what a batch item failure names). */
  readonly recordIndex: Int32Array;
}

export async function scoreRecords(records: readonly AcceptedRecord[], model: LoadedModel): Promise<ScoredBatch> {
  const { manifest, scorer } = model;
  const width = scorer.featureCount;
  let rows = 0;
  for (const r of records) rows += r.record.samples.length;
  const features = new Float32Array(rows * width);
  const recordIndex = new Int32Array(rows);
  let row = 0;
  for (const r of records) {
    for (const sample of r.record.samples) {
      features.set(sample.f, row * width);
      recordIndex[row] = r.origin.index;
      row++;
    }
  }
  const scores = await scorer.score(features, rows);
  const samples: ScoredSample[] = new Array<ScoredSample>(rows);
  row = 0;
  for (const r of records) {
    const { host, tags = {} } = r.record;
    for (const sample of r.record.samples) {
      const score = scores[row]!;
      if (!Number.isFinite(score)) {
        throw new Error(`model ${manifest.name} ${manifest.version} returned the score ${score} for host ${host} seq ${sample.seq}: the model is broken; roll back with \`vigil models rollback\``);
      }
      const severity = severityOf(score, manifest);
      samples[row] = {
        host,
        tags,
        seq: sample.seq,
        time: sample.t,
        metrics: sample.m,
        score,
        anomaly: severity !== 'normal',
        severity,
        confidence: confidenceOf(score, manifest),
        topMetric: topContributingMetric(sample.f, manifest.featureSet, manifest.baseline),
        modelVersion: manifest.version,
        recordVersion: model.createdMs,
      };
      row++;
    }
  }
  return { samples, recordIndex };
}
