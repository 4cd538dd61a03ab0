/**
 * The default model: trained on the simulated fleet (scripts/default-model.ts, a fixed seed, so the
 * same source gives the same bytes), shipped in `model-store/default-model/` and published where no
 * model is current, so a fresh deployment scores from the first sample. The deploy-time custom
 * resource (functions/bootstrap-model) and `npm start` both publish it through publishDefaultModel:
 * it never replaces a current model, an operator's or a retrained one, of this release's feature-set version.
 * The features are relative to each host's own normal, so a model of a generic fleet is a fair
 * start; a model trained on the fleet's own history (`vigil export`, `vigil train`) does better.
 */
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_MODEL_FOLDER } from '../core/default-model.js';
import { featureSetMismatch, HOST_FEATURE_SET } from '../core/features.js';
import { readModelDir } from './artifact.js';
import { publishModelIfNoneCurrent, type ModelLocation } from './s3-store.js';

export const DEFAULT_MODEL_MANIFEST_NAME = 'vigil-default';

/** Where the default model is: next to this module in the repository, and next to the bundle the module is in (infra copies it there). */
export function defaultModelDir(codeDir: string = import.meta.dirname): string {
  return join(codeDir, DEFAULT_MODEL_FOLDER);
}

export interface DefaultModelOutcome {
  /** Whether this call made the default model current. */
  readonly published: boolean;
  /** The current model it replaced, of another feature-set version (the scoring function would refuse it), and why. */
  readonly replaced?: { readonly version: string; readonly reason: string };
  /** The default model's version. */
  readonly defaultVersion: string;
  /** The version current after the call (the default's, or the model that was already there). */
  readonly currentVersion: string;
}

/**
 * Publishes the default model unless a model is current, or where the current model is of another
 * feature-set version: after an upgrade to a release that computes another feature set, the scoring
 * function would refuse the model it had, so the default model takes its place until one is trained
 * on the fleet's new features (idempotent: a second call finds the default current).
 */
export async function publishDefaultModel(s3: S3Client, location: ModelLocation, dir: string = defaultModelDir()): Promise<DefaultModelOutcome> {
  const { onnx, manifest } = readModelDir(dir);
  const outcome = await publishModelIfNoneCurrent(s3, {
    ...location,
    onnx,
    manifest,
    // Another version only: a model of other features at this version is an operator's choice (a custom agent's).
    unusable: (current) => (current.featureSet.version === HOST_FEATURE_SET.version ? undefined : featureSetMismatch(HOST_FEATURE_SET, current.featureSet)),
  });
  return {
    published: outcome.published,
    ...(outcome.replaced ? { replaced: outcome.replaced } : {}),
    defaultVersion: manifest.version,
    currentVersion: outcome.currentVersion,
  };
}
