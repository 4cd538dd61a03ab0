/**
 * Exponential backoff with full jitter (delay drawn from 0..min(cap, base * 2^attempt)), so a fleet
 * that lost the stream together does not come back in lockstep. Throttling starts from a higher
 * base: Kinesis shard limits are per second, so retrying within milliseconds only throttles again.
 */

export interface BackoffOptions {
  readonly baseMs: number;
  readonly throttledBaseMs: number;
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, throttledBaseMs: 500, capMs: 30_000 };

/** Delay before retry number `attempt` (1 = first retry). */
export function backoffDelay(attempt: number, throttled: boolean, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const base = throttled ? options.throttledBaseMs : options.baseMs;
  const ceiling = Math.min(options.capMs, base * 2 ** Math.min(attempt - 1, 30));
  // At least a tenth of the ceiling: a zero delay would hammer an endpoint that is already failing.
  return Math.round(ceiling * (0.1 + 0.9 * random()));
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
