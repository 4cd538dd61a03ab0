/**
 * Prometheus sink: scored samples as alert series (core/alert-series.ts) over remote write 1.0,
 * SigV4-signed for Amazon Managed Service for Prometheus, unsigned for a plain Prometheus.
 * Every sample is written at full resolution (alert rules need each one). Throttling, 5xx and
 * network errors are retried; another 4xx means Prometheus refused the samples for good and is
 * reported as a rejection with its answer.
 */
import { REMOTE_WRITE_HEADERS } from './remote-write-codec.js';
import { RemoteWriteEncoder } from './remote-write-samples.js';
import { DEFAULT_RETRY_POLICY, inParallel, withRetries, type RetryPolicy } from './retry.js';
import { combineOutcomes, errorText, sendOnce, type PreparedWrite, type ResultSink, type SinkBatch, type SinkRejection } from './sink.js';
import type { RequestSigner } from './sigv4.js';

export interface PrometheusSinkOptions {
  /** The remote-write URL, e.g. http://127.0.0.1:9090/api/v1/write. */
  readonly url: string;
  /** Signs each request (SigV4 for AMP); none for a plain Prometheus. */
  readonly sign?: RequestSigner;
  /** Samples per remote-write request (each sample is about 17 series points). @default 500 */
  readonly samplesPerRequest?: number;
  /** @default 4 */
  readonly concurrency?: number;
  readonly retry?: RetryPolicy;
  /** Per-request timeout. @default 10000 */
  readonly timeoutMs?: number;
}

/** A refusal Prometheus will repeat: do not retry it. */
class PermanentRejection extends Error {}

export class PrometheusSink implements ResultSink {
  readonly name = 'prometheus';
  private readonly url: URL;

  constructor(private readonly options: PrometheusSinkOptions) {
    this.url = new URL(options.url);
  }

  prepare(batch: SinkBatch): PreparedWrite {
    const encoder = new RemoteWriteEncoder(batch);
    const requests = requestsByHost(batch, this.options.samplesPerRequest ?? 500).map((indices) => ({ body: encoder.encode(indices), indices }));
    return sendOnce('Prometheus', requests.length, async () => {
      const results = await inParallel(
        requests.map((r) => async () => {
          try {
            await withRetries(
              () => this.post(r.body),
              (e) => !(e instanceof PermanentRejection),
              this.options.retry ?? DEFAULT_RETRY_POLICY,
            );
            return { written: r.indices.length, failed: [] as number[], rejected: [] as SinkRejection[] };
          } catch (error) {
            if (error instanceof PermanentRejection) return { written: 0, failed: [], rejected: [{ indices: r.indices, reason: error.message }] };
            return {
              written: 0,
              failed: r.indices,
              rejected: [],
              error: `remote write to ${this.url.origin}${this.url.pathname} failed after retries: ${errorText(error)}`,
            };
          }
        }),
        this.options.concurrency ?? 4,
      );
      return combineOutcomes(this.name, results);
    });
  }

  private async post(body: Uint8Array): Promise<void> {
    const headers: Record<string, string> = { ...REMOTE_WRITE_HEADERS };
    const signed = this.options.sign ? await this.options.sign(this.url, headers, body) : headers;
    const response = await fetch(this.url, { method: 'POST', headers: signed, body, signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000) });
    if (response.ok) {
      await response.body?.cancel();
      return;
    }
    const text = (await response.text()).slice(0, 300);
    const message = `Prometheus answered ${response.status} ${response.statusText}: ${text.trim()}`;
    if (response.status === 429 || response.status >= 500) throw new Error(message);
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
