/**
 * Kernel counters (bytes, sectors, jiffies, packets) only grow until they wrap or reset; the agent
 * reports per-second rates, so each counter pair becomes an increase that is never negative.
 */

const WRAP_32 = 2 ** 32;
const WRAP_64 = 2 ** 64;

/**
 * Increase of a counter from `previous` to `current`.
 * - normal: current - previous
 * - wrap: the previous value sat in the top quarter of a 32- or 64-bit range and the new one in the
 *   bottom quarter: the counter went round once (32-bit counters on 32-bit kernels).
 * - reset (a driver reload, a re-created interface): the counter restarted from zero, so the
 *   increase is the current value, as Prometheus's rate() assumes.
 */
export function counterIncrease(previous: number, current: number): number {
  if (current >= previous) return current - previous;
  for (const range of [WRAP_32, WRAP_64]) {
    if (previous < range && previous >= range * 0.75 && current < range * 0.25) return range - previous + current;
  }
  return current;
}

/** Per-second rate of a counter over `seconds`; 0 for a non-positive span (clock stepped back). */
export function counterRate(previous: number, current: number, seconds: number): number {
  return seconds > 0 ? counterIncrease(previous, current) / seconds : 0;
}
