/** Model directories: write, read back, and refuse files that do not belong together. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MANIFEST_FILE, MODEL_FILE } from '../../core/manifest.js';
import { readModelDir, sha256Hex, writeModelDir } from '../../model-store/artifact.js';
import { fakeModel } from './fake-model.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-artifact-'));
  dirs.push(dir);
  return dir;
}

describe('sha256Hex', () => {
  it('matches the known digest of "abc"', () => {
    expect(sha256Hex(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('model directory', () => {
  it('round-trips the ONNX bytes and the manifest', () => {
    const dir = join(tempDir(), 'nested', 'model');
    const model = fakeModel();
    writeModelDir(dir, model);
    const back = readModelDir(dir);
    expect(Buffer.from(back.onnx).equals(Buffer.from(model.onnx))).toBe(true);
    expect(back.manifest).toEqual(model.manifest);
    expect(back.manifest.onnx.sha256).toBe(sha256Hex(model.onnx));
  });

  it('refuses a model file whose bytes were changed', () => {
    const dir = tempDir();
    writeModelDir(dir, fakeModel());
    const bytes = readFileSync(join(dir, MODEL_FILE));
    bytes[10] = bytes[10]! ^ 0xff;
    writeFileSync(join(dir, MODEL_FILE), bytes);
    expect(() => readModelDir(dir)).toThrow(/model\.onnx.*do not match the manifest/);
  });

  it('names the missing file and how to create it', () => {
    const dir = tempDir();
    expect(() => readModelDir(dir)).toThrow(new RegExp(`${MANIFEST_FILE} does not exist.*vigil train`));
  });

  it('names the field of an invalid manifest', () => {
    const dir = tempDir();
    const model = fakeModel();
    writeModelDir(dir, model);
    writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify({ ...model.manifest, threshold: 'high' }));
    expect(() => readModelDir(dir)).toThrow(/manifest\.json is not a valid vigil model manifest.*threshold/);
  });

  it('will not write a manifest that describes other bytes', () => {
    const model = fakeModel();
    expect(() => writeModelDir(tempDir(), { onnx: randomBytes(64), manifest: model.manifest })).toThrow(/do not match the manifest/);
  });
});
