/**
 * A vigil Lambda function: what all three share (Node.js 24, the `handler` export, the project's
 * lock file and bundling, its own role and log group from functionLogsAndRole), made in one place.
 * Each construct gives its entry, size, timeout, environment and what ships next to its bundle;
 * the ONNX-scoring ones ship onnxruntime for their architecture (withOnnxruntime).
 */
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import { join } from 'node:path';
import { functionBundling, type FunctionBundling } from './function-bundling.js';
import { ONNXRUNTIME_PACKAGE, onnxruntimeCopyCommands } from './onnxruntime-bundle.js';

export interface VigilFunctionProps extends Omit<NodejsFunctionProps, 'handler' | 'projectRoot' | 'depsLockFilePath' | 'runtime' | 'bundling'> {
  readonly entry: string;
  readonly projectRoot: string;
  /** What the bundle leaves out and what is copied next to it. */
  readonly shipped: Omit<FunctionBundling, 'projectRoot'>;
}

/** The function, created in `scope` as `Function`. */
export function vigilFunction(scope: Construct, { projectRoot, shipped, ...props }: VigilFunctionProps): NodejsFunction {
  return new NodejsFunction(scope, 'Function', {
    ...props,
    handler: 'handler',
    projectRoot,
    depsLockFilePath: join(projectRoot, 'package-lock.json'),
    runtime: Runtime.NODEJS_24_X,
    bundling: functionBundling({ projectRoot, ...shipped }),
  });
}

/** onnxruntime-node kept out of the bundle and its files for `architecture` copied next to it (infra/onnxruntime-bundle.ts). */
export function withOnnxruntime(architecture: Architecture, projectRoot: string): VigilFunctionProps['shipped'] {
  return {
    externalModules: [ONNXRUNTIME_PACKAGE],
    afterBundling: (outputDir) => onnxruntimeCopyCommands(outputDir, architecture === Architecture.ARM_64 ? 'arm64' : 'x64', projectRoot),
  };
}
