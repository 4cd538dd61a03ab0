/** The real agent as a child process of a test: its log, its exit, and killed after the test. */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach } from 'vitest';

const AGENT_BIN = resolve(import.meta.dirname, '../../bin/vigil-agent.js');

export interface AgentProcess {
  readonly child: ChildProcess;
  /** What it wrote to stderr (its JSON log), chunk by chunk. */
  readonly log: string[];
  /** Its exit code, or the signal that ended it. */
  readonly exited: Promise<number | string>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** `vigil-agent <args>` with the test's environment plus `env`; SIGKILLed after the test if still running. */
export function spawnAgent(args: readonly string[], env: NodeJS.ProcessEnv): AgentProcess {
  const child = spawn(process.execPath, [AGENT_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  const log: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  const exited = new Promise<number | string>((done) => child.once('exit', (code, signal) => done(signal ?? code ?? -1)));
  return { child, log, exited };
}
