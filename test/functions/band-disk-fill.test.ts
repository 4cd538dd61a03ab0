/**
 * The model's band through the real path: a simulated host's agent (feature pipeline, wire
 * version 3), the scoring function's reader and scorer with the shipped default model, and the
 * band each scored sample carries. The complaint: during a disk fill the old band (the
 * past hour's mean ± 2σ in PromQL) rose with the value, which never left it. The model's band
 * follows the host's long normal, and the filling disk leaves it, upwards, as the alert says.
 * The same samples from agents of the previous release (wire version 2) are scored alike, without
 * a band.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeWireRecord, WIRE_VERSION_WITHOUT_BAND, type WireRecord } from '../../core/wire.js';
import type { ScoredSample } from '../../core/scored-sample.js';
import { readBatch } from '../../functions/score/records.js';
import { scoreRecords } from '../../functions/score/score-batch.js';
import type { LoadedModel } from '../../functions/score/model-cache.js';
import { readModelDir } from '../../model-store/artifact.js';
import { defaultModelDir } from '../../model-store/default-model.js';
import { createOnnxScorer } from '../../model-store/onnx-scorer.js';
import { backfill } from '../../simulate/backfill.js';
import { SimulatedFleet } from '../../simulate/fleet.js';
import { SimulatedAgents } from '../../simulate/simulated-agents.js';

const START = Date.UTC(2026, 10, 18, 15);
const INTERVAL_S = 10;
const FILL_START = START + 20 * 60_000;
const FILL_END = FILL_START + 8 * 60_000;

let model: LoadedModel;
let scored: ScoredSample[];
let host: string;
/** The same samples as wire version 2 records, as agents of the previous release send them. */
let v2Records: KinesisStreamRecord[];

function kinesisRecord(data: Uint8Array, n: number): KinesisStreamRecord {
  return {
    eventID: `shardId-000000000000:${n}`,
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/vigil',
    kinesis: { data: Buffer.from(data).toString('base64'), partitionKey: 'h', sequenceNumber: String(n), approximateArrivalTimestamp: 0 },
  } as unknown as KinesisStreamRecord;
}

beforeAll(async () => {
  const artifact = readModelDir(defaultModelDir());
  model = {
    manifest: artifact.manifest,
    scorer: await createOnnxScorer(artifact.onnx, artifact.manifest.featureSet.names.length, 'default'),
    createdMs: Date.parse(artifact.manifest.createdAt),
  };
  const fleet = new SimulatedFleet({ hosts: 1, seed: 3 });
  host = fleet.hostIds[0]!;
  fleet.inject([{ id: 'fill', kind: 'disk_filling', host, start: FILL_START, end: FILL_END, intensity: 0.6 }]);
  const { pipelines } = backfill(fleet, { until: START, days: 1, intervalSeconds: INTERVAL_S });
  const agents = new SimulatedAgents(fleet, pipelines);
  const records: KinesisStreamRecord[] = [];
  v2Records = [];
  for (let t = START; t < FILL_END; t += INTERVAL_S * 1000) {
    for (const r of agents.recordsAt(t)) {
      records.push(kinesisRecord(encodeWireRecord(r), records.length));
      const v2 = { ...r, v: WIRE_VERSION_WITHOUT_BAND, samples: r.samples.map(({ b: _b, ...sample }) => sample) } as WireRecord;
      v2Records.push(kinesisRecord(encodeWireRecord(v2), v2Records.length));
    }
  }
  const read = readBatch(records, model.scorer.featureCount);
  expect(read.rejected).toEqual([]);
  scored = (await scoreRecords(read.accepted, model, read.features)).samples;
});

const bandOf = (s: ScoredSample, metric: string): [number, number] => {
  const k = s.band!.metrics.indexOf(metric);
  return [s.band!.bounds[s.band!.at + 2 * k]!, s.band!.bounds[s.band!.at + 2 * k + 1]!];
};

describe('the band during a simulated disk fill', () => {
  it('holds the disk usage before the fill, and the value leaves it upwards during the fill while the band stays near the old normal', () => {
    const before = scored.filter((s) => s.time < FILL_START);
    const during = scored.filter((s) => s.time >= FILL_START);
    for (const s of before) {
      const [lower, upper] = bandOf(s, 'disk_used_pct');
      expect(s.metrics.disk_used_pct!, `seq ${s.seq}`).toBeGreaterThanOrEqual(lower);
      expect(s.metrics.disk_used_pct!, `seq ${s.seq}`).toBeLessThanOrEqual(upper);
    }
    const outside = during.filter((s) => s.metrics.disk_used_pct! > bandOf(s, 'disk_used_pct')[1]);
    // The fill adds several percent a minute: the value is above the band for most of it.
    expect(outside.length).toBeGreaterThan(during.length / 2);
    const last = during[during.length - 1]!;
    const firstUpper = bandOf(during[0]!, 'disk_used_pct')[1];
    const rise = last.metrics.disk_used_pct! - during[0]!.metrics.disk_used_pct!;
    expect(rise).toBeGreaterThan(15);
    // The band's upper bound moved far less than the value (the old band rose with it).
    expect(bandOf(last, 'disk_used_pct')[1] - firstUpper).toBeLessThan(rise / 4);
  });

  it('says "above" for every anomalous sample whose top metric is above its band', () => {
    const flagged = scored.filter((s) => s.anomaly && s.time >= FILL_START);
    expect(flagged.length).toBeGreaterThan(0);
    for (const s of flagged) {
      const value = s.metrics[s.topMetric]!;
      const [lower, upper] = bandOf(s, s.topMetric);
      if (value > upper) expect(s.topDirection, `seq ${s.seq} ${s.topMetric}`).toBe('above');
      if (value < lower) expect(s.topDirection, `seq ${s.seq} ${s.topMetric}`).toBe('below');
    }
    expect(flagged.some((s) => s.topMetric === 'disk_used_pct' && s.topDirection === 'above')).toBe(true);
  });
});

describe('agents of the previous release (wire version 2)', () => {
  it('are still scored, the same scores and verdicts, without a band', async () => {
    const read = readBatch(v2Records, model.scorer.featureCount);
    expect(read.rejected).toEqual([]);
    const old = (await scoreRecords(read.accepted, model, read.features)).samples;
    expect(old.map((s) => [s.seq, s.score, s.severity, s.topMetric])).toEqual(scored.map((s) => [s.seq, s.score, s.severity, s.topMetric]));
    expect(old.every((s) => s.band === undefined)).toBe(true);
    // Their anomalies still say which way the top metric went, from its features.
    expect(old.filter((s) => s.anomaly).every((s) => s.topDirection === 'above' || s.topDirection === 'below')).toBe(true);
  });
});
