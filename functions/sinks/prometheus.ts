/**
 * Prometheus sink: scored samples as alert series (core/alert-series.ts) over remote write 1.0,
 * SigV4-signed for Amazon Managed Service for Prometheus, unsigned for a plain Prometheus.
 * The write policy (core/write-policy.ts) decides which series each sample writes: the anomaly
 * flag always (the alert rules count every sample), the detail series once per host per
 * `detailSeconds` and for every anomaly, the model's band when it moved, hourly and at anomalies.
 *
 * What an answer means (classifyAnswer), by its body first, since Prometheus 2.42 answers 500 for
 * a sample older than its out-of-order window and 400 for a repeated timestamp, and refuses the
 * whole request for either:
 * - a refusal of some samples ("too old sample", "out of bounds", "out of order sample",
 *   "duplicate sample for timestamp"): the request is split in halves and sent again until the
 *   refused samples stand alone, so one sample never keeps the others out. A lone duplicate is
 *   already stored with other values (another model, or a cloned host): it counts as written and
 *   is reported as a conflict. A lone sample too old is a rejection of kind `too_old`.
 * - throttling, 5xx, network errors, and 401 / 403 / 404 / 408 (credentials, a signature, a
 *   workspace or a route that an operator fixes): retried, then reported as failed, so the records
 *   are delivered again; never drained into the dead-letter queue.
 * - any other 4xx: Prometheus refused the request for good: a rejection with its answer.
 */
import { BandSelector, DEFAULT_WRITE_POLICY, DetailSelector, type WritePolicy } from '../../core/write-policy.js';
import { REMOTE_WRITE_HEADERS } from './remote-write-codec.js';
import { RemoteWriteEncoder } from './remote-write-samples.js';
import { DEFAULT_RETRY_POLICY, inParallel, withRetries, type RetryPolicy } from './retry.js';
import { combineOutcomes, errorText, sendOnce, type PreparedWrite, type RequestOutcome, type ResultSink, type SinkBatch } from './sink.js';
import type { RequestSigner } from '../../core/sigv4.js';

export interface PrometheusSinkOptions {
  /** The remote-write URL, e.g. http://127.0.0.1:9090/api/v1/write. */
  readonly url: string;
  /** Signs each request (SigV4 for AMP); none for a plain Prometheus. */
  readonly sign?: RequestSigner;
  /** Which series each sample writes. @default DEFAULT_WRITE_POLICY: detail points once a minute per host */
  readonly policy?: WritePolicy;
  /** Samples per remote-write request (each sample is up to about 17 series points). @default 500 */
  readonly samplesPerRequest?: number;
  /** @default 4 */
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
  /** Per-request timeout. @default 10000 */
  readonly timeoutMs?: number;
  /**
   * Extra requests a batch may spend splitting requests Prometheus refused for some samples;
   * past it, a refused request's samples are dead-lettered whole. @default 200
   */
  readonly splitBudget?: number;
}

const DEFAULT_SPLIT_BUDGET = 200;

/**
 * Where to split a refused request: at the host boundary nearest its middle (refusals come by
 * host: a replayed spool, a cloned host, a rescored record), else in the middle.
 */
export function splitPoint(samples: readonly { readonly host: string }[], indices: readonly number[]): number {
  const middle = Math.ceil(indices.length / 2);
  for (let d = 0; d < middle; d++) {
    for (const at of [middle - d, middle + d]) {
      if (at > 0 && at < indices.length && samples[indices[at - 1]!]!.host !== samples[indices[at]!]!.host) return at;
    }
  }
  return middle;
}

/** A refusal Prometheus will repeat: do not retry it. */
class PermanentRejection extends Error {}

/** Prometheus refused some samples of the request (which ones, it does not say), and the whole request with them. */
class SampleRefusal extends Error {
  constructor(
    message: string,
    readonly kind: 'duplicate' | 'too_old',
  ) {
    super(message);
  }
}

/** What a remote-write answer means: see the file comment. */
export type AnswerClass = 'ok' | 'duplicate' | 'too_old' | 'retry' | 'refused';

export function classifyAnswer(status: number, body: string): AnswerClass {
  if (status >= 200 && status < 300) return 'ok';
  if (/duplicate sample for timestamp/i.test(body)) return 'duplicate';
  if (/too old sample|out of bounds|out of order sample/i.test(body)) return 'too_old';
  if (status === 429 || status >= 500 || status === 401 || status === 403 || status === 404 || status === 408) return 'retry';
  return 'refused';
}

export class PrometheusSink implements ResultSink {
  readonly name = 'prometheus';
  private readonly url: URL;
  /** Remembers, across batches, which sample carries each host's detail points. */
  private readonly detail: DetailSelector;
  /** Remembers, across batches, the band points each host last wrote. */
  private readonly band: BandSelector;

