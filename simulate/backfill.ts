/**
 * History for the simulated fleet: days of samples before the live run, pushed through each host's
 * feature pipeline so the pipelines start warm (recent, long and seasonal normals known) and a
 * sample of the feature rows can train the baseline model.
 */
import { WARM_UP_MS } from '../features/warm-up.js';
import { HOST_FEATURE_SET, type FeatureSet } from '../core/features.js';
import { FeaturePipeline, type FeatureOptions } from '../features/pipeline.js';
import type { FleetSample, SimulatedFleet } from './fleet.js';
import { Random } from './random.js';

export interface HistoryOptions {
  /** First sample time, epoch ms. */
  readonly from: number;
  /** Samples are taken strictly before this time, epoch ms. */
  readonly until: number;
  readonly intervalSeconds: number;
}

/** The fleet's samples tick by tick over [from, until). */
export function* history(fleet: SimulatedFleet, options: HistoryOptions): Generator<FleetSample[]> {
  const step = options.intervalSeconds * 1000;
  if (!(step > 0)) throw new Error(`intervalSeconds must be > 0; got ${options.intervalSeconds}: pass the sampling interval, e.g. 10`);
  for (let t = options.from; t < options.until; t += step) yield fleet.sampleAt(t);
}

export interface BackfillOptions {
  /** The live run starts here (epoch ms); history ends one interval before. */
  readonly until: number;
  readonly days: number;
  readonly intervalSeconds: number;
  readonly featureSet?: FeatureSet;
  readonly featureOptions?: Partial<FeatureOptions>;
  /** Training rows kept, drawn evenly at random from all hosts after the warm-up (default 20000). */
  readonly maxTrainingRows?: number;
  /** The first hours only warm the pipelines; their rows are not training rows (default features/warm-up.ts: 24, capped at half the history). */
  readonly warmupHours?: number;
  readonly seed?: number;
}

export interface Backfill {
  /** Each host's pipeline, warmed on its history: push the live samples into these. */
  readonly pipelines: Map<string, FeaturePipeline>;
  /** Feature rows for training, ordered as the feature set names them. */
  readonly rows: Float64Array[];
  /** Samples pushed in all. */
  readonly samples: number;
  /** Time of the last history sample, epoch ms: live samples must come after it. */
  readonly lastTime: number;
}

export function backfill(fleet: SimulatedFleet, options: BackfillOptions): Backfill {
  if (!(options.days > 0)) throw new Error(`backfill needs days > 0; got ${options.days}: pass the days of history to simulate, e.g. 2`);
  const featureSet = options.featureSet ?? HOST_FEATURE_SET;
  const step = options.intervalSeconds * 1000;
  const ticks = Math.floor((options.days * 86_400_000) / step);
  const from = options.until - ticks * step;
  const warmupMs = options.warmupHours === undefined ? WARM_UP_MS : options.warmupHours * 3_600_000;
  const warmupEnd = from + Math.min(warmupMs, options.days * 12 * 3_600_000);
  const pipelines = new Map(fleet.hostIds.map((host) => [host, new FeaturePipeline(featureSet, options.featureOptions)]));
  const reservoir = new Reservoir<Float64Array>(options.maxTrainingRows ?? 20_000, Random.derive(options.seed ?? 1, 'backfill'));
  let samples = 0;
  let lastTime = from;
  for (const tick of history(fleet, { from, until: options.until, intervalSeconds: options.intervalSeconds })) {
    for (const sample of tick) {
      const features = pipelines.get(sample.host)!.push(sample);
      if (sample.t >= warmupEnd) reservoir.offer(features);
      samples++;
      lastTime = sample.t;
    }
  }
  return { pipelines, rows: reservoir.items, samples, lastTime };
}

/** Uniform sample of at most `size` items from a stream of unknown length (algorithm R). */
class Reservoir<T> {
  readonly items: T[] = [];
  private seen = 0;

  constructor(
    private readonly size: number,
    private readonly random: Random,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`maxTrainingRows must be a whole number >= 1; got ${size}`);
  }

  offer(item: T): void {
    this.seen++;
    if (this.items.length < this.size) {
      this.items.push(item);
      return;
    }
    const slot = Math.floor(this.random.next() * this.seen);
    if (slot < this.size) this.items[slot] = item;
  }
}
