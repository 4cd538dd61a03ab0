/**
 * The command-line flags every vigil-agent command shares: one per config key (agent/config.ts), named
 * as the key in kebab case, so a file, the environment and the flags accept the same keys
 * (intervalSeconds: `intervalSeconds:` in the file, VIGIL_AGENT_INTERVAL_SECONDS, --interval-seconds).
 * A few shorter names stay as aliases (--interval, --flush, --shutdown-timeout, --tag).
 */
import { Option, type Command } from 'commander';
import { CONFIG_KEYS, loadConfig, parseTags, type AgentConfig, type AgentConfigKey } from '../config.js';

export type ConfigFlags = { config?: string; tag?: string[] } & Partial<Record<AgentConfigKey | Alias, string | boolean>>;

/** The help of each key's flag: its argument (none for a true/false key) and what it sets. */
const FLAG_HELP: Record<AgentConfigKey, { readonly arg?: string; readonly help: string }> = {
  stream: { arg: 'name', help: 'Kinesis stream to send to' },
  region: { arg: 'region', help: 'AWS region of the stream (default: AWS_REGION)' },
  host: { arg: 'id', help: 'host id: partition key and host dimension (default: the host name)' },
  tags: { arg: 'key=value,...', help: 'tags sent with every sample (or --tag key=value, repeatable)' },
  intervalSeconds: { arg: 'seconds', help: 'sampling interval (default 10; alias --interval)' },
  flushSeconds: { arg: 'seconds', help: 'send at most this often; 0 = after each sample (default 0; alias --flush)' },
  startJitter: { arg: 'true|false', help: 'start after a random part of one interval (default true; --no-start-jitter = false)' },
  spoolDir: { arg: 'dir', help: 'spool and state directory (default /var/lib/vigil-agent)' },
  spoolMaxMb: { arg: 'mb', help: 'spool size bound; the oldest samples are dropped and counted beyond it (default 128)' },
  logLevel: { arg: 'level', help: 'debug, info, warn or error (default info)' },
  procRoot: { arg: 'dir', help: 'where /proc is mounted (default /proc)' },
  detail: { help: 'also send CPU by mode and per-device, per-interface metrics' },
  samplesPerRecord: { arg: 'n', help: 'most samples in one Kinesis record (default 60)' },
  maxBackoffSeconds: { arg: 'seconds', help: 'retry backoff cap (default 30)' },
  shutdownTimeoutSeconds: { arg: 'seconds', help: 'how long SIGTERM waits for the last send (default 5; alias --shutdown-timeout)' },
  stateSaveSeconds: { arg: 'seconds', help: 'how often the feature state is saved (default 60)' },
  healthLogSeconds: { arg: 'seconds', help: 'how often the health counters are logged (default 300)' },
  metricsListen: { arg: 'host:port', help: 'serve the agent health as Prometheus metrics on http://host:port/metrics (loopback only)' },
  metricsTextfile: { arg: 'file', help: "write the agent health as Prometheus metrics to this file (node_exporter's textfile collector)" },
};

/** Short flags kept from earlier releases: alias -> key. */
const ALIASES = { interval: 'intervalSeconds', flush: 'flushSeconds', shutdownTimeout: 'shutdownTimeoutSeconds' } as const;
type Alias = keyof typeof ALIASES;

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function addConfigOptions(command: Command): Command {
  command.option('-c, --config <file>', 'YAML or JSON config file (default: $VIGIL_AGENT_CONFIG, else /etc/vigil/agent.yaml when present)');
  for (const key of CONFIG_KEYS) {
    const { arg, help } = FLAG_HELP[key];
    command.option(`--${kebab(key)}${arg ? ` <${arg}>` : ''}`, help);
  }
  command.option('--tag <key=value>', 'a tag, sent with every sample (repeatable)', (value: string, previous: string[] = []) => [...previous, value]);
  command.option('--no-start-jitter', 'start sampling at once (startJitter false)');
  for (const [alias, key] of Object.entries(ALIASES)) command.addOption(new Option(`--${kebab(alias)} <${FLAG_HELP[key].arg}>`).hideHelp());
  return command;
}

/** File < environment < flags, validated; throws ConfigError naming key, value, source and rule. */
export function configFromFlags(flags: ConfigFlags): AgentConfig {
  const byKey: Partial<Record<AgentConfigKey, unknown>> = {};
  const flagNames: Partial<Record<AgentConfigKey, string>> = {};
  for (const key of CONFIG_KEYS) {
    if (flags[key] !== undefined) byKey[key] = flags[key];
  }
  for (const [alias, key] of Object.entries(ALIASES) as [Alias, AgentConfigKey][]) {
    if (flags[alias] === undefined) continue;
    byKey[key] = flags[alias];
    flagNames[key] = `--${kebab(alias)}`;
  }
  if (flags.tag) {
    byKey.tags = { ...(byKey.tags === undefined ? {} : parseTags(String(byKey.tags))), ...parseTags(flags.tag.join(',')) };
    flagNames.tags = flags.tags === undefined ? '--tag' : '--tags/--tag';
  }
  // commander sets startJitter=true unless --no-start-jitter: only the explicit "no" is a flag value.
  if (flags.startJitter === true) delete byKey.startJitter;
  if (flags.startJitter === false) flagNames.startJitter = '--no-start-jitter';
  return loadConfig({ ...(flags.config ? { file: flags.config } : {}), flags: byKey, flagNames });
}
