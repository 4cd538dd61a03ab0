/**
 * Builds the agent as one self-contained JavaScript file (dist/vigil-agent.mjs by default): what a
 * host installs. No node_modules and no TypeScript loader at run time keeps the agent's start fast
 * and its resident memory low (the loader and unbundled modules cost tens of MB on a small VM).
 *   npx tsx agent/build.ts [out-file]
 */
import { build, type Plugin } from 'esbuild';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const AGENT_ENTRY = resolve(import.meta.dirname, '../bin/vigil-agent-cli.ts');
export const DEFAULT_BUNDLE = resolve(import.meta.dirname, '../dist/vigil-agent.mjs');

/**
 * Node flags the agent runs with (agent/systemd/vigil-agent.service repeats them): a small young
 * generation, and the interpreter only: per sample the agent runs little JavaScript, and without
 * the optimising compiler it stays ~7 MB smaller at the same CPU time (npm run bench -- --only agent).
 */
export const AGENT_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=64', '--lite-mode'];

/**
 * Environment the agent runs with (agent/systemd/vigil-agent.service repeats it; a test holds the two
 * equal). glibc gives each thread that allocates its own malloc arena, and node's V8 and libuv
 * threads then keep several partly used ones; two arenas hold up to about 1.5 MB less private
 * memory at the same CPU time, though not in every run (npm run bench -- --only agent:
 * `agent.rss_private_mb` against `agent.rss_private_default_malloc_mb`). glibc reads it before any
 * JavaScript runs, so a single executable cannot set it for itself: the unit does.
 */
export const AGENT_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/**
 * zod re-exports the error messages of every language it knows (`z.locales`, ~350 KB); the agent
 * uses English only, which zod registers by itself, so the language index is left out.
 */
const withoutZodLocales: Plugin = {
  name: 'without-zod-locales',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: 'zod-locales', namespace: 'empty' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

/** The bundle as an ES module (what install.sh installs), or CommonJS (what a single executable runs: agent/package/executable.ts). */
export async function buildAgentBundle(outfile = DEFAULT_BUNDLE, format: 'esm' | 'cjs' = 'esm'): Promise<string> {
  await build({
    entryPoints: [AGENT_ENTRY],
    outfile,
    bundle: true,
    platform: 'node',
    format,
    target: 'node24',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [withoutZodLocales],
    // Some bundled CommonJS packages call require(); give the ESM bundle one.
    ...(format === 'esm'
      ? { banner: { js: "import { createRequire as __vigilRequire } from 'node:module'; const require = __vigilRequire(import.meta.url);" } }
      : {}),
  });
  return outfile;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = await buildAgentBundle(process.argv[2] ? resolve(process.argv[2]) : undefined);
  console.log(`built ${out}`);
}
