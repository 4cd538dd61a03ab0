/**
 * PromQL for each of vigil's host metrics (core/host-metrics.ts) from node_exporter's series, so a
 * fleet that already runs node_exporter can export its history (`vigil export --source prometheus`)
 * and train a model before any agent runs. Each query gives one series per host, in the unit and
 * definition the agent's collectors use (agent/collectors/):
 *
 * - placeholders: `$host` the label that names the host (default `instance`), `$filter` extra label
 *   matchers (the --hosts and --tags selection; may be empty: PromQL accepts `{}` and a trailing
 *   comma in matchers), `$window` the rate window;
 * - filesystems: the agent reads real filesystems only; FS_TYPES_LEFT_OUT names the pseudo ones;
 * - network: every interface but loopback; errors are receive and transmit errors plus drops.
 * A user whose exporter names its series otherwise passes a JSON file of their own (--queries).
 */
import type { HostMetric } from '../core/host-metrics.js';

/** Filesystem types the agent does not count (in memory, container layers, images, kernel). */
export const FS_TYPES_LEFT_OUT = 'tmpfs|devtmpfs|ramfs|overlay|squashfs|nsfs|autofs|proc|sysfs|cgroup2?|fuse.lxcfs';

const FS = `fstype!~"${FS_TYPES_LEFT_OUT}",$filter`;
const CPUS = 'count by ($host) (node_cpu_seconds_total{mode="idle",$filter})';

export const NODE_EXPORTER_QUERIES: Readonly<Record<HostMetric, string>> = {
  // Busy share of all CPUs: 100 minus idle and iowait, as the agent counts it.
  cpu_pct: `100 * (1 - sum by ($host) (rate(node_cpu_seconds_total{mode=~"idle|iowait",$filter}[$window])) / ${CPUS})`,
  load1_per_cpu: `max by ($host) (node_load1{$filter}) / ${CPUS}`,
  mem_used_pct: '100 * (1 - max by ($host) (node_memory_MemAvailable_bytes{$filter}) / max by ($host) (node_memory_MemTotal_bytes{$filter}))',
  // 0 without swap (the total is then 0: divided by at least 1 byte).
  swap_used_pct:
    '100 * (max by ($host) (node_memory_SwapTotal_bytes{$filter}) - max by ($host) (node_memory_SwapFree_bytes{$filter})) / clamp_min(max by ($host) (node_memory_SwapTotal_bytes{$filter}), 1)',
  // The fullest filesystem: used / (used + available to users), as df and the agent count it.
  disk_used_pct: `max by ($host) (100 * (node_filesystem_size_bytes{${FS}} - node_filesystem_free_bytes{${FS}}) / (node_filesystem_size_bytes{${FS}} - node_filesystem_free_bytes{${FS}} + node_filesystem_avail_bytes{${FS}}))`,
  disk_read_bps: 'sum by ($host) (rate(node_disk_read_bytes_total{$filter}[$window]))',
  disk_write_bps: 'sum by ($host) (rate(node_disk_written_bytes_total{$filter}[$window]))',
  net_rx_bps: 'sum by ($host) (rate(node_network_receive_bytes_total{device!="lo",$filter}[$window]))',
  net_tx_bps: 'sum by ($host) (rate(node_network_transmit_bytes_total{device!="lo",$filter}[$window]))',
  // Four sums, not one over a __name__ regex: rate() drops the names, and the four series of one
  // interface would then collide.
  net_errors_ps: ['receive_errs', 'transmit_errs', 'receive_drop', 'transmit_drop']
    .map((counter) => `sum by ($host) (rate(node_network_${counter}_total{device!="lo",$filter}[$window]))`)
    .join(' + '),
};

export interface QueryContext {
  /** The label naming the host. */
  readonly hostLabel: string;
  /** Label matchers, comma-separated, or ''. */
  readonly filter: string;
  /** A PromQL duration, e.g. `1m`. */
  readonly window: string;
}

/** A query template with its placeholders filled in. */
export function expandQuery(template: string, context: QueryContext): string {
  // One pass, so a value that contains a placeholder's name is inserted as it is.
  const values: Record<string, string> = { host: context.hostLabel, filter: context.filter, window: context.window };
  return template.replace(/\$(host|filter|window)\b/g, (_, name: string) => values[name]!);
}
