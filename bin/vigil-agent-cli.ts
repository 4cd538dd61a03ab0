/**
 * `vigil-agent`: the host agent. `run` (the default) samples, spools and sends; `--dry-run` prints
 * samples and features and sends nothing; `check` tells whether this host is ready to send.
 */
import { Command } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { dryRun } from '../agent/cli/dry-run.js';
import { addConfigOptions, configFromFlags, type ConfigFlags } from '../agent/cli/options.js';
import { runAgent } from '../agent/cli/run.js';
import { ConfigError } from '../agent/config.js';

/** Exit code for configuration errors (EX_CONFIG): the systemd unit does not restart on it. */
const EXIT_CONFIG = 78;

const program = new Command('vigil-agent')
  .description('vigil host agent: collects host metrics, computes features, spools to disk and sends to Kinesis')
  .version(packageJson.version, '-V, --version', 'print the version and exit')
  .showHelpAfterError('(run `vigil-agent --help` for every command with examples)')
  .exitOverride((error) => process.exit(error.exitCode))
  .addHelpText(
    'after',
    `
Examples:
  vigil-agent --config /etc/vigil/agent.yaml          run (the default command)
  vigil-agent --dry-run --interval 1 --count 5        print 5 samples with features, send nothing
  vigil-agent check --stream vigil-metrics            is this host ready to send?
  vigil-agent run --help                              every option`,
  );

addConfigOptions(program.command('run', { isDefault: true }).description('sample, spool and send until SIGTERM (the default command)'))
  .option('--dry-run', 'print samples and features as JSON lines; send nothing, write nothing')
  .option('--count <n>', 'with --dry-run: stop after n samples')
  .addHelpText(
    'after',
    `
Configuration: file (YAML/JSON) < environment (VIGIL_AGENT_STREAM, VIGIL_AGENT_INTERVAL_SECONDS, ...) < flags.
AWS credentials come from the standard provider chain (instance role, profile, environment).

Examples:
  vigil-agent run --config /etc/vigil/agent.yaml
  vigil-agent --stream vigil-metrics --region eu-west-1 --tag env=prod --tag team=web
  vigil-agent --dry-run --interval 1 --count 5
  VIGIL_AGENT_STREAM=vigil-metrics VIGIL_AGENT_SPOOL_DIR=/tmp/vigil vigil-agent`,
  )
  .action(async (flags: ConfigFlags & { dryRun?: boolean; count?: string }) => {
    await guarded(async () => {
      const config = configFromFlags(flags);
      if (!flags.dryRun) return runAgent(config, { version: packageJson.version });
      const count = flags.count === undefined ? undefined : Number(flags.count);
      if (count !== undefined && !(Number.isInteger(count) && count > 0))
        throw new ConfigError(`--count ${JSON.stringify(flags.count)}: expected a whole number above 0`);
      return dryRun(config, { ...(count ? { count } : {}) });
    });
  });

addConfigOptions(program.command('check').description('check config, /proc, spool directory, AWS credentials and the stream; exit 1 when one fails'))
  .addHelpText(
    'after',
    `
Examples:
  vigil-agent check --config /etc/vigil/agent.yaml
  vigil-agent check --stream vigil-metrics --region eu-west-1`,
  )
  .action(async (flags: ConfigFlags) => {
    await guarded(async () => {
      // Loaded on demand: check uses the AWS SDK's Kinesis client, which `run` does not load (agent/sender/kinesis-client.ts).
      const { checkAgent } = await import('../agent/cli/check.js');
      const results = await checkAgent(configFromFlags(flags));
      for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(11)} ${r.detail}`);
      process.exitCode = results.every((r) => r.ok) ? 0 : 1;
    });
  });

async function guarded(action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    console.error(`vigil-agent: ${(error as Error).message}`);
    process.exit(error instanceof ConfigError ? EXIT_CONFIG : 1);
  }
  process.exit();
}

void program.parseAsync(process.argv);
