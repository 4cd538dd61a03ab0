/**
 * A model on disk: `model.onnx` plus `manifest.json` in one directory (core/manifest.ts).
 * The manifest carries the sha256 of the ONNX bytes; reading verifies it, so a model that was
 * edited, truncated or mixed with another model's manifest is refused before it scores anything.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FeatureSet } from '../core/features.js';
import { MANIFEST_FILE, MANIFEST_SCHEMA_VERSION, MODEL_FILE, ONNX_INPUT, ONNX_OUTPUT, parseManifest, type Manifest } from '../core/manifest.js';

export interface ModelArtifact {
  readonly onnx: Uint8Array;
  readonly manifest: Manifest;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Throws when the manifest does not describe these ONNX bytes; `where` names them in the error. */
export function verifyModelBytes(onnx: Uint8Array, manifest: Manifest, where: string): void {
  const actual = sha256Hex(onnx);
  if (actual !== manifest.onnx.sha256 || onnx.byteLength !== manifest.onnx.bytes) {
    throw new Error(
      `${where}: the ONNX bytes (sha256 ${actual}, ${onnx.byteLength} bytes) do not match the manifest ` +
        `(sha256 ${manifest.onnx.sha256}, ${manifest.onnx.bytes} bytes): the model file was changed or belongs to another manifest; ` +
        'train or export the model again so both files are written together',
    );
  }
}

/** Writes model.onnx then manifest.json (each through a temporary file and a rename). */
export function writeModelDir(dir: string, artifact: ModelArtifact): void {
  const manifest = parseManifest(artifact.manifest, `manifest for ${dir}`);
  verifyModelBytes(artifact.onnx, manifest, `cannot write the model to ${dir}`);
  mkdirSync(dir, { recursive: true });
  writeAtomically(join(dir, MODEL_FILE), artifact.onnx);
  writeAtomically(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Reads and checks a model directory: the manifest must be valid and describe the ONNX bytes. */
export function readModelDir(dir: string): ModelArtifact {
  const modelPath = join(dir, MODEL_FILE);
  const manifestPath = join(dir, MANIFEST_FILE);
  for (const path of [manifestPath, modelPath]) {
    if (!existsSync(path)) {
      throw new Error(
        `${path} does not exist: a model directory holds ${MODEL_FILE} and ${MANIFEST_FILE}; create one with \`vigil train --in FILE.csv --out ${dir}\``,
      );
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (cause) {
    throw new Error(`${manifestPath} is not valid JSON (${(cause as Error).message}): restore it or train the model again`, { cause });
  }
  const manifest = parseManifest(json, manifestPath);
  const onnx = new Uint8Array(readFileSync(modelPath));
  verifyModelBytes(onnx, manifest, modelPath);
  return { onnx, manifest };
}

function writeAtomically(path: string, data: Uint8Array | string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, path);
}

export interface ManifestInput {
  readonly name: string;
  readonly onnx: Uint8Array;
  readonly featureSet: FeatureSet;
  readonly threshold: number;
  readonly severity: Manifest['severity'];
  readonly baseline: Manifest['baseline'];
  readonly training: Manifest['training'];
  readonly evaluation?: Manifest['evaluation'];
  /** Default: creation time and the first 8 hex digits of the sha256, e.g. 20261121T120000Z-1a2b3c4d. */
  readonly version?: string;
  readonly createdAt?: Date;
}

/** A checked manifest for these ONNX bytes (sha256 and size filled in). */
export function buildManifest(input: ManifestInput): Manifest {
  const sha256 = sha256Hex(input.onnx);
  const createdAt = (input.createdAt ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return parseManifest(
    {
      schema: MANIFEST_SCHEMA_VERSION,
      name: input.name,
      version: input.version ?? `${createdAt.replace(/[-:]/g, '')}-${sha256.slice(0, 8)}`,
      createdAt,
      featureSet: {
        version: input.featureSet.version,
        metrics: [...input.featureSet.metrics],
        ...(input.featureSet.logViews ? { logViews: input.featureSet.logViews.map((view) => ({ ...view })) } : {}),
        names: [...input.featureSet.names],
      },
      onnx: { file: MODEL_FILE, sha256, bytes: input.onnx.byteLength, input: ONNX_INPUT, output: ONNX_OUTPUT },
      threshold: input.threshold,
      severity: input.severity,
      baseline: input.baseline,
      training: input.training,
      ...(input.evaluation ? { evaluation: input.evaluation } : {}),
    },
    `manifest of model ${input.name}`,
  );
}
