/** The command-line flags every vigil-agent command shares, mapped onto config keys (agent/config.ts). */
import type { Command } from 'commander';
import { loadConfig, parseTags, type AgentConfig, type AgentConfigKey } from '../config.js';

export interface ConfigFlags {
  config?: string;
  stream?: string;
  region?: string;
  host?: string;
  tag?: string[];
  interval?: string;
  flush?: string;
  spoolDir?: string;
  spoolMaxMb?: string;
  logLevel?: string;
  procRoot?: string;
  detail?: boolean;
  startJitter?: boolean;
  samplesPerRecord?: string;
  shutdownTimeout?: string;
}

export function addConfigOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'YAML or JSON config file (default: $VIGIL_AGENT_CONFIG, else /etc/vigil/agent.yaml when present)')
    .option('--stream <name>', 'Kinesis stream to send to')
    .option('--region <region>', 'AWS region of the stream (default: AWS_REGION)')
    .option('--host <id>', 'host id: partition key and host dimension (default: the host name)')
    .option('--tag <key=value>', 'a tag, sent with every sample (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--interval <seconds>', 'sampling interval (default 10)')
    .option('--flush <seconds>', 'send at most this often; 0 = after each sample (default 0)')
    .option('--spool-dir <dir>', 'spool and state directory (default /var/lib/vigil-agent)')
    .option('--spool-max-mb <mb>', 'spool size bound; the oldest samples are dropped and counted beyond it (default 128)')
    .option('--log-level <level>', 'debug, info, warn or error (default info)')
    .option('--proc-root <dir>', 'where /proc is mounted (default /proc)')
    .option('--detail', 'also send CPU by mode and per-device, per-interface metrics')
    .option('--no-start-jitter', 'start sampling at once instead of after a random part of one interval')
    .option('--samples-per-record <n>', 'most samples in one Kinesis record (default 60)')
    .option('--shutdown-timeout <seconds>', 'how long SIGTERM waits for the last send (default 5)');
}

/** Flags whose names are not the config key in kebab case. */
const FLAG_NAMES: Partial<Record<AgentConfigKey, string>> = {
  tags: '--tag',
  intervalSeconds: '--interval',
  flushSeconds: '--flush',
  startJitter: '--no-start-jitter',
  shutdownTimeoutSeconds: '--shutdown-timeout',
};

/** File < environment < flags, validated; throws ConfigError naming key, value, source and rule. */
export function configFromFlags(flags: ConfigFlags): AgentConfig {
  const byKey: Partial<Record<AgentConfigKey, unknown>> = {
    stream: flags.stream,
    region: flags.region,
    host: flags.host,
    tags: flags.tag ? parseTags(flags.tag.join(',')) : undefined,
    intervalSeconds: flags.interval,
    flushSeconds: flags.flush,
    spoolDir: flags.spoolDir,
    spoolMaxMb: flags.spoolMaxMb,
    logLevel: flags.logLevel,
    procRoot: flags.procRoot,
    detail: flags.detail,
    // commander sets startJitter=true unless --no-start-jitter: only the explicit "no" is a flag value.
    startJitter: flags.startJitter === false ? false : undefined,
    samplesPerRecord: flags.samplesPerRecord,
    shutdownTimeoutSeconds: flags.shutdownTimeout,
  };
  return loadConfig({ ...(flags.config ? { file: flags.config } : {}), flags: byKey, flagNames: FLAG_NAMES });
}
