/**
 * Where the synthesized score function's code lives in a cloud assembly, and how big it is
 * unzipped (Lambda's limit: 250 MB unzipped, layers included).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';

export const LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024;

/** The asset directory of a function after `app.synth()` into `outdir`. */
export function functionAssetDir(outdir: string, stack: Stack, fn: CfnFunction): string {
  const code = stack.resolve(fn.code) as { s3Key?: string; S3Key?: string };
  const key = code.s3Key ?? code.S3Key;
  if (typeof key !== 'string') throw new Error(`the function ${fn.node.path} has no file asset (its code is ${JSON.stringify(code)})`);
  const dir = join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
  if (!existsSync(dir)) throw new Error(`no asset directory ${dir}: synthesize the app with bundling on (not skipped by aws:cdk:bundling-stacks)`);
  return dir;
}

/** Bytes of every file under `dir`, as Lambda counts the unzipped package. */
export function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}
