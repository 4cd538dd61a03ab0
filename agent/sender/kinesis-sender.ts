/**
 * Delivers entries to a Kinesis stream with PutRecords. A call that fails as a whole is retried
 * whole; after a partial failure only the failed entries are sent again. Retries never give up on
 * their own (the spool holds the samples, and losing them is the one thing the agent must not do);
 * they back off exponentially with jitter and a cap, longer when Kinesis throttles, and stop only
 * when the caller aborts (shutdown), leaving the samples in the spool for the next start.
 */
import type { Logger } from '../log.js';
import type { PutRecordsClient } from './kinesis-client.js';
import { backoffDelay, DEFAULT_BACKOFF, sleep, type BackoffOptions } from './backoff.js';
import { toPutBatches, type KinesisEntry } from '../../core/kinesis-records.js';

const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'LimitExceededException', 'ThrottlingException', 'KMSThrottlingException']);

export interface SenderCounters {
  /** Records Kinesis accepted. */
  recordsSent: number;
  /** Records sent again after a failure (whole-call or per-entry). */
  recordsRetried: number;
  /** PutRecords calls that failed as a whole. */
  callsFailed: number;
  /** Entries Kinesis rejected with a throttling code. */
  throttled: number;
}

export interface KinesisSenderOptions {
  readonly client: PutRecordsClient;
  readonly stream: string;
  readonly log: Logger;
  readonly backoff?: BackoffOptions;
  /**
   * How long one PutRecords call may go without an answer before it is abandoned, logged as a
   * stall and retried (a connection the network left half open). @default 20000
   */
  readonly callTimeoutMs?: number;
}

export const DEFAULT_PUT_TIMEOUT_MS = 20_000;

export class KinesisSender {
  readonly counters: SenderCounters = { recordsSent: 0, recordsRetried: 0, callsFailed: 0, throttled: 0 };
  private readonly backoff: BackoffOptions;

  constructor(private readonly options: KinesisSenderOptions) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
  }

  /**
   * Resolves 'sent' once Kinesis accepted every entry (in as many PutRecords calls as the API
   * limits need, in order), or 'stale' when `isStale` says before a retry that the entries are no
   * longer wanted (the full spool dropped them: they are counted as dropped, so they must not
   * arrive as well). Rejects only on abort.
   */
  async put(entries: readonly KinesisEntry[], options: { signal?: AbortSignal; isStale?: () => boolean } = {}): Promise<'sent' | 'stale'> {
    for (const batch of toPutBatches(entries)) {
      if ((await this.putBatch(batch, options)) === 'stale') return 'stale';
    }
    return 'sent';
  }

  /** One PutRecords call's worth (within 500 entries and 5 MiB), retried until all are accepted. */
  private async putBatch(entries: readonly KinesisEntry[], options: { signal?: AbortSignal; isStale?: () => boolean }): Promise<'sent' | 'stale'> {
    const { signal, isStale } = options;
    let pending = [...entries];
    for (let attempt = 1; pending.length > 0; attempt++) {
      signal?.throwIfAborted();
      if (attempt > 1 && isStale?.()) return 'stale';
      let throttled = false;
      const timeoutMs = this.options.callTimeoutMs ?? DEFAULT_PUT_TIMEOUT_MS;
      const deadline = AbortSignal.timeout(timeoutMs);
      try {
        const response = await this.options.client.putRecords(
          { StreamName: this.options.stream, Records: pending.map((e) => ({ Data: e.data, PartitionKey: e.partitionKey })) },
          signal ? AbortSignal.any([signal, deadline]) : deadline,
        );
        const results = response.Records ?? [];
        if (results.length !== pending.length) throw new Error(`PutRecords answered ${results.length} results for ${pending.length} records`);
        const failed = pending.filter((_, i) => results[i]!.ErrorCode);
        this.counters.recordsSent += pending.length - failed.length;
        if (failed.length === 0) return 'sent';
        const codes = [...new Set(results.map((r) => r.ErrorCode).filter(Boolean))] as string[];
        throttled = codes.some((code) => THROTTLING.has(code));
        this.counters.throttled += results.filter((r) => r.ErrorCode && THROTTLING.has(r.ErrorCode)).length;
        this.options.log.warn('PutRecords partly failed; resending only the failed records', {
          stream: this.options.stream,
          failed: failed.length,
          of: pending.length,
          codes,
          attempt,
        });
        pending = failed;
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        this.counters.callsFailed++;
        const stalled = deadline.aborted;
        const name = stalled ? 'TimeoutError' : (error as Error).name;
        throttled = THROTTLING.has(name);
        this.options.log.warn(
          stalled
            ? 'PutRecords stalled: no answer in time; abandoning the call and retrying (the samples stay in the spool)'
            : 'PutRecords failed; retrying with backoff (the samples stay in the spool)',
          {
            stream: this.options.stream,
            records: pending.length,
            error: stalled ? `TimeoutError: no answer within ${timeoutMs} ms` : `${name}: ${(error as Error).message}`,
            attempt,
            hint: hintFor(name, this.options.stream),
          },
        );
      }
      this.counters.recordsRetried += pending.length;
      await sleep(backoffDelay(attempt, throttled, this.backoff), signal);
    }
    return 'sent';
  }
}

/** What an operator can do about a failure that will not fix itself. */
function hintFor(errorName: string, stream: string): string | undefined {
  if (errorName === 'ResourceNotFoundException')
    return `stream ${stream} does not exist in this account and region: create it or fix "stream"/"region" in the agent config`;
  if (errorName === 'AccessDeniedException' || errorName === 'UnrecognizedClientException')
    return 'the credentials may not write to the stream: grant kinesis:PutRecords on it to the instance role';
  return undefined;
}
