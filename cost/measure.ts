/**
 * Measures what one host sample costs in bytes and records along the pipeline, by running realistic
 * samples (the simulated fleet, through the real feature pipeline) through the real encoders:
 * the agent's wire sample, encodeWireRecord, toTimestreamRecord and toSeries under the
 * Prometheus write policy (core/write-policy.ts, as the sink applies it); and the size of a model
 * trainModel builds.
 */
import type { _Record } from '@aws-sdk/client-timestream-write';
import { toWireSample } from '../core/wire-sample.js';
import { toSeries } from '../core/alert-series.js';
import { bandReach, writeBand, type MetricReach, type SampleBand } from '../core/band.js';
import { BandSelector, DetailSelector, type WritePolicy } from '../core/write-policy.js';
import type { FeaturePipeline } from '../features/pipeline.js';
import { FEATURE_SET_VERSION, HOST_FEATURE_SET } from '../core/features.js';
import type { ScoredSample } from '../core/scored-sample.js';
import { toTimestreamRecord } from '../core/stored-result.js';
import { encodeWireRecord, WIRE_VERSION, type WireSample } from '../core/wire.js';
import { backfill } from '../simulate/backfill.js';
import { SimulatedFleet } from '../simulate/fleet.js';
import { trainModel } from '../models/train.js';
import { ArchiveObjectWriter } from '../core/archive.js';

export interface MeasureOptions {
  readonly intervalSeconds: number;
  /** Samples the agent packs into one Kinesis record. */
  readonly samplesPerRecord: number;
  /** The Prometheus write policy the sink applies. */
  readonly policy: WritePolicy;
  /**
   * Share of samples scored anomalous, spread evenly (each writes every series and one more: its
   * top metric). Default 0.01. Even spread is the dear case: real anomalies come in runs, which
   * share their minutes' detail points.
   */
  readonly anomalyShare?: number;
  /** Hosts measured (names and tags vary in length). Default 6. */
  readonly hosts?: number;
  /** Records measured per host. Default 5. */
  readonly recordsPerHost?: number;
}

export interface MeasuredSizes {
  readonly samplesPerRecord: number;
  /** Mean bytes of one Kinesis record (core/wire.ts) carrying samplesPerRecord samples. */
  readonly wireBytesPerRecord: number;
  /** Mean Timestream-metered size of one stored result (time, dimensions, measure names and values). */
  readonly timestreamBytesPerSample: number;
  /** Prometheus samples written per scored sample under the write policy, anomalies included. */
  readonly seriesSamplesPerSample: number;
  readonly policy: WritePolicy;
  /** Distinct series one host keeps active, and the bytes of their labels (stored metadata). */
  readonly seriesPerHost: number;
  readonly seriesLabelBytesPerHost: number;
  /** Bytes of a published model: model.onnx of a default forest plus its manifest. */
  readonly modelBytes: number;
  /** Stored bytes of one archived sample (core/archive.ts: a Parquet row, in objects of ARCHIVE_MEASURE_BATCH samples). */
  readonly archiveBytesPerSample: number;
}

/** Samples per archive object measured: a shard's batch of a fleet of a thousand hosts at 10 s is about 25 to 250. */
export const ARCHIVE_MEASURE_BATCH = 100;

const HISTORY_TICKS = 720;
/** Time over which the series points are counted: many detail intervals, so where they fall does not matter. */
const SERIES_COUNT_SECONDS = 6 * 3600;

/** A realistic model version string: the shape the model tools give a published model. */
const MODEL_VERSION = '20261121T120000Z-3f9a1c2b';

