/**
 * A model is tried before it replaces the one in use: it must score two known rows (its training
 * baseline's center, and that center three scales off in every feature) with one finite score a
 * row. This catches what loading does not: an input narrower or wider than the manifest's feature
 * set, an output of another shape, scores that are NaN or infinite.
 */
import type { Manifest } from '../core/manifest.js';
import type { BatchScorer } from './onnx-scorer.js';

export async function probeScorer(scorer: BatchScorer, manifest: Pick<Manifest, 'name' | 'version' | 'baseline' | 'featureSet'>): Promise<void> {
  const f = manifest.featureSet.names.length;
  const { center, scale } = manifest.baseline;
  const rows = new Float32Array(2 * f);
  for (let i = 0; i < f; i++) {
    rows[i] = center[i]!;
    rows[f + i] = center[i]! + 3 * scale[i]!;
  }
  const what = `model ${manifest.name} ${manifest.version}`;
  let scores: Float32Array;
  try {
    scores = await scorer.score(rows, 2);
  } catch (error) {
    throw new Error(`${what} cannot score its own baseline rows of ${f} features: ${(error as Error).message}`, { cause: error });
  }
  const bad = Array.from(scores).find((s) => !Number.isFinite(s));
  if (bad !== undefined) throw new Error(`${what} scores its own baseline rows as ${bad}; a model must give finite scores: re-export it`);
}
