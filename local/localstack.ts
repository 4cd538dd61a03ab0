/**
 * LocalStack community as a host process (no Docker): the other AWS-compatible local endpoint, next
 * to moto_server. Installed into .localstack/ by scripts/setup-localstack.sh (`npm run setup`,
 * .ci/run, or on first use), started on a free loopback port, stopped by PID.
 *
 * What it needs to run outside its container, each set below: it must not believe it runs in one
 * (OVERRIDE_IN_DOCKER), must keep its files under the run's folder (FILESYSTEM_ROOT, TMPDIR,
 * XDG_CACHE_HOME), must not start a DNS server, download a certificate or send analytics, and
 * must answer with path-style SQS queue URLs on 127.0.0.1 (virtual-host ones are not valid URLs).
 * vigil's plugin (local/localstack-plugin) adds the Timestream write API that community lacks.
 */
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './moto.js';
import { descendantsOf, freePort, startServer, type RunningServer } from './process.js';
import { ensureInstalled } from './setup.js';

/**
 * The newest release that runs on this project's Python (3.11): 4.10.0 and later annotate with
 * `threading.Lock | None`, which Python before 3.13 cannot evaluate, and fail at import.
 */
export const LOCALSTACK_REQUIREMENT = 'localstack-core[runtime]==4.9.2';
/** kinesis-mock (npm `kinesis-local`), the version LocalStack 4.9.2 asks for. */
export const KINESIS_MOCK_VERSION = '0.4.13';
/** The Docker image of the same release (docker-compose.yml); it starts without an auth token. */
export const LOCALSTACK_IMAGE = 'localstack/localstack:4.9.2';

export const LOCALSTACK_HOME = join(PROJECT_ROOT, '.localstack');
const PYTHON = join(LOCALSTACK_HOME, 'venv', 'bin', 'python');
const MARKER = join(LOCALSTACK_HOME, 'installed');
const PLUGIN_DIR = join(PROJECT_ROOT, 'local', 'localstack-plugin');
/** Where the package manager put kinesis-mock (FILESYSTEM_ROOT of the install). */
const STATIC_LIBS = join(LOCALSTACK_HOME, 'packages', 'usr', 'lib', 'localstack');

/**
 * LocalStack's settings, the same for the host process and the container (docker-compose.yml reads
 * them from here through test/simulate/docker-compose.test.ts): the services vigil uses, path-style
 * queue URLs, no persistence, nothing sent out.
 */
export const LOCALSTACK_SETTINGS = {
  SQS_ENDPOINT_STRATEGY: 'path',
  PERSISTENCE: '0',
  // kinesis-mock otherwise writes every stream to disk every 5 s; no run needs that state back.
  KINESIS_PERSISTENCE: '0',
  DISABLE_EVENTS: '1',
  SKIP_SSL_CERT_DOWNLOAD: '1',
  // Functions are created and read back but never run: vigil's local poller drives the handler.
  LAMBDA_RUNTIME_EXECUTOR: 'vigil-no-runtime',
} as const;

/** Installs LocalStack and kinesis-mock into .localstack/ if missing or at other versions. Idempotent. */
export function ensureLocalStack(): string {
  if (existsSync(PYTHON) && existsSync(MARKER) && readFileSync(MARKER, 'utf8').startsWith(`${LOCALSTACK_REQUIREMENT} kinesis-local@${KINESIS_MOCK_VERSION} `)) {
    return PYTHON;
  }
  ensureInstalled(['localstack']);
  return PYTHON;
}

/** The environment of a LocalStack host process listening on 127.0.0.1:port, keeping its files under root. */
export function localStackEnvironment(port: number, root: string): NodeJS.ProcessEnv {
  const preload = `--import ${join(PLUGIN_DIR, 'loopback.mjs')}`;
  return {
    ...LOCALSTACK_SETTINGS,
    OVERRIDE_IN_DOCKER: '0',
    FILESYSTEM_ROOT: root,
    TMPDIR: join(root, 'tmp'),
    XDG_CACHE_HOME: join(root, 'cache'),
    GATEWAY_LISTEN: `127.0.0.1:${port}`,
    // Twisted, the default gateway server, binds every interface whatever GATEWAY_LISTEN says.
    GATEWAY_SERVER: 'hypercorn',
    LOCALSTACK_HOST: `127.0.0.1:${port}`,
    DNS_ADDRESS: '0',
    PYTHONPATH: [PLUGIN_DIR, process.env.PYTHONPATH].filter(Boolean).join(':'),
    // kinesis-mock binds every interface; the preload keeps it on loopback.
    NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' '),
  };
}

export async function startLocalStack(dataDir: string): Promise<RunningServer> {
  const python = ensureLocalStack();
  const root = join(dataDir, 'root');
  mkdirSync(join(root, 'usr', 'lib'), { recursive: true });
  mkdirSync(join(root, 'tmp'), { recursive: true });
  // The installed kinesis-mock, shared by every run; the rest of the file system is the run's own.
  if (!existsSync(join(root, 'usr', 'lib', 'localstack'))) symlinkSync(STATIC_LIBS, join(root, 'usr', 'lib', 'localstack'));
  const port = await freePort();
  const server = await startServer({
    name: 'localstack',
    command: python,
    args: () => ['-m', 'localstack.runtime.main'],
    port,
    env: localStackEnvironment(port, root),
    readyPath: '/_localstack/health',
    dataDir,
    timeoutMs: 60_000,
    // Its shutdown stops every service first, kinesis-mock included; under load that takes seconds.
    stopTimeoutMs: 15_000,
  });
  return {
    ...server,
    // LocalStack stops kinesis-mock on SIGTERM; if it had to be killed, what it started is stopped here, by PID.
    stop: async () => {
      const started = descendantsOf(server.pid).map((pid) => ({ pid, command: commandOf(pid) }));
      await server.stop();
      // Only a process still running the same command: a PID freed meanwhile may be another's.
      for (const { pid, command } of started) if (command !== undefined && commandOf(pid) === command) process.kill(pid, 'SIGKILL');
    },
  };
}

/** A running process's command line, or undefined once it is gone. */
function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8') || undefined;
  } catch {
    return undefined;
  }
}
