/**
 * First-use installation of the local servers and tools: scripts/setup.sh for the pieces asked
 * (`npm start` and the test run's global setup ask for what they need). Cheap when everything is
 * installed (the script checks files and PATH only); otherwise the script says what it installs
 * before it does, and where it cannot (no root for apt, no network) its last line is the one-line fix.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The pieces scripts/setup.sh installs (its PIECES). */
export const SETUP_PIECES = ['node', 'prometheus', 'moto', 'python', 'rpm', 'localstack'] as const;
export type SetupPiece = (typeof SETUP_PIECES)[number];

const ROOT = resolve(import.meta.dirname, '..');
const SETUP_SCRIPT = join(ROOT, 'scripts', 'setup.sh');

/** The Node.js major version the project runs on: that of .node-version (what the set-up installs). */
export const NODE_MAJOR = Number(readFileSync(join(ROOT, '.node-version'), 'utf8').split('.')[0]);

/** Installs the pieces that are missing; throws, naming them, when the set-up could not. */
export function ensureInstalled(pieces: readonly SetupPiece[]): void {
  try {
    // The script's words (what it installs, or the fix) go to this process's terminal as they come.
    execFileSync('bash', [SETUP_SCRIPT, ...pieces], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (cause) {
    throw new Error(`could not install what is missing of ${pieces.join(', ')}: the set-up's last line above says why and what to run`, { cause });
  }
}

/**
 * Refuses an older Node.js with the one-line fix: the set-up installs Node.js 24 into .tools/node,
 * which must then come first on PATH (a running process cannot switch its own runtime).
 */
export function requireNodeMajor(version = process.versions.node): void {
  const major = Number(version.split('.')[0]);
  if (major >= NODE_MAJOR) return;
  throw new Error(
    `this is Node.js ${version}; vigil needs Node.js ${NODE_MAJOR}: run \`bash scripts/setup.sh node && export PATH="$PWD/.tools/node/bin:$PATH"\`, then run the command again`,
  );
}
