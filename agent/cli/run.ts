/** `vigil-agent run`: sample, spool and send until SIGTERM/SIGINT, then flush within a bound. */
import { Agent } from '../agent.js';
import type { AgentConfig } from '../config.js';
import { HealthExporter } from '../health-metrics.js';
import { createLogger, rateLimitRepeats } from '../log.js';
import { requireSendingConfig } from './require.js';

/** How often a repeated warning (a retry during an outage) is logged at most. */
const REPEAT_WINDOW_MS = 60_000;

export async function runAgent(config: AgentConfig, { version }: { readonly version: string }): Promise<void> {
  const log = createLogger(config.logLevel);
  // Node prints warnings (e.g. the AWS SDK's Node version notice) as plain text: keep stderr JSON lines.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => log.warn('node warning', { name: warning.name, warning: warning.message.split('\n')[0] }));
  const sending = requireSendingConfig(config);
  const agent = new Agent(sending, { log: rateLimitRepeats(log, REPEAT_WINDOW_MS) });
  const exporter =
    config.metricsListen || config.metricsTextfile
      ? await HealthExporter.start({
          ...(config.metricsListen ? { listen: config.metricsListen } : {}),
          ...(config.metricsTextfile ? { textfile: config.metricsTextfile } : {}),
          textfileEveryMs: Math.max(config.intervalSeconds, 1) * 1000,
          counters: () => agent.counters(),
          info: { version, host: config.host, stream: sending.stream },
          log,
        })
      : undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info('stopping', { signal, shutdownTimeoutSeconds: config.shutdownTimeoutSeconds });
    agent.stop();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    await agent.run();
  } finally {
    await exporter?.close();
  }
}
