/**
 * Starting and stopping the local servers (moto, Prometheus, Alertmanager) used by the tests and
 * `npm start`: a free loopback port, a log file per server, readiness polled with a bounded
 * timeout, and stop by PID.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readdirSync, readFileSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export interface RunningServer {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly logFile: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  name: string;
  command: string;
  args: (port: number) => string[];
  /** Path polled on the server until it answers 2xx. */
  readyPath: string;
  dataDir: string;
  port?: number;
  timeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. @default 5000 */
  stopTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const port = options.port ?? (await freePort());
  mkdirSync(options.dataDir, { recursive: true });
  const logFile = join(options.dataDir, `${options.name}.log`);
  const log = openSync(logFile, 'a');
  const child = spawn(options.command, options.args(port), {
    stdio: ['ignore', log, log],
    env: { ...process.env, ...options.env },
    detached: false,
  });
  closeSync(log);
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));
  child.on('error', (error) => (exited = `could not start: ${error.message}`));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (exited !== undefined || child.pid === undefined) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), options.stopTimeoutMs ?? 5_000)));
    if ((await Promise.race([gone, late])) === 'late') {
      child.kill('SIGKILL');
      await gone;
    }
    clearTimeout(timer);
  };
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (let attempt = 0; ; attempt++) {
    if (exited !== undefined) {
      throw new Error(`${options.name} ${exited} before it was ready on ${url}; its log (${logFile}) ends:\n${tail(logFile)}`);
    }
    try {
      const response = await fetch(`${url}${options.readyPath}`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `${options.name} was not ready on ${url}${options.readyPath} within ${options.timeoutMs ?? 30_000} ms; its log (${logFile}) ends:\n${tail(logFile)}`,
      );
    }
    await delay(Math.min(50 * 2 ** attempt, 500));
  }
  return { name: options.name, url, port, pid: child.pid!, logFile, dataDir: options.dataDir, stop };
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The PIDs of a process's descendants (children, their children, ...), read from /proc (Linux). */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ...", comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  for (let queue = [pid]; queue.length > 0;) {
    const next = children.get(queue.shift()!) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}
