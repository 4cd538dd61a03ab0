/** Agent configuration: file < environment < flags, and errors that name key, value, source and rule. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, envName, loadConfig } from '../../agent/config.js';
import { requireSendingConfig } from '../../agent/cli/require.js';

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'vigil-config-')), name);
  writeFileSync(path, text);
  return path;
}

describe('agent config', () => {
  it('defaults: 10 s interval, start jitter, 128 MB spool, no tags', () => {
    const config = loadConfig({ env: {} });
    expect(config).toMatchObject({ intervalSeconds: 10, startJitter: true, spoolMaxMb: 128, tags: {}, logLevel: 'info', procRoot: '/proc' });
    expect(config.host.length).toBeGreaterThan(0);
  });

  it('YAML file, then environment, then flags, each overriding the one before', () => {
    const path = file('agent.yaml', 'stream: from-file\nregion: eu-west-1\nintervalSeconds: 30\ntags:\n  env: prod\n');
    const env = { [envName('intervalSeconds')]: '20', [envName('stream')]: 'from-env', VIGIL_AGENT_START_JITTER: 'false' };
    const config = loadConfig({ file: path, env, flags: { stream: 'from-flag' } });
    expect(config).toMatchObject({ stream: 'from-flag', region: 'eu-west-1', intervalSeconds: 20, tags: { env: 'prod' }, startJitter: false });
  });

  it('reads JSON files too, and tags from the environment as key=value pairs', () => {
    const path = file('agent.json', JSON.stringify({ stream: 's', spoolMaxMb: 2 }));
    expect(loadConfig({ file: path, env: { VIGIL_AGENT_TAGS: 'env=prod, team=web' } })).toMatchObject({
      stream: 's',
      spoolMaxMb: 2,
      tags: { env: 'prod', team: 'web' },
    });
  });

  it('a bad value names the key, the value, where it came from and the rule', () => {
    expect(() => loadConfig({ env: { VIGIL_AGENT_INTERVAL_SECONDS: 'ten' } })).toThrow(
      /intervalSeconds is "ten" \(from environment VIGIL_AGENT_INTERVAL_SECONDS\): expected a number of seconds; correct it in the environment VIGIL_AGENT_INTERVAL_SECONDS, or leave it out for the default \(10\)/,
    );
    expect(() => loadConfig({ env: {}, flags: { intervalSeconds: '0.01' } })).toThrow(
      /intervalSeconds is 0.01 \(from flag --interval-seconds\): must be at least 0.1; correct it in the flag --interval-seconds/,
    );
    const path = file('agent.yaml', 'logLevel: loud\n');
    expect(() => loadConfig({ file: path, env: {} })).toThrow(
      new RegExp(
        `logLevel is "loud" \\(from file ${path}\\): expected one of debug, info, warn, error; correct it in the file ${path}, or leave it out for the default \\("info"\\)`,
      ),
    );
  });

  it('a reserved or malformed tag key is rejected with the rule', () => {
    expect(() => loadConfig({ env: {}, flags: { tags: { host: 'x' } } })).toThrow(/tags\.host.*reserved/);
    expect(() => loadConfig({ env: {}, flags: { tags: { 'Bad-Key': 'x' } } })).toThrow(/lower snake case/);
  });

  it('unknown keys are named with the list of known ones (catches typos)', () => {
    const path = file('agent.yaml', 'streem: x\n');
    expect(() => loadConfig({ file: path, env: {} })).toThrow(
      /streem is "x" \(from file .*\): unknown key; remove it, or rename it to one of the keys: stream, region/,
    );
  });

  it('every problem is reported at once, as a ConfigError', () => {
    try {
      loadConfig({ env: { VIGIL_AGENT_SPOOL_MAX_MB: '-1', VIGIL_AGENT_DETAIL: 'maybe' } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(/spoolMaxMb is -1.*\n.*detail is "maybe".*expected true or false/s);
    }
  });

  it('a missing or unparsable file is an error naming the file', () => {
    expect(() => loadConfig({ file: '/nonexistent/agent.yaml', env: {} })).toThrow(/cannot read the config file \/nonexistent\/agent.yaml \(ENOENT\)/);
    expect(() => loadConfig({ file: file('a.yaml', '- a\n- b\n'), env: {} })).toThrow(/must hold a mapping of keys.*got a list/);
  });

  it('sending needs a stream and a region, with the ways to give them', () => {
    const config = loadConfig({ env: {} });
    expect(() => requireSendingConfig(config, {})).toThrow(/stream is not set.*VIGIL_AGENT_STREAM.*--stream/);
    expect(() => requireSendingConfig({ ...config, stream: 's' }, {})).toThrow(/region is not set.*AWS_REGION/);
    expect(requireSendingConfig({ ...config, stream: 's' }, { AWS_REGION: 'eu-west-1' }).stream).toBe('s');
  });
});
