/** A collected sample and its features as the wire sample the spool keeps and Kinesis carries. */
import { WireSampleSchema, describeIssues, type WireSample } from './wire.js';

/**
 * Metric values: seven significant digits (about float32 precision), so the spooled JSON stays short
 * and stored values read as the agent measured them.
 * Features and bands travel as float32 (core/wire.ts), what the ONNX model reads: they are rounded
 * to float32 here, so a spooled sample and the one the scoring function reads are the same numbers.
 */
export function roundForWire(value: number): number {
  return value === 0 ? 0 : Number(value.toPrecision(7));
}

/** Each metric's long normal and scale as the feature pipeline gave them (FeaturePipeline.push's `band`). */
export interface PipelineBand {
  /** The feature set's metrics, in order. */
  readonly metrics: readonly string[];
  /** Two values a metric: normal, scale; NaN where the pipeline has none yet. */
  readonly values: Float64Array;
}

export function toWireSample(seq: number, t: number, values: Readonly<Record<string, number>>, features: Float64Array, band?: PipelineBand): WireSample {
  const m: Record<string, number> = {};
  for (const [name, value] of Object.entries(values)) if (Number.isFinite(value)) m[name] = roundForWire(value);
  const sample: WireSample = { seq, t: Math.round(t), m, f: Array.from(features, Math.fround) };
  if (band) {
    // Float32, as the wire carries them; a metric without a normal yet (or a scale float32 rounds to 0) has no band.
    const b: Record<string, [number, number]> = {};
    band.metrics.forEach((name, k) => {
      const normal = Math.fround(band.values[2 * k]!);
      const scale = Math.fround(band.values[2 * k + 1]!);
      if (Number.isFinite(normal) && Number.isFinite(scale) && scale > 0) b[name] = [normal, scale];
    });
    sample.b = b;
  }
  const checked = WireSampleSchema.safeParse(sample, { reportInput: true });
  if (!checked.success) throw new Error(`sample ${seq} does not fit the wire format: ${describeIssues(checked.error.issues)}`);
  return sample;
}
