/**
 * Storage resolution for normal samples, a cost lever: every anomalous sample is stored; of the
 * normal ones, only the first (lowest seq) per host, per resolution bucket of time, per wire record.
 *
 * The choice depends only on the sample and the wire record that carries it, both immutable in the
 * stream, so a redelivered record or a batch cut at another place stores exactly the same samples.
 * A bucket that straddles two wire records may keep one sample from each: a few extra rows, never
 * a missing or flip-flopping one.
 */
import type { ScoredBatch } from './score-batch.js';

/** For each sample of the batch, whether the storage sink keeps it. */
export function samplesToStore(batch: ScoredBatch, resolutionMs: number): boolean[] {
  const { samples, recordIndex } = batch;
  if (resolutionMs <= 0) return samples.map(() => true);
  const keep = samples.map((s) => s.anomaly);
  // Key: record index + bucket; value: position of the lowest-seq normal sample seen so far.
  const firstInBucket = new Map<string, number>();
  samples.forEach((s, i) => {
    if (s.anomaly) return;
    const key = `${recordIndex[i]}:${Math.floor(s.time / resolutionMs)}`;
    const seen = firstInBucket.get(key);
    if (seen === undefined || s.seq < samples[seen]!.seq) firstInBucket.set(key, i);
  });
  for (const i of firstInBucket.values()) keep[i] = true;
  return keep;
}
