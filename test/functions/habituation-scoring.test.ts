/**
 * The scoring function with a trained model (its ONNX graph takes the habituation input): a host's
 * metric that goes out again after an excursion that ended scores lower than the first time, while
 * the excursion in progress and every other host keep their full score.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { HOST_FEATURE_SET } from '../../core/features.js';
import type { WireSample } from '../../core/wire.js';
import { loadedModel, type LoadedModel } from '../../functions/score/model-cache.js';
import { prepareBatch } from '../../functions/score/process-batch.js';
import { createOnnxScorer } from '../../model-store/onnx-scorer.js';
import { seededRandom } from '../../models/forest/random.js';
import { trainModel } from '../../models/train.js';
import { encode, kinesisRecords, T0, WIDTH, wireRecord } from './fixtures.js';

const MINUTE = 60_000;
const random = seededRandom(77);
const normalRow = (): number[] => Array.from({ length: WIDTH }, () => random() - 0.5);
/** A normal row with the first metric's features far out. */
const outRow = (): number[] => {
  const row = normalRow();
  const per = WIDTH / HOST_FEATURE_SET.metrics.length;
  for (let k = 0; k < per; k++) row[k] = 40;
  return row;
};

let model: LoadedModel;
beforeAll(async () => {
  const trained = trainModel(
    Array.from({ length: 2000 }, () => normalRow()),
    HOST_FEATURE_SET,
    { seed: 5, trees: 30 },
  );
  model = loadedModel(trained.manifest, await createOnnxScorer(trained.onnx, WIDTH, 'test'));
});

function sampleAt(minute: number, row: number[]): WireSample {
  return { seq: minute, t: T0 + minute * MINUTE, m: { cpu_pct: 1 }, f: row };
}

async function scores(host: string, samples: WireSample[]): Promise<number[]> {
  const { scored } = await prepareBatch(kinesisRecords([encode(wireRecord(host, samples))]), model, [], 0, T0);
  return scored.samples.map((s) => s.score);
}

describe('scoring with each host’s memory of its excursions', () => {
  it('scores a recurrence within hours lower than the first excursion, and the excursion in progress in full', async () => {
    expect(model.habituation?.width).toBe(HOST_FEATURE_SET.metrics.length);
    const far = outRow();
    // An excursion of 20 minutes: every sample of it scores as the first (nothing has ended yet).
    const first = await scores('web-1', [...Array.from({ length: 20 }, (_, m) => sampleAt(m, far)), sampleAt(20, normalRow())]);
    expect(new Set(first.slice(0, 20)).size).toBe(1);
    expect(first[0]).toBeGreaterThanOrEqual(model.manifest.threshold);
    // An hour later the same metric goes as far out again: it scores lower on this host, as before on another.
    const [again] = await scores('web-1', [sampleAt(80, far)]);
    const [elsewhere] = await scores('web-2', [sampleAt(80, far)]);
    expect(elsewhere).toBe(first[0]);
    expect(again).toBeLessThan(first[0]!);
  });

  it('scores a sample delivered again as a model without habituation does', async () => {
    const far = outRow();
    await scores('db-1', [sampleAt(0, far), sampleAt(1, normalRow())]);
    const [once] = await scores('db-1', [sampleAt(60, far)]);
    const [redelivered] = await scores('db-1', [sampleAt(60, far)]);
    const [fresh] = await scores('db-2', [sampleAt(60, far)]);
    expect(once).toBeLessThan(fresh!);
    expect(redelivered).toBe(fresh);
  });
});
