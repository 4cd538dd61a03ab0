/**
 * Runs a command line as compiled JavaScript: bin/<entry>.ts bundled by esbuild into
 * dist/cli/<name>.mjs (project code compiled, packages left to node_modules), built on first use and
 * again whenever one of its source files is newer than the build. Starting from JavaScript instead
 * of compiling TypeScript at every start takes `vigil --help` from over a second to a fraction of one
 * (npm run bench -- --only cli).
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');
export const COMPILED_DIR = join(ROOT, 'dist', 'cli');

/** Compiles bin/<entry> when needed and runs it. */
export async function runCompiled(entry, name) {
  const out = await compiled(entry, name);
  // V8 keeps the compiled code of the bundle and the packages it loads on disk (in the system's
  // temporary folder) for the next start: about a quarter less CPU per start (Node.js 22.1 and later).
  nodeModule.enableCompileCache?.();
  await import(pathToFileURL(out).href);
}

/** The path of the compiled command line, built or rebuilt first when a source is newer. */
export async function compiled(entry, name) {
  const out = join(COMPILED_DIR, `${name}.mjs`);
  if (!isFresh(out)) await compile(join(ROOT, 'bin', entry), out);
  return out;
}

/** Built, and no source it was built from (listed beside it) changed since. */
function isFresh(out) {
  try {
    const built = statSync(out).mtimeMs;
    const inputs = JSON.parse(readFileSync(`${out}.inputs.json`, 'utf8'));
    return inputs.every((input) => statSync(join(ROOT, input)).mtimeMs <= built);
  } catch {
    return false;
  }
}

async function compile(entryPath, out) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    // Installed without development dependencies: run what was built, if anything was.
    try {
      statSync(out);
      return;
    } catch {
      throw new Error(`${out} is not built and esbuild is not installed: run npm ci in ${ROOT}`);
    }
  }
  mkdirSync(COMPILED_DIR, { recursive: true });
  // Several processes may build at once (tests): each writes its own file, then renames it into place.
  const tmp = `${out}.${process.pid}.tmp.mjs`;
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [entryPath],
    outfile: tmp,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node24',
    metafile: true,
    logLevel: 'error',
  });
  const inputs = [...Object.keys(result.metafile.inputs), 'package.json'];
  writeFileSync(`${tmp}.inputs.json`, JSON.stringify(inputs));
  renameSync(`${tmp}.inputs.json`, `${out}.inputs.json`);
  renameSync(tmp, out);
}
