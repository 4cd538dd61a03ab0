/** One sample after scoring: what every sink stores (Timestream, Prometheus, logs). */
import type { SampleBand } from './band.js';
import type { Severity } from './manifest.js';

export interface ScoredSample {
  readonly host: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Per-host sequence number; (host, seq) is the sample's identity. */
  readonly seq: number;
  /** Sample time, epoch milliseconds. */
  readonly time: number;
  readonly metrics: Readonly<Record<string, number>>;
  /** The model's float32 score as its shortest decimal (core/float32-decimal.ts), as are confidence's. */
  readonly score: number;
  readonly anomaly: boolean;
  readonly severity: Severity;
  /** 0..1: how far the score sits from the threshold, relative to the critical cut point. */
  readonly confidence: number;
  /** The raw metric whose features lie furthest from the training baseline. */
  readonly topMetric: string;
  /** The metrics ranked by how far their features lie from the training baseline, most anomalous first (topMetric first; at most 10). */
  readonly rankedMetrics: readonly string[];
  /**
   * Which way the top metric went from the host's normal: anomalous samples only. Above or below
   * its band when the value is outside it (core/band.ts bandDirection), else by its features
   * (model-store/explain.ts metricDirection).
   */
  readonly topDirection?: 'above' | 'below';
  /** The band the model judged each metric against (core/band.ts); none from agents older than wire version 3. */
  readonly band?: SampleBand;
  readonly modelVersion: string;
  /** The Timestream record version: the model's creation time in ms, so a newer model's rescore wins. */
  readonly recordVersion: number;
}

/** Equal tag sets, whatever their key order (sinks order tags by name anyway). */
export function sameTags(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  if (a === b) return true;
  let count = 0;
  for (const key in a) {
    if (a[key] !== b[key]) return false;
    count++;
  }
  return count === Object.keys(b).length;
}
