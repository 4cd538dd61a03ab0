/**
 * The monthly AWS cost of the pipeline for a fleet, per component, from the measured sizes of one
 * sample (cost/measure.ts) and the list prices (cost/prices.ts). Pure arithmetic, no I/O, so the
 * tests check each line by hand.
 */
import { HOST_METRICS } from '../core/host-metrics.js';
import { GIB, HOURS_PER_MONTH, PRICES, tieredCost } from './prices.js';
import type { MeasuredSizes } from './measure.js';

export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;

export type StreamMode = 'on-demand' | 'provisioned';
export type CostSink = 'prometheus' | 'timestream';

export interface CostInputs {
  readonly hosts: number;
  readonly intervalSeconds: number;
  readonly sinks: readonly CostSink[];
  readonly streamMode: StreamMode;
  /** Scoring function memory (MB), records per invocation and batching window: the stack's settings. */
  readonly functionMemoryMb: number;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  /** Wall time of one invocation: a fixed part plus a part per sample (decode, score, write). */
  readonly lambdaMsPerInvocation: number;
  readonly lambdaMsPerSample: number;
  /** Log bytes one invocation writes (platform START/END/REPORT lines and the metrics line). */
  readonly logBytesPerInvocation: number;
  readonly timestreamMemoryRetentionHours: number;
  readonly timestreamMagneticRetentionDays: number;
  /** Model versions kept in the bucket, and how often a warm function checks the pointer. */
  readonly modelVersionsKept: number;
  readonly modelRecheckSeconds: number;
  readonly grafanaEditors: number;
  readonly grafanaViewers: number;
  /** How often the CloudWatch agent would send its buffered metrics (its force_flush_interval). */
  readonly cloudwatchFlushSeconds: number;
  /** Keep every scored sample in the S3 history archive, and for how many days. */
  readonly archive: boolean;
  readonly archiveRetentionDays: number;
  /** Samples the alert rules read per host in a month (cost/rule-samples.ts), billed as Managed Prometheus query samples. */
  readonly ruleSamplesPerHostPerMonth: number;
}

export interface CostLine {
  readonly component: string;
  readonly item: string;
  /** Usage in the month, in words: "730 stream-hours". */
  readonly usage: string;
  readonly usd: number;
}

