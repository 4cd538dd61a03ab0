/**
 * The project's npm settings: no dependency runs an install script (onnxruntime-node's would
 * download CUDA libraries, which fails offline and is not needed on CPU), and npm has no unknown
 * setting to warn about at every call.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe('.npmrc', () => {
  it('npm runs without warnings about the project config, with install scripts off', async () => {
    const { stdout, stderr } = await promisify(execFile)('npm', ['config', 'get', 'ignore-scripts'], { cwd: ROOT, timeout: 30_000 });
    expect(stdout.trim()).toBe('true');
    expect(stderr).not.toMatch(/Unknown (project|user|env) config/);
  });

  it('left onnxruntime-node without the CUDA libraries its install script downloads, and its CPU binding in place', () => {
    const bin = join(ROOT, 'node_modules/onnxruntime-node/bin/napi-v6/linux', process.arch);
    expect(existsSync(join(bin, 'onnxruntime_binding.node'))).toBe(true);
    expect(existsSync(join(bin, 'libonnxruntime_providers_cuda.so'))).toBe(false);
  });
});
