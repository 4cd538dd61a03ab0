/**
 * How every vigil Lambda function is bundled (esbuild through NodejsFunction): one ES module for
 * Node.js 24, minified with source maps, the AWS SDK bundled at the versions the project tests. Each
 * function adds what it ships next to its bundle (the onnxruntime binary, the default model).
 */
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { join } from 'node:path';

export interface FunctionBundling {
  readonly projectRoot: string;
  /** Packages left out of the bundle (shipped by afterBundling instead). */
  readonly externalModules?: string[];
  /** Shell commands run after bundling, with the bundle's output folder. */
  readonly afterBundling: (outputDir: string) => string[];
}

export function functionBundling({ projectRoot, externalModules, afterBundling }: FunctionBundling): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: 'node24',
    mainFields: ['module', 'main'],
    minify: true,
    sourceMap: true,
    sourcesContent: false,
    // Bundled CommonJS code (the AWS SDK's) requires Node built-ins lazily (node:fs, node:http2, ...);
    // an ES module has no require, so the bundle gets one, or those calls fail at run time.
    banner: "import { createRequire as vigilCreateRequire } from 'node:module'; const require = vigilCreateRequire(import.meta.url);",
    // The SDK is bundled at the versions the project tests, not the runtime's.
    bundleAwsSDK: true,
    ...(externalModules ? { externalModules } : {}),
    tsconfig: join(projectRoot, 'tsconfig.json'),
    commandHooks: {
      // Only afterBundling has work; the interface asks for all three.
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir, outputDir) => afterBundling(outputDir),
    },
  };
}
