/**
 * The real function bundle (esbuild, local, no Docker): under Lambda's 250 MB unzipped limit and
 * the project's 60 MB target, with onnxruntime-node's binaries for the function's platform only,
 * and loadable: on this machine's architecture the bundled handler imports and the bundled
 * onnxruntime scores a model.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { arch } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type * as Ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { directoryBytes, functionAssetDir, LAMBDA_UNZIPPED_LIMIT_BYTES } from '../../infra/function-asset.js';
import { attr, DataType, encodeModel } from '../../models/onnx/proto.js';
import { synthVigil } from './synth.js';
import type { Synthesized } from './synth.js';

const MB = 1024 * 1024;
const TARGET_BYTES = 60 * MB;

function assetOf(s: Synthesized): string {
  s.app.synth();
  return functionAssetDir(s.outdir, s.stack, s.stack.score.function.node.defaultChild as CfnFunction);
}

const arm64 = assetOf(synthVigil({}, { bundle: true }));
const runtimeBinaries = (dir: string): string => join(dir, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');

describe('function asset (arm64, as deployed)', () => {
  it(`is at most 60 MB unzipped, well under Lambda's 250 MB`, () => {
    const bytes = directoryBytes(arm64);
    expect(bytes).toBeLessThanOrEqual(TARGET_BYTES);
    expect(bytes).toBeLessThan(LAMBDA_UNZIPPED_LIMIT_BYTES);
    // The runtime's Linux arm64 library alone is over 20 MB: a smaller asset has lost it.
    expect(bytes).toBeGreaterThan(20 * MB);
  });

  it("carries onnxruntime-node's Linux arm64 binaries and no other platform's", () => {
    const bin = runtimeBinaries(arm64);
    expect(readdirSync(bin)).toEqual(['linux']);
    expect(readdirSync(join(bin, 'linux'))).toEqual(['arm64']);
    expect(readdirSync(join(bin, 'linux', 'arm64')).sort()).toEqual(['libonnxruntime.so.1', 'onnxruntime_binding.node']);
    // The binding is an ELF file for AArch64 (e_machine 0xB7 at offset 18).
    const binding = readFileSync(join(bin, 'linux', 'arm64', 'onnxruntime_binding.node'));
    expect(binding.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(binding.readUInt16LE(18)).toBe(0xb7);
  });

  it('is one ES module bundle with the SDK inside and onnxruntime-node beside it', () => {
    const files = readdirSync(arm64).sort();
    expect(files).toEqual(['index.mjs', 'index.mjs.map', 'node_modules']);
    expect(readdirSync(join(arm64, 'node_modules')).sort()).toEqual(['onnxruntime-common', 'onnxruntime-node']);
    const bundle = readFileSync(join(arm64, 'index.mjs'), 'utf8');
    // Every module the bundle imports is Node's own or onnxruntime-node, so the SDK is inside it,
    // at the project's versions rather than the Lambda runtime's.
    const imported = [...new Set([...bundle.matchAll(/\bfrom\s*"([^"]+)"/g)].map((m) => m[1]!))];
    expect(imported.filter((name) => !name.startsWith('node:') && !['buffer', 'onnxruntime-node'].includes(name))).toEqual([]);
    expect(imported).toContain('onnxruntime-node');
    expect(bundle).toContain('AmazonSQS');
  });
});

describe('function asset (this machine, to load it)', () => {
  const machine = arch() === 'arm64' ? Architecture.ARM_64 : Architecture.X86_64;
  const local = assetOf(synthVigil({ functionArchitecture: machine }, { bundle: true }));

  it('imports and exports the handler', async () => {
    const mod = (await import(pathToFileURL(join(local, 'index.mjs')).href)) as { handler?: unknown };
    expect(typeof mod.handler).toBe('function');
  });

  it("scores a model with the asset's own onnxruntime", async () => {
    const runtime = join(local, 'node_modules', 'onnxruntime-node', 'dist', 'index.js');
    expect(existsSync(runtime)).toBe(true);
    const ort = (await import(pathToFileURL(runtime).href)) as typeof Ort;
    // score = mean of the features of each row
    const model = encodeModel({
      opsets: { '': 13 },
      graph: {
        name: 'mean',
        nodes: [{ opType: 'ReduceMean', input: ['features'], output: ['score'], attribute: [attr.ints('axes', [1]), attr.int('keepdims', 0)] }],
        inputs: [{ name: 'features', elemType: DataType.FLOAT, shape: ['N', 2] }],
        outputs: [{ name: 'score', elemType: DataType.FLOAT, shape: ['N'] }],
      },
    });
    const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
    const out = await session.run({ features: new ort.Tensor('float32', Float32Array.from([1, 3, 10, 20]), [2, 2]) });
    expect(Array.from(out.score!.data as Float32Array)).toEqual([2, 15]);
    await session.release();
  });
});
