/**
 * Public AWS list prices used by `vigil cost`, all for us-east-1 (US East, N. Virginia), in USD,
 * as the pricing pages below published them on PRICES_AS_OF. Prices change: compare with the pages
 * before budgeting, and update this one file (and the date) when they differ. Free tiers are left
 * out on purpose: the estimate is for a fleet past them.
 */

export const PRICES_REGION = 'us-east-1';
export const PRICES_AS_OF = '2025-06-01';

/** Hours AWS bills in an average month. */
export const HOURS_PER_MONTH = 730;
export const GIB = 1024 ** 3;

/** A tiered unit price: `upTo` units (cumulative) at `usd` per unit; the last tier has no bound. */
export interface PriceTier {
  readonly upTo: number;
  readonly usd: number;
}

export const PRICES = {
  kinesis: {
    source: 'https://aws.amazon.com/kinesis/data-streams/pricing/',
    onDemand: {
      streamHour: 0.04,
      /** Per GB written; each record counts rounded up to the next 1 KiB. */
      ingestPerGb: 0.08,
      /** Per GB read by a shared-throughput consumer (the Lambda event source mapping); 1 KiB rounding too. */
      retrievalPerGb: 0.04,
      recordRoundingBytes: 1024,
      /** A new on-demand stream starts with capacity for 4 MB/s (4 shards) and grows with traffic. */
      minimumShards: 4,
    },
    provisioned: {
      shardHour: 0.015,
      /** Per million PUT payload units of 25 KB (each record rounded up to the next unit). */
      putPayloadUnitsPerMillion: 0.014,
      putPayloadUnitBytes: 25 * 1024,
      shardIngestBytesPerSecond: 1024 * 1024,
      shardRecordsPerSecond: 1000,
    },
  },
  lambda: {
    source: 'https://aws.amazon.com/lambda/pricing/',
    requestsPerMillion: 0.2,
    /** arm64 (Graviton) duration price per GB-second, by monthly GB-seconds. */
    arm64GbSecond: [
      { upTo: 7.5e9, usd: 0.0000133334 },
      { upTo: 18.75e9, usd: 0.0000120001 },
      { upTo: Infinity, usd: 0.0000106667 },
    ] satisfies PriceTier[],
  },
  timestream: {
    source: 'https://aws.amazon.com/timestream/pricing/ (LiveAnalytics)',
    /** Per million writes; a write is 1 KiB of records sent in one WriteRecords call, rounded up. */
    writesPerMillion: 0.5,
    writeUnitBytes: 1024,
    memoryStoreGbHour: 0.036,
    magneticStoreGbMonth: 0.03,
  },
  prometheus: {
    source: 'https://aws.amazon.com/prometheus/pricing/',
    /** Metric samples ingested, per sample (list price per 10 million divided out). */
    ingestPerSample: [
      { upTo: 2e9, usd: 0.9 / 1e7 },
      { upTo: 252e9, usd: 0.35 / 1e7 },
      { upTo: Infinity, usd: 0.16 / 1e7 },
    ] satisfies PriceTier[],
    storageGbMonth: 0.03,
    /** AWS: "Prometheus metrics samples (typically 1 or 2 bytes)"; the upper figure. */
    storedBytesPerSample: 2,
    /** Default retention of an Amazon Managed Service for Prometheus workspace. */
    retentionDays: 150,
    /** Query samples processed (rule evaluation and queries), per sample ($0.10 per billion). */
    querySample: 0.1 / 1e9,
  },
  s3: {
    source: 'https://aws.amazon.com/s3/pricing/ (S3 Standard)',
    storageGbMonth: 0.023,
    getPerThousand: 0.0004,
    putPerThousand: 0.005,
  },
  cloudwatchLogs: {
    source: 'https://aws.amazon.com/cloudwatch/pricing/ (Logs, standard class)',
    ingestPerGb: 0.5,
    storageGbMonth: 0.03,
  },
  grafana: {
    source: 'https://aws.amazon.com/grafana/pricing/',
    editorMonth: 9,
    viewerMonth: 5,
  },
  cloudwatch: {
    source: 'https://aws.amazon.com/cloudwatch/pricing/ (Metrics, Alarms)',
    /** Custom metrics per metric-month, by the number of metrics. */
    customMetricMonth: [
      { upTo: 10_000, usd: 0.3 },
      { upTo: 250_000, usd: 0.1 },
      { upTo: 1_000_000, usd: 0.05 },
      { upTo: Infinity, usd: 0.02 },
    ] satisfies PriceTier[],
    putMetricDataPerThousand: 0.01,
    /** Per alarm metric-month; an anomaly detection alarm counts 3 (the metric and the two band bounds). */
    standardAlarmMetricMonth: 0.1,
    highResolutionAlarmMetricMonth: 0.3,
    anomalyDetectionAlarmMetrics: 3,
  },
} as const;

/** Cost of `units` under tiered prices (each unit priced by the tier it falls in). */
export function tieredCost(units: number, tiers: readonly PriceTier[]): number {
  let cost = 0;
  let floor = 0;
  for (const tier of tiers) {
    if (units <= floor) break;
    cost += (Math.min(units, tier.upTo) - floor) * tier.usd;
    floor = tier.upTo;
  }
  return cost;
}
