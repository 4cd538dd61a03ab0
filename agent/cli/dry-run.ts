/**
 * `vigil-agent --dry-run`: sample and compute features as `run` would, print each sample as a JSON
 * line on stdout, send nothing and touch neither the spool nor the saved state.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { HOST_FEATURE_SET } from '../../core/features.js';
import { FeaturePipeline } from '../../features/pipeline.js';
import { HostCollector } from '../collectors/host-collector.js';
import type { AgentConfig } from '../config.js';
import { toWireSample } from '../../core/wire-sample.js';

export async function dryRun(config: AgentConfig, options: { count?: number; write?: (line: string) => void } = {}): Promise<void> {
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const collector = new HostCollector({ procRoot: config.procRoot, detail: config.detail });
  const pipeline = new FeaturePipeline(HOST_FEATURE_SET);
  let stop = false;
  const onSignal = (): void => void (stop = true);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  collector.collect();
  for (let seq = 0; !stop && (options.count === undefined || seq < options.count); seq++) {
    await delay(config.intervalSeconds * 1000);
    const sample = collector.collect();
    if (!sample) continue;
    const band = { metrics: HOST_FEATURE_SET.metrics, values: new Float64Array(2 * HOST_FEATURE_SET.metrics.length) };
    const wire = toWireSample(seq, sample.t, sample.values, pipeline.push(sample, band.values), band);
    const features = Object.fromEntries(HOST_FEATURE_SET.names.map((name, i) => [name, wire.f[i]]));
    write(`${JSON.stringify({ host: config.host, tags: config.tags, seq, time: new Date(wire.t).toISOString(), metrics: wire.m, features, band: wire.b })}\n`);
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}
