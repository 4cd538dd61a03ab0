import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { descendantsOf, startServer } from '../../local/process.js';
import { until } from '../poll.js';

const dataDir = (): string => mkdtempSync(join(tmpdir(), 'vigil-process-'));

describe('local server start', () => {
  it('names the server and shows its log when it exits before it is ready', async () => {
    const start = startServer({ name: 'doomed', command: 'sh', args: () => ['-c', 'echo "bad flag --x" >&2; exit 3'], readyPath: '/', dataDir: dataDir() });
    await expect(start).rejects.toThrow(/doomed exited with 3 before it was ready on http:\/\/127\.0\.0\.1:\d+; its log \(.*doomed\.log\) ends:\nbad flag --x/);
  });

  it('gives up after the timeout, stops the process and names the path it polled', async () => {
    const start = startServer({ name: 'mute', command: 'sleep', args: () => ['30'], readyPath: '/ready', dataDir: dataDir(), timeoutMs: 300 });
    await expect(start).rejects.toThrow(/mute was not ready on http:\/\/127\.0\.0\.1:\d+\/ready within 300 ms/);
  });

  it('reports a command that cannot be started', async () => {
    const start = startServer({ name: 'ghost', command: 'no-such-binary-vigil', args: () => [], readyPath: '/', dataDir: dataDir() });
    await expect(start).rejects.toThrow(/ghost could not start: spawn no-such-binary-vigil ENOENT/);
  });

  it('starts a real server, waits for it and stops it by PID', async () => {
    const server = await startServer({
      name: 'http',
      command: process.execPath,
      args: (port) => ['-e', `require('http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`],
      readyPath: '/',
      dataDir: dataDir(),
    });
    expect(await (await fetch(server.url)).text()).toBe('ok');
    await server.stop();
    expect(() => process.kill(server.pid, 0)).toThrow();
  });
});

describe('descendantsOf', () => {
  it('finds the children of a process and their children, from /proc', async () => {
    const parent = spawn('sh', ['-c', 'sleep 30 & (sleep 30 & wait) & wait'], { stdio: 'ignore' });
    try {
      const found = await until(() => {
        const pids = descendantsOf(parent.pid!);
        return pids.length >= 3 && pids;
      }, 'three descendants');
      const commands = found.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]);
      expect(commands.filter((c) => c === 'sleep')).toHaveLength(2);
      expect(descendantsOf(found.find((_, i) => commands[i] === 'sh')!)).toHaveLength(1);
    } finally {
      for (const pid of descendantsOf(parent.pid!)) process.kill(pid, 'SIGKILL');
      parent.kill('SIGKILL');
    }
  });
});
