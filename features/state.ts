/**
 * The pipeline's state and its plain-JSON snapshot, so the agent can save it and restore it after
 * a restart. The snapshot names the feature set it belongs to; restoring it for another one fails.
 */
import * as z from 'zod';
import { featureBlocks, logViewsText, type FeatureSet } from '../core/features.js';
import { LogViewsSchema } from '../core/manifest.js';
import { describeIssues } from '../core/wire.js';
import type { FeatureOptions } from './options.js';
import { emptyEwma, type EwmaState } from './robust-ewma.js';
import { DAY_BUCKETS, emptySeasonal, WEEK_BUCKETS, type SeasonalState } from './seasonal.js';

export const SNAPSHOT_FORMAT = 'vigil-feature-state';

export interface MetricState {
  /** Last accepted (finite, valid) value, or null before the first one. */
  last: number | null;
  short: EwmaState;
  long: EwmaState;
  /** Robust scale of the sample-to-sample change, for the rate feature. */
  change: EwmaState;
  /**
   * Robust scale of the sample-to-sample changes that are not 0: the size of a typical move. A
   * quantised or mostly-constant metric (a count, a flag, a share in steps) moves by at least its
   * step; its deviation scales are floored by this, so one ordinary step is not an extreme.
   */
  step: EwmaState;
  seasonal: SeasonalState;
}

export interface PipelineState {
  /** Time of the latest sample (epoch ms), or null before the first. */
  lastT: number | null;
  /** Typical sampling interval (ms), learned from the time steps that were not gaps. */
  interval: number | null;
  metrics: MetricState[];
}

export const emptyMetricState = (): MetricState => ({
  last: null,
  short: emptyEwma(),
  long: emptyEwma(),
  change: emptyEwma(),
  step: emptyEwma(),
  seasonal: emptySeasonal(),
});

export const emptyPipelineState = (metricCount: number): PipelineState => ({
  lastT: null,
  interval: null,
  metrics: Array.from({ length: metricCount }, emptyMetricState),
});

// Compact JSON: an EWMA is [mean, mad, n], a seasonal bucket [mean, mad, n, coveredMs].
const finite = z.number().refine(Number.isFinite, 'expected a finite number');
const ewmaJson = z.tuple([finite, finite.refine((v) => v >= 0, 'expected >= 0'), finite.refine((v) => v >= 0, 'expected >= 0')]);
const bucketJson = z.tuple([finite, finite, finite, finite]);
const metricJson = z.strictObject({
  last: finite.nullable(),
  short: ewmaJson,
  long: ewmaJson,
  change: ewmaJson,
  step: ewmaJson,
  day: z.array(bucketJson).length(DAY_BUCKETS),
  week: z.array(bucketJson).length(WEEK_BUCKETS),
});
const SnapshotSchema = z.strictObject({
  format: z.literal(SNAPSHOT_FORMAT),
  featureSetVersion: z.number().int(),
  metrics: z.array(z.string()),
  logViews: LogViewsSchema.optional(),
  options: z.record(z.string(), z.unknown()),
  lastT: finite.nullable(),
  interval: finite.nullable(),
  state: z.array(metricJson),
});

export type Snapshot = z.infer<typeof SnapshotSchema>;

export function toSnapshot(featureSet: FeatureSet, options: FeatureOptions, state: PipelineState): Snapshot {
  const ewma = (e: EwmaState): [number, number, number] => [e.mean, e.mad, e.n];
  return {
    format: SNAPSHOT_FORMAT,
    featureSetVersion: featureSet.version,
    metrics: [...featureSet.metrics],
    ...(featureSet.logViews ? { logViews: featureSet.logViews.map((view) => ({ ...view })) } : {}),
    options: { ...options, nonNegativeMetrics: [...options.nonNegativeMetrics] },
    lastT: state.lastT,
    interval: state.interval,
    state: state.metrics.map((m) => ({
      last: m.last,
      short: ewma(m.short),
      long: ewma(m.long),
      change: ewma(m.change),
      step: ewma(m.step),
      day: m.seasonal.day.map((b) => [b.mean, b.mad, b.n, b.covered]),
      week: m.seasonal.week.map((b) => [b.mean, b.mad, b.n, b.covered]),
    })),
  };
}

/** Parses a snapshot for this feature set; throws naming what does not match and what to do. */
export function fromSnapshot(featureSet: FeatureSet, json: unknown): { state: PipelineState; options: Record<string, unknown> } {
  const parsed = SnapshotSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) {
    throw new Error(
      `feature pipeline state is not a valid ${SNAPSHOT_FORMAT} snapshot: ${describeIssues(parsed.error.issues)}: delete the saved state to start afresh`,
    );
  }
  const snap = parsed.data;
  if (snap.featureSetVersion !== featureSet.version) {
    throw new Error(
      `feature pipeline state is for feature-set version ${snap.featureSetVersion}, this code computes version ${featureSet.version}: delete the saved state to start afresh`,
    );
  }
  if (snap.metrics.join(',') !== featureSet.metrics.join(',')) {
    throw new Error(
      `feature pipeline state is for metrics [${snap.metrics.join(', ')}], this feature set has [${featureSet.metrics.join(', ')}]: delete the saved state to start afresh`,
    );
  }
  if (logViewsText(snap.logViews) !== logViewsText(featureSet.logViews)) {
    throw new Error(
      `feature pipeline state is for log views [${logViewsText(snap.logViews)}], this feature set has [${logViewsText(featureSet.logViews)}]: delete the saved state to start afresh`,
    );
  }
  const blocks = featureBlocks(featureSet).length;
  if (snap.state.length !== blocks) {
    throw new Error(
      `feature pipeline state holds ${snap.state.length} metric states for ${blocks} metrics and log views: delete the saved state to start afresh`,
    );
  }
  const ewma = ([mean, mad, n]: readonly number[]): EwmaState => ({ mean: mean!, mad: mad!, n: n! });
  const bucket = ([mean, mad, n, covered]: readonly number[]) => ({ mean: mean!, mad: mad!, n: n!, covered: covered! });
  return {
    options: snap.options,
    state: {
      lastT: snap.lastT,
      interval: snap.interval,
      metrics: snap.state.map((m) => ({
        last: m.last,
        short: ewma(m.short),
        long: ewma(m.long),
        change: ewma(m.change),
        step: ewma(m.step),
        seasonal: { day: m.day.map(bucket), week: m.week.map(bucket) },
      })),
    },
  };
}
