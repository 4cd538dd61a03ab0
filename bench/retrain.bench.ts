/**
 * Area `retrain`: one retraining run's compute (models/retrain/challenge.ts: train a challenger on
 * the archive sample, score both models on the held-back day, replay hosts with injected
 * incidents) for fleets of 1,000 and 10,000 hosts with 7 days archived at a 10 s interval, with the
 * retraining function's defaults: at most 200,000 training rows sampled from the 7 days (of 60.5 and
 * 605 million archived samples) and the whole held-back day of 50 hosts (8,640 samples each).
 * Archive rows are built in memory as the reader returns them (ArchiveRow objects, features float32)
 * from simulated hosts through the real feature pipeline; S3 listing and reads are not included.
 * - seconds.hosts_N: wall time of the run.
 * - peak_rss_mb.hosts_N: the most resident memory seen during the run (sampled every 50 ms),
 *   archive rows included; Lambda's limit is 10,240 MB, the function's default 3,008 MB.
 */
import type { ArchiveRow } from '../core/archive.js';
import { FEATURE_SET_VERSION, HOST_FEATURE_SET } from '../core/features.js';
import { FeaturePipeline } from '../features/pipeline.js';
import { seededRandom } from '../models/forest/random.js';
import { challenge } from '../models/retrain/challenge.js';
import { trainModel } from '../models/train.js';
import { SimulatedFleet } from '../simulate/fleet.js';
import type { BenchArea, BenchResult } from './types.js';

const DAY = 86_400_000;
const START = Date.UTC(2026, 10, 1);
const TRAINING_DAYS = 7;
const MAX_TRAINING_ROWS = 200_000;
const EVALUATION_HOSTS = 50;
const SIMULATED_HOSTS = 30;

function row(host: string, seq: number, t: number, metrics: Record<string, number>, features: Float64Array): ArchiveRow {
  return {
    host,
    tags: { env: 'prod' },
    seq,
    time: t,
    metrics,
    features: Float32Array.from(features),
    feature_set: FEATURE_SET_VERSION,
    score: 0.3,
    anomaly: false,
    severity: 'normal',
    confidence: 0,
    top_metric: 'cpu_pct',
    model_version: 'v0',
  };
}

/** A pool of training-day samples (30 simulated hosts, 7 days at 60 s) and 50 hosts' held-back day at 10 s. */
function simulate(): { pool: ArchiveRow[]; heldBack: ArchiveRow[] } {
  const fleet = new SimulatedFleet({ hosts: SIMULATED_HOSTS, seed: 4 });
  const pipelines = new Map(fleet.hostIds.map((h) => [h, new FeaturePipeline(HOST_FEATURE_SET)]));
  const pool: ArchiveRow[] = [];
  let seq = 0;
  for (let t = START; t < START + TRAINING_DAYS * DAY; t += 60_000) {
    for (const s of fleet.sampleAt(t)) {
      const f = pipelines.get(s.host)!.push(s);
      if (t >= START + DAY) pool.push(row(s.host, seq, t, s.values, f));
    }
    seq++;
  }
  const evaluation = new SimulatedFleet({ hosts: EVALUATION_HOSTS, seed: 8 });
  const evalPipelines = new Map(evaluation.hostIds.map((h) => [h, new FeaturePipeline(HOST_FEATURE_SET)]));
  const heldBack: ArchiveRow[] = [];
  const day = START + TRAINING_DAYS * DAY;
  for (let t = day - DAY; t < day + DAY; t += t < day ? 60_000 : 10_000) {
    for (const s of evaluation.sampleAt(t)) {
      const f = evalPipelines.get(s.host)!.push(s);
      if (t >= day) heldBack.push(row(s.host, seq, t, s.values, f));
    }
    seq++;
  }
  return { pool, heldBack };
}

const area: BenchArea = {
  area: 'retrain',
  description: `one retraining run for 1,000 and 10,000 hosts x ${TRAINING_DAYS} days (sampled to ${MAX_TRAINING_ROWS.toLocaleString('en-US')} training rows, ${EVALUATION_HOSTS} held-back hosts)`,
  async run() {
    const { pool, heldBack } = simulate();
    const random = seededRandom(3);
    const championRows = Array.from({ length: 20_000 }, () => pool[Math.floor(random() * pool.length)]!);
    const champion = trainModel(
      championRows.map((r) => r.features),
      HOST_FEATURE_SET,
      { seed: 1 },
    );
    const results: BenchResult[] = [];
    for (const hosts of [1_000, 10_000]) {
      // The reader's sample: rows of random hosts at random times; hosts renamed to spread over the fleet.
      const training = Array.from({ length: MAX_TRAINING_ROWS }, () => {
        const r = pool[Math.floor(random() * pool.length)]!;
        return { ...r, host: `host-${Math.floor(random() * hosts)}` };
      });
      let peak = process.memoryUsage().rss;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
      const started = performance.now();
      const result = await challenge({
        featureSet: HOST_FEATURE_SET,
        training,
        heldBack,
        champion: { onnx: champion.onnx, manifest: champion.manifest },
        marks: [],
        seed: 1,
      });
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      const archived = hosts * TRAINING_DAYS * 8_640;
      results.push(
        {
          metric: `seconds.hosts_${hosts}`,
          value: Number(seconds.toFixed(1)),
          unit: 's',
          note: `${result.data.trainingRows.toLocaleString('en-US')} training rows sampled from ${(archived / 1e6).toFixed(1)} M archived; ${result.data.heldBackRows.toLocaleString('en-US')} held-back rows of ${result.data.heldBackHosts} hosts; ${result.challengerFigures.incidentsInjected} incidents injected; Lambda allows 900 s`,
        },
        {
          metric: `peak_rss_mb.hosts_${hosts}`,
          value: Math.round(peak / 2 ** 20),
          unit: 'MB',
          note: 'most resident memory during the run, archive rows included (sampled every 50 ms)',
        },
      );
    }
    return results;
  },
};
export default area;
