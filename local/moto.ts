/**
 * moto_server, the AWS-compatible local endpoint, from a project-local Python virtual environment
 * (.venv, created on first use). `npm run setup` and .ci/run create it ahead of time.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startServer, type RunningServer } from './process.js';

export const MOTO_REQUIREMENT = 'moto[server]==5.2.5';
export const PROJECT_ROOT = resolve(import.meta.dirname, '..');
export const VENV_DIR = join(PROJECT_ROOT, '.venv');
const MOTO_BIN = join(VENV_DIR, 'bin', 'moto_server');

/** Creates .venv with moto if missing. Idempotent. */
export function ensureMoto(): string {
  if (existsSync(MOTO_BIN)) return MOTO_BIN;
  try {
    execFileSync('python3', ['-m', 'venv', VENV_DIR], { stdio: 'inherit' });
    execFileSync(join(VENV_DIR, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', MOTO_REQUIREMENT], { stdio: 'inherit' });
  } catch (cause) {
    throw new Error(
      `could not install ${MOTO_REQUIREMENT} into ${VENV_DIR}: install python3 with venv and pip (apt-get install python3-venv), or set AWS_ENDPOINT_URL to a running endpoint such as LocalStack`,
      { cause },
    );
  }
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
