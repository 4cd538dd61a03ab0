/**
 * The raw metrics every agent reports for a host, in feature order.
 * One source of truth: the agent's collectors fill these names, the default fleet model is trained
 * on them, and the scoring function reads them from each sample.
 */
export const HOST_METRICS = [
  'cpu_pct', // busy share of all CPUs, 0..100
  'load1_per_cpu', // 1-minute load average divided by the CPU count
  'mem_used_pct', // (total - available) / total, 0..100
  'swap_used_pct', // 0..100 (0 without swap)
  'disk_used_pct', // fullest real filesystem, 0..100
  'disk_read_bps', // bytes/s read, all block devices
  'disk_write_bps', // bytes/s written, all block devices
  'net_rx_bps', // bytes/s received, all non-loopback interfaces
  'net_tx_bps', // bytes/s sent, all non-loopback interfaces
  'net_errors_ps', // receive + transmit errors and drops per second
] as const;

export type HostMetric = (typeof HOST_METRICS)[number];

/** Metric names: lower snake case, so they are valid Timestream measure and Prometheus label values. */
export const METRIC_NAME_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;