export function measureSizes(options: MeasureOptions): MeasuredSizes {
  const hosts = options.hosts ?? 6;
  const recordsPerHost = options.recordsPerHost ?? 5;
  const anomalyShare = options.anomalyShare ?? 0.01;
  if (!Number.isInteger(options.samplesPerRecord) || options.samplesPerRecord < 1) {
    throw new Error(`samplesPerRecord must be a whole number >= 1; got ${options.samplesPerRecord}`);
  }
  const fleet = new SimulatedFleet({ hosts, seed: 11 });
  const start = Date.UTC(2026, 10, 18, 15);
  // History of HISTORY_TICKS samples per host, whatever the interval: the features then carry the
  // values a running agent sends, not warm-up zeros, and the second half trains the model.
  const days = (HISTORY_TICKS * options.intervalSeconds) / 86_400;
  const { pipelines, rows } = backfill(fleet, { until: start, days, intervalSeconds: options.intervalSeconds, warmupHours: days * 12 });
  // A default forest (100 trees of 256 rows each): its size hardly depends on the data.
  const model = trainModel(rows, HOST_FEATURE_SET, { seed: 1 });
  const step = options.intervalSeconds * 1000;
  const pending = new Map<string, WireSample[]>();
  let wireBytes = 0;
  let records = 0;
  let timestreamBytes = 0;
  let scored = 0;
  const seriesKeys = new Map<string, Set<string>>();
  const archived: { sample: ScoredSample; features: Float32Array }[] = [];
  const reach = bandReach(model.manifest);
  const pipelineBand = { metrics: HOST_FEATURE_SET.metrics, values: new Float64Array(2 * HOST_FEATURE_SET.metrics.length) };
  let tick = 0;
  for (; records < hosts * recordsPerHost; tick++) {
    const t = start + tick * step;
    const reporting = fleet.sampleAt(t);
    for (const sample of reporting) {
      const features = pipelines.get(sample.host)!.push(sample, pipelineBand.values);
      const batch = pending.get(sample.host) ?? [];
      batch.push(toWireSample(tick, t, sample.values, features, pipelineBand));
      pending.set(sample.host, batch);
      if (batch.length === options.samplesPerRecord) {
        wireBytes += encodeWireRecord({ v: WIRE_VERSION, host: sample.host, tags: { ...sample.tags }, fs: FEATURE_SET_VERSION, samples: batch }).length;
        records++;
        pending.set(sample.host, []);
      }
      const result: ScoredSample = {
        host: sample.host,
        tags: sample.tags,
        seq: tick,
        time: t,
        metrics: sample.values,
        score: 0.4231,
        anomaly: false,
        severity: 'normal',
        confidence: 0.731,
        topMetric: HOST_FEATURE_SET.metrics[tick % HOST_FEATURE_SET.metrics.length]!,
        rankedMetrics: [
          ...HOST_FEATURE_SET.metrics.slice(tick % HOST_FEATURE_SET.metrics.length),
          ...HOST_FEATURE_SET.metrics.slice(0, tick % HOST_FEATURE_SET.metrics.length),
        ],
        modelVersion: MODEL_VERSION,
        recordVersion: start,
        band: scoredBand(pipelineBand.values, reach),
      };
      timestreamBytes += timestreamWriteSize(toTimestreamRecord(result));
      archived.push({ sample: result, features: Float32Array.from(features) });
      const keys = seriesKeys.get(sample.host) ?? new Set<string>();
      // Over time a host's anomalies blame each of its metrics once: one top-metric series each.
      for (const topMetric of HOST_FEATURE_SET.metrics) {
        for (const series of toSeries({ ...result, anomaly: true, topMetric }, 0.55, t + 2000, start)) keys.add(JSON.stringify(series.labels));
      }
      seriesKeys.set(sample.host, keys);
      scored++;
    }
  }
  const seriesSamplesPerSample = countSeriesSamples(fleet, pipelines, reach, options, anomalyShare, start + tick * step);
  const labelBytes = [...seriesKeys.values()].reduce((sum, keys) => sum + [...keys].reduce((s, k) => s + Buffer.byteLength(k), 0), 0);
  const seriesCount = [...seriesKeys.values()].reduce((sum, keys) => sum + keys.size, 0);
  return {
    samplesPerRecord: options.samplesPerRecord,
    wireBytesPerRecord: wireBytes / records,
    timestreamBytesPerSample: timestreamBytes / scored,
    seriesSamplesPerSample,
    policy: options.policy,
    seriesPerHost: seriesCount / seriesKeys.size,
    seriesLabelBytesPerHost: labelBytes / seriesKeys.size,
    modelBytes: model.onnx.byteLength + Buffer.byteLength(JSON.stringify(model.manifest)),
    archiveBytesPerSample: archivedBytes(archived) / archived.length,
  };
}

/** The band a scored sample carries (core/band.ts), from the pipeline's normals and scales and the model's reach. */
function scoredBand(values: Float64Array, reach: ReadonlyMap<string, MetricReach>): SampleBand {
  const metrics = HOST_FEATURE_SET.metrics;
  const bounds = new Float64Array(2 * metrics.length);
  metrics.forEach((metric, k) => writeBand(values[2 * k]!, values[2 * k + 1]!, reach.get(metric), bounds, 2 * k));
  return { metrics, bounds, at: 0 };
}

