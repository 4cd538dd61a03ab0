/** Test data for the scoring function: small ONNX models, wire records, Kinesis events. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamRecord } from 'aws-lambda';
import { FEATURE_SET_VERSION, HOST_FEATURE_SET, PER_METRIC_FEATURES, type FeatureSet } from '../../core/features.js';
import type { Manifest } from '../../core/manifest.js';
import { encodeWireRecord, WIRE_VERSION, type WireRecord, type WireSample } from '../../core/wire.js';
import { buildManifest } from '../../model-store/artifact.js';
import { attr, DataType, encodeModel, tensor } from '../../models/onnx/proto.js';

export const T0 = Date.UTC(2026, 10, 21, 12, 0, 0);
export const WIDTH = HOST_FEATURE_SET.names.length;

/**
 * A z-score model: score = mean over features of |x - center| / scale, times `gain`.
 * Normal test samples (features 0.1) score 0.1 * gain; a sample with one metric's own block at
 * FAR_FEATURE scores 2.2 * gain with the agent's feature set. Threshold 1; severity cut points 1, 1.5, 2, 3.
 */
export function zscoreModel(
  options: {
    name?: string;
    version?: string;
    createdAt?: Date;
    gain?: number;
    featureSet?: FeatureSet;
    /** A broken model that loads: input of this many features whatever the manifest says; NaN scores; [N, 2] scores. */
    broken?: { inputWidth: number } | 'nan' | 'pairs';
  } = {},
): {
  onnx: Uint8Array;
  manifest: Manifest;
} {
  const featureSet = options.featureSet ?? HOST_FEATURE_SET;
  const f = featureSet.names.length;
  const gain = options.gain ?? 1;
  const broken = options.broken;
  const w = typeof broken === 'object' ? broken.inputWidth : f;
  const pairs = broken === 'pairs';
  const onnx = encodeModel({
    opsets: { '': 13 },
    graph: {
      name: 'zscore',
      inputs: [{ name: 'features', elemType: DataType.FLOAT, shape: ['N', w] }],
      outputs: [{ name: 'score', elemType: DataType.FLOAT, shape: pairs ? ['N', 2] : ['N'] }],
      initializers: [
        tensor.float('center', [w], new Array<number>(w).fill(0)),
        tensor.float('scale', [w], new Array<number>(w).fill(broken === 'nan' ? 0 : 1 / gain)),
      ],
      nodes: [
        { opType: 'Sub', input: ['features', 'center'], output: ['deviation'] },
        { opType: 'Div', input: ['deviation', 'scale'], output: ['z'] },
        { opType: 'Abs', input: ['z'], output: ['distance'] },
        pairs
          ? { opType: 'ReduceMean', input: ['distance'], output: ['mean'], attribute: [attr.ints('axes', [1]), attr.int('keepdims', 1)] }
          : { opType: 'ReduceMean', input: ['distance'], output: ['score'], attribute: [attr.ints('axes', [1]), attr.int('keepdims', 0)] },
        ...(pairs ? [{ opType: 'Concat', input: ['mean', 'mean'], output: ['score'], attribute: [attr.int('axis', 1)] }] : []),
      ],
    },
  });
  const manifest = buildManifest({
    name: options.name ?? 'zscore',
    onnx,
    featureSet,
    threshold: 1,
    severity: { low: 1, medium: 1.5, high: 2, critical: 3 },
    baseline: { center: new Array<number>(f).fill(0), scale: new Array<number>(f).fill(1) },
    training: { algorithm: 'zscore', rows: 1, params: { gain } },
    ...(options.version ? { version: options.version } : {}),
    ...(options.createdAt ? { createdAt: options.createdAt } : {}),
  });
  return { onnx, manifest };
}

/** A far-off feature's value in test samples. */
export const FAR_FEATURE = 30;

/** Features of a normal sample, or of one whose `metric` is far off (its own block's features at FAR_FEATURE). */
export function features(anomalousMetric?: string): number[] {
  const f = new Array<number>(WIDTH).fill(0.1);
  if (anomalousMetric) {
    const m = HOST_FEATURE_SET.metrics.indexOf(anomalousMetric);
    if (m < 0) throw new Error(`unknown metric ${anomalousMetric}`);
    const per = PER_METRIC_FEATURES.length;
    for (let k = m * per; k < (m + 1) * per; k++) f[k] = FAR_FEATURE;
  }
  return f;
}

export function sample(seq: number, options: { t?: number; anomalous?: string } = {}): WireSample {
  return {
    seq,
    t: options.t ?? T0 + seq * 10_000,
    m: { cpu_pct: options.anomalous === 'cpu_pct' ? 99 : 12.5, mem_used_pct: 40 },
    f: features(options.anomalous),
  };
}

export function wireRecord(host: string, samples: WireSample[], tags?: Record<string, string>): WireRecord {
  return { v: WIRE_VERSION, host, fs: FEATURE_SET_VERSION, samples, ...(tags ? { tags } : {}) };
}

export function encode(record: WireRecord): Uint8Array {
  return encodeWireRecord(record);
}

/** Kinesis event records as Lambda delivers them, one per payload. */
export function kinesisRecords(payloads: readonly Uint8Array[], shardId = 'shardId-000000000000', firstSequence = 1000): KinesisStreamRecord[] {
  return payloads.map((data, i) => {
    const sequenceNumber = String(BigInt('49600000000000000000000000000000000000000000000000000000') + BigInt(firstSequence + i));
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: `p${i}`,
        sequenceNumber,
        data: Buffer.from(data).toString('base64'),
        approximateArrivalTimestamp: T0 / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/test',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/test',
    };
  });
}

/**
 * Logger and metrics that print nothing (metrics are still recorded and can be read). Metrics made
 * later from these (singleMetric) read the environment again, so the switch stays on for the file.
 */
export function quietTools(): { logger: Logger; metrics: Metrics } {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  return { logger: new Logger({ logLevel: 'SILENT' }), metrics: new Metrics({ namespace: 'vigil-test', serviceName: 'score-test' }) };
}
