/**
 * Where published models live under the model prefix of the bucket: one folder per version
 * (`<prefix>/versions/<version>/model.onnx` and `manifest.json`) and the `current.json` pointer the
 * scoring function follows. One source of truth for model-store/ (reading and writing them) and
 * infra/ (granting exactly these keys).
 */
import { MANIFEST_FILE, MODEL_FILE } from './manifest.js';

export const CURRENT_POINTER_FILE = 'current.json';

/** `prefix` is '' or ends without a slash, e.g. 'vigil/models'. */
export function modelKeys(prefix: string, version: string): { model: string; manifest: string } {
  const base = `${joinPrefix(prefix)}versions/${version}/`;
  return { model: `${base}${MODEL_FILE}`, manifest: `${base}${MANIFEST_FILE}` };
}

export function pointerKey(prefix: string): string {
  return `${joinPrefix(prefix)}${CURRENT_POINTER_FILE}`;
}

function joinPrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed ? `${trimmed}/` : '';
}
