/**
 * The default model: trained on the simulated fleet (scripts/default-model.ts, a fixed seed, so the
 * same source gives the same bytes), shipped in `model-store/default-model/` and published where no
 * model is current, so a fresh deployment scores from the first sample. The deploy-time custom
 * resource (functions/bootstrap-model) and `npm start` both publish it through publishDefaultModel:
 * it never replaces a current model, an operator's or a retrained one.
 * The features are relative to each host's own normal, so a model of a generic fleet is a fair
 * start; a model trained on the fleet's own history (`vigil export`, `vigil train`) does better.
 */
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_MODEL_FOLDER } from '../core/default-model.js';
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
  /** The default model's version. */
  readonly defaultVersion: string;
  /** The version current after the call (the default's, or the model that was already there). */
  readonly currentVersion: string;
}

/** Publishes the default model unless a model is current (idempotent: a second call finds it current). */
export async function publishDefaultModel(s3: S3Client, location: ModelLocation, dir: string = defaultModelDir()): Promise<DefaultModelOutcome> {
  const { onnx, manifest } = readModelDir(dir);
  const outcome = await publishModelIfNoneCurrent(s3, { ...location, onnx, manifest });
  return { published: outcome.published, defaultVersion: manifest.version, currentVersion: outcome.currentVersion };
}
