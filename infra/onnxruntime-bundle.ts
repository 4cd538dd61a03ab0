/**
 * onnxruntime-node cannot be bundled by esbuild (it loads a native addon by a computed path), and the
 * npm package carries the binaries of every platform (~290 MB, over Lambda's 250 MB unzipped limit).
 * So the function bundle keeps it external and these commands copy into the asset only what runs
 * on the function's platform: the JavaScript of onnxruntime-node and onnxruntime-common, and the
 * linux/<arch> binaries (~25 MB).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const ONNXRUNTIME_PACKAGE = 'onnxruntime-node';
const COMMON_PACKAGE = 'onnxruntime-common';
/** The N-API directory onnxruntime-node 1.x loads its binding from. */
const NAPI_DIR = 'napi-v6';

/** Lambda architecture name to Node's process.arch, which onnxruntime-node's binary path uses. */
export type NodeArch = 'arm64' | 'x64';

/** Shell commands copying the runtime's platform files into `outputDir/node_modules`. */
export function onnxruntimeCopyCommands(outputDir: string, arch: NodeArch, fromDir: string): string[] {
  const runtimeDir = packageDir(ONNXRUNTIME_PACKAGE, fromDir);
  const commonDir = packageDir(COMMON_PACKAGE, runtimeDir);
  const binaries = join(runtimeDir, 'bin', NAPI_DIR, 'linux', arch);
  if (!existsSync(binaries)) {
    throw new Error(`${ONNXRUNTIME_PACKAGE} has no Linux ${arch} binaries at ${binaries}; reinstall it (the Lambda asset needs them) with \`npm ci\``);
  }
  const runtimeOut = join(outputDir, 'node_modules', ONNXRUNTIME_PACKAGE);
  const commonOut = join(outputDir, 'node_modules', COMMON_PACKAGE);
  const binariesOut = join(runtimeOut, 'bin', NAPI_DIR, 'linux', arch);
  return [
    `mkdir -p ${q(binariesOut)} ${q(commonOut)}`,
    `cp ${q(join(runtimeDir, 'package.json'))} ${q(runtimeOut)}/`,
    `cp -R ${q(join(runtimeDir, 'dist'))} ${q(runtimeOut)}/`,
    `cp ${q(binaries)}/* ${q(binariesOut)}/`,
    `cp ${q(join(commonDir, 'package.json'))} ${q(commonOut)}/`,
    `cp -R ${q(join(commonDir, 'dist'))} ${q(commonOut)}/`,
    // Source maps of the runtime's own JavaScript are not needed to run it.
    `find ${q(runtimeOut)} ${q(commonOut)} -name '*.map' -delete`,
  ];
}

/** The directory of an installed package as Node resolves it from `fromDir`. */
function packageDir(name: string, fromDir: string): string {
  let entry: string;
  try {
    entry = createRequire(join(fromDir, 'noop.js')).resolve(name);
  } catch (error) {
    throw new Error(`cannot find ${name} from ${fromDir}: install the project's dependencies with \`npm ci\` before synthesizing`, { cause: error });
  }
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
  }
  throw new Error(`cannot find the package.json of ${name} above ${entry}: reinstall it with \`npm ci\``);
}

/** Single-quotes a path for sh. */
function q(path: string): string {
  return `'${path.replaceAll("'", `'\\''`)}'`;
}
