/** docs/manifest.schema.json is the zod manifest schema's JSON Schema, regenerated whenever the schema changes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MANIFEST_SCHEMA_FILE, manifestJsonSchemaText } from '../../scripts/manifest-schema.js';

describe('the manifest JSON Schema', () => {
  it('is generated from core/manifest.ts (run npx tsx scripts/manifest-schema.ts after changing it)', () => {
    expect(readFileSync(MANIFEST_SCHEMA_FILE, 'utf8')).toBe(manifestJsonSchemaText());
  });

  it('names every manifest key, requires the contract names and refuses unknown keys', () => {
    const schema = JSON.parse(manifestJsonSchemaText()) as {
      required: string[];
      additionalProperties: boolean;
      properties: { onnx: { properties: Record<string, { const?: string }> } };
    };
    expect(schema.required).toEqual(
      expect.arrayContaining(['schema', 'name', 'version', 'featureSet', 'onnx', 'threshold', 'severity', 'baseline', 'training']),
    );
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.onnx.properties.input!.const).toBe('features');
    expect(schema.properties.onnx.properties.output!.const).toBe('score');
  });
});
