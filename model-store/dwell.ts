/**
 * Dwell: how much of its recent samples a metric spent outside the range that held the middle 90 % of
 * its training values, in units of the most it ever did in training
 * (docs/decisions/0013-dwell-outside-the-usual-range.md).
 *
 * The extremeness branch sees how far out a sample is; a metric that settles a little beyond its usual
 * range and stays there (a CPU held above its busiest hours, a temperature drifting up, a latency
 * creeping) is never far out, and the forest scores its samples like the top of its training range.
 * Per metric, a host's memory keeps the share of its recent samples whose level lies outside
 * [low, high], the 5th and 95th percentiles of the training levels: an exponentially weighted mean of
 * 0 (inside) and 1 (outside) over DWELL_SPAN samples. The metric's dwell distance counts only the
 * share beyond what training usually saw: 0 up to the share's 99th training percentile (`usual`, at
 * least one sample's weight), 1 at the extremeness reach's margin times that (`reach`), linear between,
 * never more: a metric that dwells outside its usual range as it never did in training is as anomalous
 * as a feature at its reach, and an ordinary day's dwell adds nothing. The model's E is at least the
 * largest metric's dwell distance (models/extremeness.ts, the ONNX graph's `dwell_distance` input).
 */
/** Samples of the share's memory (span of an EWMA, alpha = 2 / (span + 1)), like the feature pipeline's horizons. */
export const DWELL_SPAN = 36;
/** Share of the training levels left outside the usual range on each side. */
export const DWELL_BAND_TAIL = 0.05;
/** The most a metric's dwell counts in E: a feature at its reach. */
export const DWELL_CAP = 1;

const ALPHA = 2 / (DWELL_SPAN + 1);

/** Per metric of a branch (in its order): where its level is in a feature row, its usual range, and its dwell's reach. */
export interface DwellBand {
  /** Index in the feature vector of the metric's level. */
  readonly feature: readonly number[];
  readonly low: readonly number[];
  readonly high: readonly number[];
  /** The share up to which the metric's dwell distance is 0: its 99th training percentile (> 0). */
  readonly usual: readonly number[];
  /** The share at which the metric's dwell distance is 1 (> usual). */
  readonly reach: readonly number[];
}

/**
 * Whether a level lies outside its usual range (NaN: inside, it carries no evidence), compared in float32 as the
 * scoring function receives features, so a quantised metric sitting exactly at an edge is inside everywhere.
 */
function outside(level: number, low: number, high: number): number {
  const x = Math.fround(level);
  return x > high || x < low ? 1 : 0;
}

/** The share after one more sample: an EWMA of 0 (inside) and 1 (outside); `low` and `high` float32. */
export function nextShare(share: number, level: number, low: number, high: number): number {
  return share + ALPHA * (outside(level, low, high) - share);
}

/** A share beyond its usual, in units of the way from usual to reach: 0 up to usual, at most DWELL_CAP. */
export function dwellDistance(share: number, usual: number, reach: number): number {
  return Math.min(Math.max((share - usual) / (reach - usual), 0), DWELL_CAP);
}

/**
 * Each metric's usual range, usual share outside it and dwell reach from the training rows (in time order: the share runs over
 * them as over a host's samples; the first DWELL_SPAN rows only start it). `levels`, per metric, the index
 * of its level in a row; `margin`, the extremeness reach's.
 */
export function dwellBandOf(rows: readonly ArrayLike<number>[], levels: readonly number[], margin: number): DwellBand {
  if (!(margin > 1)) throw new Error(`the dwell band needs a reach margin above 1 (the reach is margin x the usual share); got ${margin}`);
  const low: number[] = [];
  const high: number[] = [];
  const usual: number[] = [];
  const reach: number[] = [];
  const values = new Float64Array(rows.length);
  const shares: number[] = [];
  for (const f of levels) {
    rows.forEach((row, r) => (values[r] = row[f]!));
    const sorted = Float64Array.from(values.filter((v) => Number.isFinite(v))).sort();
    const l = Math.fround(quantileOf(sorted, DWELL_BAND_TAIL));
    const h = Math.fround(quantileOf(sorted, 1 - DWELL_BAND_TAIL));
    let share = 0;
    shares.length = 0;
    values.forEach((v, r) => {
      share = nextShare(share, v, l, h);
      if (r >= DWELL_SPAN) shares.push(share);
    });
    shares.sort((a, b) => a - b);
    const u = Math.max(quantileOf(shares, 0.99), ALPHA);
    low.push(l);
    high.push(h);
    usual.push(u);
    reach.push(margin * u);
  }
  return { feature: levels, low, high, usual, reach };
}

/**
 * One sample of a host (its features from `offset` in `row`): each metric's share moved on in `share`, and its
 * dwell distance written into `dwell`. The host's memory (model-store/habituation.ts) and the training rows'
 * calibration (dwellDistancesOf) both go through it.
 */
export function moveDwell(share: Float64Array, dwell: Float64Array, row: ArrayLike<number>, band: DwellBand, offset = 0): void {
  for (let m = 0; m < share.length; m++) {
    share[m] = nextShare(share[m]!, row[offset + band.feature[m]!]!, band.low[m]!, band.high[m]!);
    dwell[m] = dwellDistance(share[m]!, band.usual[m]!, band.reach[m]!);
  }
}

/** Per row (one host's samples in time order, its share starting at 0 as a host's memory does), per metric: its dwell distance. */
export function dwellDistancesOf(rows: readonly ArrayLike<number>[], band: DwellBand): Float64Array[] {
  const share = new Float64Array(band.feature.length);
  return rows.map((row) => {
    const dwell = new Float64Array(share.length);
    moveDwell(share, dwell, row, band);
    return dwell;
  });
}

/** The value at quantile q of ascending values (nearest rank below; 0 when there are none). */
function quantileOf(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