  constructor(private readonly options: PrometheusSinkOptions) {
    this.url = new URL(options.url);
    this.detail = new DetailSelector(options.policy ?? DEFAULT_WRITE_POLICY);
    this.band = new BandSelector();
  }

  prepare(batch: SinkBatch): PreparedWrite {
    const encoder = new RemoteWriteEncoder(batch, this.detail.select(batch.samples), this.band.select(batch.samples));
    const requests = requestsByHost(batch, this.options.samplesPerRequest ?? 500).map((indices) => ({ body: encoder.encode(indices), indices }));
    return sendOnce('Prometheus', requests.length, async () => {
      const split = { left: this.options.splitBudget ?? DEFAULT_SPLIT_BUDGET };
      const results = await inParallel(
        requests.map((r) => () => this.deliver(encoder, split, r.indices, r.body)),
        this.options.concurrency ?? 4,
      );
      return combineOutcomes(this.name, results);
    });
  }

  /** Sends the samples at `indices` (`body`: their request, when already encoded), splitting it while Prometheus refuses some samples. */
  private async deliver(encoder: RemoteWriteEncoder, split: { left: number }, indices: readonly number[], body?: Uint8Array): Promise<RequestOutcome> {
    try {
      await withRetries(
        () => this.post(body ?? encoder.encode(indices)),
        (e) => !(e instanceof PermanentRejection || e instanceof SampleRefusal),
        this.options.retry ?? DEFAULT_RETRY_POLICY,
      );
      return { written: indices.length, failed: [], rejected: [] };
    } catch (error) {
      if (error instanceof SampleRefusal) {
        if (indices.length > 1 && split.left >= 2) {
          split.left -= 2;
          const half = splitPoint(encoder.samples, indices);
          // One half after the other: a refusal splits again, and requests in flight stay bounded.
          const first = await this.deliver(encoder, split, indices.slice(0, half));
          const second = await this.deliver(encoder, split, indices.slice(half));
          return combineOutcomes(this.name, [first, second]);
        }
        if (indices.length > 1) {
          // The batch's splitting budget is spent (a whole batch refused, e.g. rescored by another
          // model): the rest is dead-lettered with its records, to be redriven, rather than split on.
          const reason = `${error.message} (not split further: this batch's ${this.options.splitBudget ?? DEFAULT_SPLIT_BUDGET} extra requests are spent)`;
          return { written: 0, failed: [], rejected: [{ indices, reason, kind: error.kind === 'too_old' ? 'too_old' : 'refused' }] };
        }
        if (error.kind === 'duplicate') return { written: 1, failed: [], rejected: [], conflicts: [...indices] };
        return { written: 0, failed: [], rejected: [{ indices, reason: error.message, kind: 'too_old' }] };
      }
      if (error instanceof PermanentRejection) return { written: 0, failed: [], rejected: [{ indices, reason: error.message }] };
      return {
        written: 0,
        failed: [...indices],
        rejected: [],
        error: `remote write to ${this.url.origin}${this.url.pathname} failed after retries: ${errorText(error)}`,
      };
    }
  }

  private async post(body: Uint8Array): Promise<void> {
    const headers: Record<string, string> = { ...REMOTE_WRITE_HEADERS };
    const signed = this.options.sign ? await this.options.sign(this.url, headers, body) : headers;
    const signal = AbortSignal.timeout(this.options.timeoutMs ?? 10_000);
    const response = await fetch(this.url, { method: 'POST', headers: signed, body, signal });
    if (response.ok) {
      await response.body?.cancel();
      return;
    }
    const text = (await response.text()).slice(0, 300);
    const message = `Prometheus answered ${response.status} ${response.statusText}: ${text.trim()}`;
    const kind = classifyAnswer(response.status, text);
    if (kind === 'duplicate' || kind === 'too_old') throw new SampleRefusal(message, kind);
    if (kind === 'retry') throw new Error(message);
    throw new PermanentRejection(message);
  }
}

/**
 * Sample indices in requests of at most `per` samples, each host's samples together where they fit:
 * a host's series then sit in one request (fewer, longer time series to encode and to ingest).
 */
export function requestsByHost(batch: SinkBatch, per: number): number[][] {
  const byHost = new Map<string, number[]>();
  batch.samples.forEach((s, i) => {
    const list = byHost.get(s.host);
    if (list) list.push(i);
    else byHost.set(s.host, [i]);
  });
  const requests: number[][] = [];
  let current: number[] = [];
  for (const indices of byHost.values()) {
    for (let start = 0; start < indices.length; start += per) {
      const chunk = indices.slice(start, start + per);
      if (current.length + chunk.length > per) {
        requests.push(current);
        current = [];
      }
      current.push(...chunk);
    }
  }
  if (current.length) requests.push(current);
  return requests;
}