/**
 * Prometheus points per host sample over SERIES_COUNT_SECONDS of the fleet from `start` on, through
 * the sink's DetailSelector, BandSelector and toSeries: each host's samples go on through its feature
 * pipeline, so the band moves as a running host's does; each wire record is a batch of its own (as
 * when hosts are many), one sample in 1/anomalyShare is anomalous.
 */
function countSeriesSamples(
  fleet: SimulatedFleet,
  pipelines: ReadonlyMap<string, FeaturePipeline>,
  reach: ReadonlyMap<string, MetricReach>,
  options: MeasureOptions,
  anomalyShare: number,
  start: number,
): number {
  const selector = new DetailSelector(options.policy);
  const bands = new BandSelector();
  const ticks = Math.max(60, Math.ceil(SERIES_COUNT_SECONDS / options.intervalSeconds));
  const anomalyEvery = anomalyShare > 0 ? Math.max(1, Math.round(1 / anomalyShare)) : 0;
  const pipelineBand = new Float64Array(2 * HOST_FEATURE_SET.metrics.length);
  let points = 0;
  let samples = 0;
  const recordHasDetail = fleet.hostIds.map(() => false);
  for (let tick = 0; tick < ticks; tick++) {
    const time = start + tick * options.intervalSeconds * 1000;
    const reporting = fleet.sampleAt(time);
    const batch = reporting.map((h, k): ScoredSample => {
      const anomaly = anomalyEvery > 0 && (tick * reporting.length + k) % anomalyEvery === 0;
      pipelines.get(h.host)!.push(h, pipelineBand);
      return {
        host: h.host,
        tags: h.tags,
        seq: tick,
        time,
        metrics: h.values,
        band: scoredBand(pipelineBand, reach),
        score: anomaly ? 0.6231 : 0.4231,
        anomaly,
        severity: anomaly ? 'low' : 'normal',
        confidence: 0.731,
        topMetric: HOST_FEATURE_SET.metrics[0]!,
        rankedMetrics: HOST_FEATURE_SET.metrics,
        modelVersion: MODEL_VERSION,
        recordVersion: start,
      };
    });
    const detail = selector.select(batch);
    const bandPoints = bands.select(batch);
    // A record a batch: its last sample carries the lag when one of the record's samples has detail (lagCarriers).
    const endsRecord = (tick + 1) % options.samplesPerRecord === 0;
    batch.forEach((sample, k) => {
      recordHasDetail[k] = (tick % options.samplesPerRecord !== 0 && recordHasDetail[k]) || detail[k]!;
      points += toSeries(sample, 0.55, time + 2000, start, endsRecord && recordHasDetail[k], detail[k], bandPoints[k]).length;
      samples++;
    });
  }
  return points / samples;
}

const MEASURE_VALUE_BYTES: Record<string, number> = { DOUBLE: 8, BIGINT: 8, BOOLEAN: 1, TIMESTAMP: 8 };

/**
 * The size Timestream meters for one record: 8 bytes of time, plus the UTF-8 bytes of every
 * dimension name and value and measure name, plus each measure value (8 bytes for DOUBLE and
 * BIGINT, 1 for BOOLEAN, the UTF-8 bytes of a VARCHAR).
 */
export function timestreamWriteSize(record: _Record): number {
  const utf8 = (text: string | undefined): number => (text === undefined ? 0 : Buffer.byteLength(text));
  let size = 8;
  for (const d of record.Dimensions ?? []) size += utf8(d.Name) + utf8(d.Value);
  size += utf8(record.MeasureName);
  for (const m of record.MeasureValues ?? []) {
    size += utf8(m.Name) + (m.Type && m.Type in MEASURE_VALUE_BYTES ? MEASURE_VALUE_BYTES[m.Type]! : utf8(m.Value));
  }
  return size;
}

/** Bytes of the archive objects (core/archive.ts) the samples make, ARCHIVE_MEASURE_BATCH samples an object, as the archive sink writes them. */
function archivedBytes(samples: readonly { sample: ScoredSample; features: Float32Array }[]): number {
  let bytes = 0;
  for (let i = 0; i < samples.length; i += ARCHIVE_MEASURE_BATCH) {
    const writer = new ArchiveObjectWriter();
    for (const { sample, features } of samples.slice(i, i + ARCHIVE_MEASURE_BATCH)) writer.add(sample, features, 0, features.length, FEATURE_SET_VERSION);
    bytes += writer.bytes().byteLength;
  }
  return bytes;
}
