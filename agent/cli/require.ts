/** What sending needs beyond a valid config: a stream and a region. */
import { ConfigError, envName, type AgentConfig } from '../config.js';

export function requireSendingConfig(config: AgentConfig, env: NodeJS.ProcessEnv = process.env): AgentConfig & { stream: string } {
  if (!config.stream) {
    throw new ConfigError(
      `stream is not set: give the Kinesis stream name in the config file (stream: NAME), ${envName('stream')} or --stream (or use --dry-run to send nothing)`,
    );
  }
  if (!config.region && !env.AWS_REGION && !env.AWS_DEFAULT_REGION) {
    throw new ConfigError(
      `region is not set: give the stream's AWS region in the config file (region: eu-west-1), ${envName('region')}, --region or AWS_REGION`,
    );
  }
  return { ...config, stream: config.stream };
}
