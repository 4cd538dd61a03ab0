/**
 * Retry with capped exponential backoff and full jitter, for the sinks and the dead-letter queue.
 * Permanent errors (a request the service will never accept) fail at once; transient ones
 * (throttling, 5xx, a connection that failed) are retried up to `attempts` times in all.
 */
import { setTimeout as delay } from 'node:timers/promises';

export interface RetryPolicy {
  /** Tries in all, including the first. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 2_000 };

export async function withRetries<T>(
  attempt: () => Promise<T>,
  isRetryable: (error: unknown) => boolean,
  policy: RetryPolicy,
  onRetry?: (error: unknown, attemptNumber: number) => void,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= policy.attempts || !isRetryable(error)) throw error;
      onRetry?.(error, n);
      await delay(Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1)));
    }
  }
}

/** Runs `tasks` with at most `limit` in flight; results in task order. */
export async function inParallel<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** An AWS SDK error worth retrying: throttling, a 5xx, or no HTTP answer at all (network). */
export function isTransientAwsError(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  if (e.$retryable !== undefined) return Boolean(e.$retryable);
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined) return true;
  return status >= 500 || status === 429 || /Throttl|TooManyRequests|RequestLimitExceeded|ServiceUnavailable|InternalServer/.test(e.name ?? '');
}
