/**
 * moto_server, the AWS-compatible local endpoint, from a project-local Python virtual environment
 * (.venv, installed on first use by scripts/setup.sh). `npm run setup` and .ci/run create it ahead of time.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startServer, type RunningServer } from './process.js';
import { ensureInstalled } from './setup.js';

export const MOTO_REQUIREMENT = 'moto[server]==5.2.5';
export const PROJECT_ROOT = resolve(import.meta.dirname, '..');
export const VENV_DIR = join(PROJECT_ROOT, '.venv');
const MOTO_BIN = join(VENV_DIR, 'bin', 'moto_server');

/** Installs moto into .venv on first use (scripts/setup.sh moto). Idempotent. */
export function ensureMoto(): string {
  if (!existsSync(MOTO_BIN)) ensureInstalled(['moto']);
  return MOTO_BIN;
}

export async function startMoto(dataDir: string): Promise<RunningServer> {
  const bin = ensureMoto();
  return startServer({
    name: 'moto_server',
    command: bin,
    args: (port) => ['-H', '127.0.0.1', '-p', String(port)],
    readyPath: '/moto-api/',
    dataDir,
  });
}
