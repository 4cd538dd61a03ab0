/**
 * The simulated fleet's agents: each tick, every reporting host's sample goes through its own
 * feature pipeline and becomes a wire record, exactly as the real agent builds it (per-host
 * sequence numbers, the agent's wire sample rounding). What `npm start --simulate` puts on Kinesis.
 */
import { toWireSample } from '../core/wire-sample.js';
import { FEATURE_SET_VERSION } from '../core/features.js';
import { WIRE_VERSION, type WireRecord } from '../core/wire.js';
import type { FeaturePipeline } from '../features/pipeline.js';
import type { SimulatedFleet } from './fleet.js';

export class SimulatedAgents {
  private readonly seq = new Map<string, number>();

  /** `pipelines`: one per host of the fleet, warmed by backfill(). */
  constructor(
    private readonly fleet: SimulatedFleet,
    private readonly pipelines: ReadonlyMap<string, FeaturePipeline>,
  ) {
    const missing = fleet.hostIds.filter((host) => !pipelines.has(host));
    if (missing.length > 0)
      throw new Error(`no feature pipeline for simulated hosts ${missing.join(', ')}: pass the pipelines backfill() returned for this fleet`);
  }

  /** One wire record per reporting host at `timeMs` (one sample each); call with increasing times. */
  recordsAt(timeMs: number): WireRecord[] {
    return this.fleet.sampleAt(timeMs).map((sample) => {
      const seq = (this.seq.get(sample.host) ?? 0) + 1;
      this.seq.set(sample.host, seq);
      const pipeline = this.pipelines.get(sample.host)!;
      const band = { metrics: pipeline.featureSet.metrics, values: new Float64Array(2 * pipeline.featureSet.metrics.length) };
      const features = pipeline.push(sample, band.values);
      return {
        v: WIRE_VERSION,
        host: sample.host,
        tags: { ...sample.tags },
        fs: FEATURE_SET_VERSION,
        samples: [toWireSample(seq, sample.t, sample.values, features, band)],
      };
    });
  }
}
