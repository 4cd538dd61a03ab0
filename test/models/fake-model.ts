/** A model artifact whose ONNX bytes are random: for the code that stores models and never parses them. */
import { randomBytes } from 'node:crypto';
import { featureSetFor } from '../../core/features.js';
import type { Manifest } from '../../core/manifest.js';
import { buildManifest } from '../../model-store/artifact.js';

export function fakeModel(name = 'test-model', onnx: Uint8Array = randomBytes(64)): { onnx: Uint8Array; manifest: Manifest } {
  const featureSet = featureSetFor(['cpu_pct']);
  const f = featureSet.names.length;
  const manifest = buildManifest({
    name,
    onnx,
    featureSet,
    threshold: 0.6,
    severity: { low: 0.6, medium: 0.65, high: 0.7, critical: 0.8 },
    baseline: { center: new Array<number>(f).fill(0), scale: new Array<number>(f).fill(1) },
    training: { algorithm: 'test', rows: 10, params: {} },
  });
  return { onnx, manifest };
}
