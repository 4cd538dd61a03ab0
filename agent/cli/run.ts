/** `vigil-agent run`: sample, spool and send until SIGTERM/SIGINT, then flush within a bound. */
import { Agent } from '../agent.js';
import type { AgentConfig } from '../config.js';
import { createLogger } from '../log.js';
import { requireSendingConfig } from './require.js';

export async function runAgent(config: AgentConfig): Promise<void> {
  const log = createLogger(config.logLevel);
  // Node prints warnings (e.g. the AWS SDK's Node version notice) as plain text: keep stderr JSON lines.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => log.warn('node warning', { name: warning.name, warning: warning.message.split('\n')[0] }));
  const agent = new Agent(requireSendingConfig(config), { log });
  const onSignal = (signal: NodeJS.Signals): void => {
    log.info('stopping', { signal, shutdownTimeoutSeconds: config.shutdownTimeoutSeconds });
    agent.stop();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  await agent.run();
}
