/**
 * A robust exponentially weighted mean and mean absolute deviation (MAD) of one series.
 * Robust: once warm, an innovation is clipped to `clip` MADs before it moves the mean, so a single
 * spike barely shifts the normal it is compared with; a lasting level shift still moves it.
 * Warm-up: the first samples are averaged with weight 1/n, so early estimates are plain means.
 */
export interface EwmaState {
  mean: number;
  mad: number;
  /** Samples folded in, capped (only the warm-up needs it). */
  n: number;
}

export const emptyEwma = (): EwmaState => ({ mean: 0, mad: 0, n: 0 });

/** Samples after which the clipping applies (before that the MAD is too noisy to clip with). */
const WARM_SAMPLES = 8;
/** The count stops here: it only matters while 1/n > alpha. */
const MAX_COUNT = 1e6;

/** Folds x into the state with smoothing factor alpha (0..1]; `clip` in MADs (Infinity = not robust). */
export function updateEwma(state: EwmaState, x: number, alpha: number, clip: number): void {
  if (state.n === 0) {
    state.mean = x;
    state.mad = 0;
    state.n = 1;
    return;
  }
  state.n = Math.min(state.n + 1, MAX_COUNT);
  const a = Math.max(alpha, 1 / state.n);
  const error = x - state.mean;
  const limit = state.n > WARM_SAMPLES && state.mad > 0 ? clip * state.mad : Infinity;
  const clipped = Math.max(-limit, Math.min(limit, error));
  state.mean += a * clipped;
  // The deviation is clipped more loosely, so a lasting change widens the normal band over time.
  state.mad += a * (Math.min(Math.abs(error), 2 * limit) - state.mad);
}

/** Smoothing factor of an EWMA with the given span in samples (pandas' `span`: alpha = 2 / (span + 1)). */
export const alphaOfSpan = (span: number): number => 2 / (span + 1);
