/** The published models in S3 (written by `vigil publish`) as the scoring function's model source. */
import type { S3Client } from '@aws-sdk/client-s3';
import { pointerKey } from '../../model-store/layout.js';
import { fetchCurrentModel, readPointer, type ModelLocation } from '../../model-store/s3-store.js';
import type { ModelSource } from './model-cache.js';

export function s3ModelSource(s3: S3Client, location: ModelLocation): ModelSource {
  const description = `s3://${location.bucket}/${pointerKey(location.prefix)}`;
  return {
    description,
    async currentVersion() {
      const pointer = await readPointer(s3, location);
      if (!pointer) throw new Error(`no model is published: ${description} does not exist; publish one with \`vigil publish\``);
      return pointer.version;
    },
    async fetch() {
      const { manifest, onnx, pointer } = await fetchCurrentModel(s3, location);
      return { manifest, onnx, version: pointer.version };
    },
  };
}
