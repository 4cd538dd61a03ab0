/** Prometheus durations from seconds, so rule timings can be computed and still read as `2m`, `1h`, `7d`. */

const UNITS: readonly [string, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
];

/** 120 -> "2m", 90 -> "1m30s", 0.5 -> "500ms". Throws on a negative, non-finite or sub-millisecond value. */
export function promDuration(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  if (!Number.isFinite(seconds) || seconds <= 0 || Math.abs(ms - seconds * 1000) > 1e-6) {
    throw new Error(`a Prometheus duration must be a positive whole number of milliseconds; got ${seconds} s: use a value such as 0.5, 60 or 3600`);
  }
  let rest = ms;
  let out = '';
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}