export interface CostEstimate {
  readonly inputs: CostInputs;
  readonly measured: MeasuredSizes;
  readonly samplesPerMonth: number;
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
  readonly perHostUsd: number;
  /** The same fleet on CloudWatch custom metrics with one anomaly detection alarm per metric. */
  readonly cloudwatch: { readonly lines: readonly CostLine[]; readonly totalUsd: number; readonly perHostUsd: number };
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');
const gb = (bytes: number): string => `${(bytes / GIB).toLocaleString('en-US', { maximumFractionDigits: bytes / GIB < 10 ? 3 : 1 })} GB`;

/** Shards Kinesis needs for this traffic: on-demand keeps room for twice the peak and at least 4. */
export function shardsFor(mode: StreamMode, bytesPerSecond: number, recordsPerSecond: number): number {
  const p = PRICES.kinesis.provisioned;
  const needed = Math.max(1, Math.ceil(bytesPerSecond / p.shardIngestBytesPerSecond), Math.ceil(recordsPerSecond / p.shardRecordsPerSecond));
  return mode === 'on-demand' ? Math.max(PRICES.kinesis.onDemand.minimumShards, 2 * needed) : needed;
}

/**
 * Invocations per second of a stream-triggered function: each shard's event source mapping invokes
 * once per batching window while records arrive, more often when a window holds over a batch.
 */
export function invocationsPerSecond(shards: number, recordsPerSecond: number, batchSize: number, windowSeconds: number): number {
  const perShard = recordsPerSecond / shards;
  const window = Math.max(windowSeconds, 1); // the mapping polls each shard about once a second
  if (perShard * window < 1) return recordsPerSecond; // sparse traffic: one record per invocation
  return shards * Math.max(1 / window, perShard / batchSize);
}

export function estimateCost(inputs: CostInputs, measured: MeasuredSizes): CostEstimate {
  validate(inputs);
  const lines: CostLine[] = [];
  const add = (component: string, item: string, usage: string, usd: number): void => void lines.push({ component, item, usage, usd });

  const samplesPerSecond = inputs.hosts / inputs.intervalSeconds;
  const samplesPerMonth = samplesPerSecond * SECONDS_PER_MONTH;
  const recordsPerSecond = samplesPerSecond / measured.samplesPerRecord;
  const recordsPerMonth = recordsPerSecond * SECONDS_PER_MONTH;
  const shards = shardsFor(inputs.streamMode, recordsPerSecond * measured.wireBytesPerRecord, recordsPerSecond);

  // Kinesis
  if (inputs.streamMode === 'on-demand') {
    const k = PRICES.kinesis.onDemand;
    const billedBytes = recordsPerMonth * Math.ceil(measured.wireBytesPerRecord / k.recordRoundingBytes) * k.recordRoundingBytes;
    add('Kinesis (on-demand)', 'stream hours', `${HOURS_PER_MONTH} stream-hours`, HOURS_PER_MONTH * k.streamHour);
    add('Kinesis (on-demand)', 'data in', `${gb(billedBytes)} (${count(recordsPerMonth)} records, 1 KB each rounded up)`, (billedBytes / GIB) * k.ingestPerGb);
    add('Kinesis (on-demand)', 'data out (scoring)', gb(billedBytes), (billedBytes / GIB) * k.retrievalPerGb);
  } else {
    const k = PRICES.kinesis.provisioned;
    const units = recordsPerMonth * Math.ceil(measured.wireBytesPerRecord / k.putPayloadUnitBytes);
    add('Kinesis (provisioned)', 'shard hours', `${shards} shards x ${HOURS_PER_MONTH} h`, shards * HOURS_PER_MONTH * k.shardHour);
    add('Kinesis (provisioned)', 'PUT payload units', `${count(units)} units of 25 KB`, (units / 1e6) * k.putPayloadUnitsPerMillion);
  }

  // Lambda
  const invocationsPerMonth = invocationsPerSecond(shards, recordsPerSecond, inputs.batchSize, inputs.maxBatchingWindowSeconds) * SECONDS_PER_MONTH;
  const samplesPerInvocation = samplesPerMonth / invocationsPerMonth;
  const secondsPerInvocation = (inputs.lambdaMsPerInvocation + inputs.lambdaMsPerSample * samplesPerInvocation) / 1000;
  const gbSeconds = invocationsPerMonth * secondsPerInvocation * (inputs.functionMemoryMb / 1024);
  add(
    'Lambda (arm64)',
    'requests',
    `${count(invocationsPerMonth)} invocations (${samplesPerInvocation.toFixed(1)} samples each)`,
    (invocationsPerMonth / 1e6) * PRICES.lambda.requestsPerMillion,
  );
  add(
    'Lambda (arm64)',
    'duration',
    `${count(gbSeconds)} GB-s (${(secondsPerInvocation * 1000).toFixed(0)} ms at ${inputs.functionMemoryMb} MB)`,
    tieredCost(gbSeconds, PRICES.lambda.arm64GbSecond),
  );
  const logBytes = invocationsPerMonth * inputs.logBytesPerInvocation;
  add('CloudWatch Logs', 'function logs', gb(logBytes), (logBytes / GIB) * PRICES.cloudwatchLogs.ingestPerGb);

  // Timestream
  if (inputs.sinks.includes('timestream')) {
    const t = PRICES.timestream;
    const recordsPerCall = Math.max(1, Math.min(100, Math.floor(samplesPerInvocation)));
    const writesPerCall = Math.ceil((recordsPerCall * measured.timestreamBytesPerSample) / t.writeUnitBytes);
    const writes = (samplesPerMonth / recordsPerCall) * writesPerCall;
    const bytesPerHour = samplesPerSecond * 3600 * measured.timestreamBytesPerSample;
    const memoryGbHours = ((bytesPerHour * inputs.timestreamMemoryRetentionHours) / GIB) * HOURS_PER_MONTH;
    const magneticBytes = bytesPerHour * 24 * inputs.timestreamMagneticRetentionDays;
    add('Timestream', 'writes', `${count(writes)} writes of 1 KB (${recordsPerCall} records per call)`, (writes / 1e6) * t.writesPerMillion);
    add(
      'Timestream',
      'memory store',
      `${count(memoryGbHours)} GB-hours (${inputs.timestreamMemoryRetentionHours} h kept)`,
      memoryGbHours * t.memoryStoreGbHour,
    );
    add(
      'Timestream',
      'magnetic store',
      `${gb(magneticBytes)} once ${inputs.timestreamMagneticRetentionDays} days are kept`,
      (magneticBytes / GIB) * t.magneticStoreGbMonth,
    );
  }

  // Amazon Managed Service for Prometheus
  if (inputs.sinks.includes('prometheus')) {
    const p = PRICES.prometheus;
    const ingested = samplesPerMonth * measured.seriesSamplesPerSample;
    const storedBytes = (ingested / DAYS_PER_MONTH) * p.retentionDays * p.storedBytesPerSample + inputs.hosts * measured.seriesLabelBytesPerHost;
    add(
      'Managed Prometheus',
      'samples ingested',
      `${count(ingested)} samples (${measured.seriesSamplesPerSample.toFixed(2)} per host sample)`,
      tieredCost(ingested, p.ingestPerSample),
    );
    add('Managed Prometheus', 'storage', `${gb(storedBytes)} once ${p.retentionDays} days are kept`, (storedBytes / GIB) * p.storageGbMonth);
    const ruleSamples = inputs.hosts * inputs.ruleSamplesPerHostPerMonth;
    add('Managed Prometheus', 'alert rule evaluation', `${count(ruleSamples)} query samples processed (dashboards not included)`, ruleSamples * p.querySample);
  }

  // S3: the model files, and each warm function instance reading the "current" pointer.
  const instances = shards; // one concurrent batch per shard (parallelization factor 1)
  const gets = instances * (SECONDS_PER_MONTH / inputs.modelRecheckSeconds);
  const s3Bytes = measured.modelBytes * inputs.modelVersionsKept;
  add('S3', 'model storage', gb(s3Bytes), (s3Bytes / GIB) * PRICES.s3.storageGbMonth);
  add('S3', 'pointer reads', `${count(gets)} GET requests`, (gets / 1000) * PRICES.s3.getPerThousand);

  // S3 history archive: one object per invocation (per UTC day of its samples, which adds one per
  // shard a day), kept archiveRetentionDays: in a steady month that many days of samples are stored.
  if (inputs.archive) {
    const puts = invocationsPerMonth;
    const storedBytes = samplesPerSecond * 86_400 * inputs.archiveRetentionDays * measured.archiveBytesPerSample;
    add('S3 (archive)', 'object writes', `${count(puts)} PUT requests (one per invocation)`, (puts / 1000) * PRICES.s3.putPerThousand);
    add(
      'S3 (archive)',
      'storage',
      `${gb(storedBytes)} once ${inputs.archiveRetentionDays} days are kept (${measured.archiveBytesPerSample.toFixed(0)} B a sample)`,
      (storedBytes / GIB) * PRICES.s3.storageGbMonth,
    );
  }

  // Managed Grafana
  const g = PRICES.grafana;
  add(
    'Managed Grafana',
    'users',
    `${inputs.grafanaEditors} editors, ${inputs.grafanaViewers} viewers`,
    inputs.grafanaEditors * g.editorMonth + inputs.grafanaViewers * g.viewerMonth,
  );

  const totalUsd = lines.reduce((sum, line) => sum + line.usd, 0);
  return { inputs, measured, samplesPerMonth, lines, totalUsd, perHostUsd: totalUsd / inputs.hosts, cloudwatch: cloudwatchCost(inputs) };
}

/**
 * The same fleet on CloudWatch: each raw metric a custom metric, sent by the CloudWatch agent, with
 * one anomaly detection alarm per metric (high resolution below a 60 s interval). Dashboards aside.
 */
function cloudwatchCost(inputs: CostInputs): CostEstimate['cloudwatch'] {
  const c = PRICES.cloudwatch;
  const metrics = inputs.hosts * HOST_METRICS.length;
  const requests = inputs.hosts * (SECONDS_PER_MONTH / Math.max(inputs.cloudwatchFlushSeconds, inputs.intervalSeconds));
  const highResolution = inputs.intervalSeconds < 60;
  const perAlarm = c.anomalyDetectionAlarmMetrics * (highResolution ? c.highResolutionAlarmMetricMonth : c.standardAlarmMetricMonth);
  const lines: CostLine[] = [
    { component: 'CloudWatch', item: 'custom metrics', usage: `${count(metrics)} metrics`, usd: tieredCost(metrics, c.customMetricMonth) },
    { component: 'CloudWatch', item: 'PutMetricData', usage: `${count(requests)} requests`, usd: (requests / 1000) * c.putMetricDataPerThousand },
    {
      component: 'CloudWatch',
      item: `anomaly detection alarms${highResolution ? ' (high resolution)' : ''}`,
      usage: `${count(metrics)} alarms x ${c.anomalyDetectionAlarmMetrics} alarm metrics`,
      usd: metrics * perAlarm,
    },
  ];
  const totalUsd = lines.reduce((sum, line) => sum + line.usd, 0);
  return { lines, totalUsd, perHostUsd: totalUsd / inputs.hosts };
}

function validate(inputs: CostInputs): void {
  const positive: (keyof CostInputs)[] = ['hosts', 'intervalSeconds', 'functionMemoryMb', 'batchSize', 'modelRecheckSeconds', 'cloudwatchFlushSeconds'];
  for (const key of positive) {
    const value = inputs[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new Error(`${key} must be a number > 0; got ${String(value)}`);
  }
  const nonNegative: (keyof CostInputs)[] = [
    'maxBatchingWindowSeconds',
    'lambdaMsPerInvocation',
    'lambdaMsPerSample',
    'logBytesPerInvocation',
    'timestreamMemoryRetentionHours',
    'timestreamMagneticRetentionDays',
    'modelVersionsKept',
    'grafanaEditors',
    'grafanaViewers',
    'ruleSamplesPerHostPerMonth',
  ];
  for (const key of nonNegative) {
    const value = inputs[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new Error(`${key} must be a number >= 0; got ${String(value)}`);
  }
}
