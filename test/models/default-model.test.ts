/** The shipped default model: built from its recipe with fixed seeds (the committed bytes are what the script builds), and fit for the agent. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOST_FEATURE_SET, featureSetMismatch } from '../../core/features.js';
import { readModelDir } from '../../model-store/artifact.js';
import { DEFAULT_MODEL_MANIFEST_NAME, defaultModelDir } from '../../model-store/default-model.js';
import { buildDefaultModel } from '../../scripts/default-model.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('the default model', () => {
  it('fits the agent’s features and says what it was trained on', () => {
    const { manifest } = readModelDir(defaultModelDir());
    expect(featureSetMismatch(HOST_FEATURE_SET, manifest.featureSet)).toBeUndefined();
    expect(manifest.name).toBe(DEFAULT_MODEL_MANIFEST_NAME);
    expect(JSON.stringify(manifest)).toContain('simulated fleet: 50 hosts');
  });

  it('is what scripts/default-model.ts builds, byte for byte (rebuild it after changing features or training)', { timeout: 300_000 }, () => {
    const built = buildDefaultModel();
    const shipped = join(ROOT, 'model-store', 'default-model');
    expect(`${JSON.stringify(built.manifest, null, 2)}\n`).toBe(readFileSync(join(shipped, 'manifest.json'), 'utf8'));
    expect(Buffer.from(built.onnx).equals(readFileSync(join(shipped, 'model.onnx')))).toBe(true);
  });
});
