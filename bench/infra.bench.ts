/**
 * Area `infra`: the score function's deployment package as `cdk synth` builds it (esbuild, local).
 * function_asset_mb is the unzipped size Lambda counts against its 250 MB limit (target: 60 MB);
 * the baseline is the installed onnxruntime-node package, which shipped whole (every platform)
 * would break that limit on its own.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { directoryBytes, functionAssetDir, LAMBDA_UNZIPPED_LIMIT_BYTES } from '../infra/function-asset.js';
import { cdkJsonContext } from '../infra/cdk-json.js';
import { PROJECT_ROOT, VigilStack } from '../infra/vigil-stack.js';
import type { BenchArea } from './types.js';

const MB = 1024 * 1024;

const area: BenchArea = {
  area: 'infra',
  description: 'score function asset built by cdk synth (unzipped size against the Lambda limit)',
  async run() {
    const outdir = mkdtempSync(join(tmpdir(), 'vigil-bench-cdk-'));
    try {
      const started = performance.now();
      const app = new App({ outdir, context: cdkJsonContext(PROJECT_ROOT) });
      const stack = new VigilStack(app, 'Vigil');
      app.synth();
      const synthSeconds = (performance.now() - started) / 1000;
      const asset = functionAssetDir(outdir, stack, stack.score.function.node.defaultChild as CfnFunction);
      const assetBytes = directoryBytes(asset);
      const bundleBytes = statSync(join(asset, 'index.mjs')).size;
      const runtimePackage = dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'));
      const runtimeBytes = directoryBytes(runtimePackage);
      return [
        { metric: 'function_asset_mb', value: assetBytes / MB, unit: 'MB', note: 'unzipped score function asset (arm64), target <= 60' },
        { metric: 'function_asset_limit_share', value: assetBytes / LAMBDA_UNZIPPED_LIMIT_BYTES, unit: 'ratio', note: 'asset / Lambda 250 MB unzipped limit' },
        { metric: 'function_bundle_mb', value: bundleBytes / MB, unit: 'MB', note: 'index.mjs: handler, AWS SDK, middy, Powertools (minified)' },
        { metric: 'onnxruntime_package_mb', value: runtimeBytes / MB, unit: 'MB', note: 'onnxruntime-node as installed (every platform): the baseline' },
        { metric: 'asset_vs_full_runtime_ratio', value: assetBytes / runtimeBytes, unit: 'ratio', note: 'whole asset / onnxruntime-node shipped whole' },
        { metric: 'synth_with_bundling_s', value: synthSeconds, unit: 's', note: 'one synth of the default stack, bundling included (machine-dependent)' },
      ];
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  },
};

export default area;
