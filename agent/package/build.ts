/**
 * Builds what hosts install: the agent as a single executable per architecture and its Debian and
 * RPM packages, in dist/ by default (dpkg-deb and rpmbuild: Debian's dpkg and rpm packages).
 *   npx tsx agent/package/build.ts [--arch x64|arm64 ...] [--out DIR]
 * gives dist/vigil-agent-linux-<arch>, dist/vigil-agent_<version>_<amd64|arm64>.deb and
 * dist/vigil-agent-<version>-1.<x86_64|aarch64>.rpm.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildDeb } from './deb.js';
import { buildRpm } from './rpm.js';
import { ARCHES, buildAgentExecutable, type Arch } from './executable.js';

const ROOT = resolve(import.meta.dirname, '../..');
export const packageVersion = (): string => (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export async function buildPackages(arches: readonly Arch[], outDir: string, log: (line: string) => void = console.log): Promise<string[]> {
  const built: string[] = [];
  for (const arch of arches) {
    const executable = await buildAgentExecutable(arch, join(outDir, `vigil-agent-linux-${arch}`), log);
    log(`built ${executable}`);
    const deb = buildDeb({ executable, arch, version: packageVersion(), outDir });
    log(`built ${deb}`);
    const rpm = buildRpm({ executable, arch, version: packageVersion(), outDir });
    log(`built ${rpm}`);
    built.push(executable, deb, rpm);
  }
  return built;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { arch: { type: 'string', multiple: true }, out: { type: 'string' } } });
  const arches = (values.arch ?? [...ARCHES]) as Arch[];
  for (const arch of arches) if (!ARCHES.includes(arch)) throw new Error(`--arch ${arch}: expected ${ARCHES.join(' or ')}`);
  await buildPackages(arches, resolve(values.out ?? join(ROOT, 'dist')));
}
