/**
 * The feature pipeline's warm-up: until a host has a full day of history, its time-of-day normal
 * has empty hours and its long normal is still settling, so its features swing far more than they
 * will later. Trained on, those swings widen what a model takes for normal (a time-of-day anomaly
 * then scores like an ordinary evening). Training therefore leaves out the first day of rows,
 * unless that would leave it less than half of them (a short history keeps its rows).
 */
import { HOUR_MS } from './seasonal.js';

/** History the time-of-day normal needs before every hour has been seen once. */
export const WARM_UP_MS = 24 * HOUR_MS;

/**
 * Index of the first row to train on, among the first `rows` rows with these timestamps (epoch ms,
 * file order): the first row a day after the first one, or rows / 2 if that comes first.
 */
export function firstTrainingRow(timestamps: ArrayLike<number>, rows: number = timestamps.length): number {
  const limit = Math.floor(rows / 2);
  const start = timestamps[0]!;
  let k = 0;
  while (k < limit && timestamps[k]! - start < WARM_UP_MS) k++;
  return k;
}
