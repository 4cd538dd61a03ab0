/**
 * Writes docs/manifest.schema.json, the JSON Schema of the model manifest, generated from the one zod
 * schema in core/manifest.ts (test/core/manifest-schema.test.ts fails when the file is out of date).
 * Cross-field rules (one baseline value per feature, ascending severity cut points) are not
 * expressible in JSON Schema: `vigil publish` checks them.
 *   npx tsx scripts/manifest-schema.ts
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as z from 'zod';
import { ManifestSchema } from '../core/manifest.js';

export const MANIFEST_SCHEMA_FILE = resolve(import.meta.dirname, '../docs/manifest.schema.json');

export function manifestJsonSchemaText(): string {
  const { $schema, ...rest } = z.toJSONSchema(ManifestSchema, { io: 'input' });
  const schema = {
    $schema,
    title: 'vigil model manifest',
    description:
      'manifest.json beside model.onnx (input "features" float32 [N, F], output "score" float32 [N], higher = more anomalous). Generated from core/manifest.ts by scripts/manifest-schema.ts. Also checked on publish: baseline.center and baseline.scale have one value per feature, and threshold <= severity.low <= medium <= high <= critical.',
    ...rest,
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(MANIFEST_SCHEMA_FILE, manifestJsonSchemaText());
  console.log(`wrote ${MANIFEST_SCHEMA_FILE}`);
}
