/** A collected sample and its features as the wire sample the spool keeps and Kinesis carries. */
import { WireSampleSchema, describeIssues, type WireSample } from '../core/wire.js';

/**
 * Seven significant digits: float32 precision, which is what the ONNX model reads, so nothing the
 * scoring uses is lost, and the JSON stays short.
 */
export function roundForWire(value: number): number {
  return value === 0 ? 0 : Number(value.toPrecision(7));
}

export function toWireSample(seq: number, t: number, values: Readonly<Record<string, number>>, features: Float64Array): WireSample {
  const m: Record<string, number> = {};
  for (const [name, value] of Object.entries(values)) if (Number.isFinite(value)) m[name] = roundForWire(value);
  const sample: WireSample = { seq, t: Math.round(t), m, f: Array.from(features, roundForWire) };
  const checked = WireSampleSchema.safeParse(sample, { reportInput: true });
  if (!checked.success) throw new Error(`sample ${seq} does not fit the wire format: ${describeIssues(checked.error.issues)}`);
  return sample;
}
