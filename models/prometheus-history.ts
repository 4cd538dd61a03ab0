/**
 * Host-metric history from any Prometheus-compatible query API (`/api/v1/query_range`: Prometheus,
 * Thanos, Mimir, VictoriaMetrics, Amazon Managed Service for Prometheus behind a SigV4 proxy), as
 * fleet-file rows (models/fleet-csv.ts). The time range is read in chunks of `pointsPerQuery` steps,
 * one query per metric and chunk, so no query asks for more than the server's points-per-series
 * limit (11,000 in Prometheus) and memory holds one chunk of the fleet at a time. Every request has
 * a deadline and is retried (with backoff) when it times out, cannot connect, or gets 429 or 5xx;
 * a refused query (4xx) stops at once with the server's reason and the query.
 */
import type { RequestSigner } from '../core/sigv4.js';
import { HOST_METRICS } from '../core/host-metrics.js';
import type { FleetRow } from './fleet-csv.js';
import { NODE_EXPORTER_QUERIES, expandQuery } from './node-exporter-queries.js';

export interface PrometheusHistoryOptions {
  /** Base URL of the query API, e.g. http://prometheus:9090 (the path before /api/v1). */
  readonly url: string;
  /** Epoch ms, inclusive; aligned down to the step. */
  readonly start: number;
  /** Epoch ms, inclusive. */
  readonly end: number;
  readonly stepSeconds: number;
  /** The label that names a host. Default `instance`. */
  readonly hostLabel?: string;
  /** Only these hosts (values of the host label). */
  readonly hosts?: readonly string[];
  /** Only series with these labels; written as tag columns too. */
  readonly tags?: Readonly<Record<string, string>>;
  /** PromQL rate window. Default `1m`. */
  readonly rateWindow?: string;
  /** Query templates per metric (node-exporter-queries.ts placeholders). Default NODE_EXPORTER_QUERIES. */
  readonly queries?: Readonly<Record<string, string>>;
  /** Steps per query. Default DEFAULT_POINTS_PER_QUERY. */
  readonly pointsPerQuery?: number;
  /** Deadline of one request, ms. Default 30,000. */
  readonly timeoutMs?: number;
  /** Tries per request. Default 4. */
  readonly attempts?: number;
  /** First retry delay, ms (doubled each retry, with jitter). Default 1,000. */
  readonly backoffMs?: number;
  /** Extra request headers (e.g. Authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Signs each request (SigV4 for Amazon Managed Service for Prometheus, core/sigv4.ts); unsigned without. */
  readonly sign?: RequestSigner;
  /** Called after each query with the metric and the chunk's end. */
  readonly onQuery?: (metric: string, chunkEnd: number) => void;
}

/** A day at a one-minute step: far under Prometheus' 11,000 points per series. */
export const DEFAULT_POINTS_PER_QUERY = 1440;
export const DEFAULT_HOST_LABEL = 'instance';
export const DEFAULT_RATE_WINDOW = '1m';
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const DURATION = /^\d+(ms|s|m|h|d|w|y)$/;

/** A query the server refused, or a request that failed on every try. */
export class PrometheusQueryError extends Error {
  override readonly name = 'PrometheusQueryError';
}

/** What the export found: metrics without any series are worth a warning (a wrong query or label). */
export interface ExportSummary {
  readonly rows: number;
  readonly hosts: number;
  /** Metrics that returned no series at all. */
  readonly emptyMetrics: string[];
}

/** The label matchers that select the hosts and tags asked for ('' for all). */
export function labelFilter(hostLabel: string, hosts: readonly string[] | undefined, tags: Readonly<Record<string, string>> = {}): string {
  const matchers = Object.entries(tags).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  if (hosts && hosts.length > 0) matchers.unshift(`${hostLabel}=~${JSON.stringify(hosts.map(escapeRegex).join('|'))}`);
  return matchers.join(',');
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function check(options: PrometheusHistoryOptions): void {
  const hostLabel = options.hostLabel ?? DEFAULT_HOST_LABEL;
  if (!LABEL_NAME.test(hostLabel)) throw new Error(`the host label "${hostLabel}" is not a Prometheus label name: give one such as instance or nodename`);
  for (const k of Object.keys(options.tags ?? {})) {
    if (!LABEL_NAME.test(k)) throw new Error(`tag "${k}" is not a Prometheus label name: give tags as name=value with a label name such as env`);
  }
  if (!DURATION.test(options.rateWindow ?? DEFAULT_RATE_WINDOW))
    throw new Error(`the rate window "${options.rateWindow}" is not a PromQL duration: give one such as 1m or 5m`);
  if (!(options.stepSeconds > 0 && Number.isFinite(options.stepSeconds)))
    throw new Error(`the step must be a number of seconds > 0; got ${options.stepSeconds}`);
  if (!(options.start <= options.end))
    throw new Error(`the range starts (${new Date(options.start).toISOString()}) after it ends (${new Date(options.end).toISOString()})`);
  try {
    new URL(options.url);
  } catch {
    throw new Error(`"${options.url}" is not a URL: give the query API's base URL, e.g. http://prometheus:9090`);
  }
}

/**
 * The fleet's rows, one chunk of time at a time (rows of a chunk sorted by time, then host). A host
 * missing one metric at a step gets an empty cell; a step where a host has no metric at all is no row.
 */
export async function* prometheusHistory(options: PrometheusHistoryOptions, summary?: { value?: ExportSummary }): AsyncGenerator<FleetRow[]> {
  check(options);
  const hostLabel = options.hostLabel ?? DEFAULT_HOST_LABEL;
  const queries: Readonly<Record<string, string>> = options.queries ?? NODE_EXPORTER_QUERIES;
  const metrics = Object.keys(queries);
  const context = { hostLabel, filter: labelFilter(hostLabel, options.hosts, options.tags), window: options.rateWindow ?? DEFAULT_RATE_WINDOW };
  const stepMs = Math.round(options.stepSeconds * 1000);
  const points = options.pointsPerQuery ?? DEFAULT_POINTS_PER_QUERY;
  const start = Math.floor(options.start / stepMs) * stepMs;
  const seenMetrics = new Set<string>();
  const hosts = new Set<string>();
  let rows = 0;
  for (let chunkStart = start; chunkStart <= options.end; chunkStart += points * stepMs) {
    const chunkEnd = Math.min(chunkStart + (points - 1) * stepMs, options.end);
    const byKey = new Map<string, { host: string; t: number; values: Record<string, number> }>();
    for (const metric of metrics) {
      const query = expandQuery(queries[metric]!, context);
      const result = await queryRange(options, query, chunkStart, chunkEnd);
      options.onQuery?.(metric, chunkEnd);
      for (const series of result) {
        const host = series.metric[hostLabel];
        if (host === undefined) {
          throw new PrometheusQueryError(
            `the query for ${metric} returns series without the host label "${hostLabel}" (${JSON.stringify(series.metric)}): aggregate it \`by (${hostLabel})\`, or name the host label with --host-label`,
          );
        }
        seenMetrics.add(metric);
        hosts.add(host);
        for (const [seconds, text] of series.values) {
          const t = Math.round(seconds * 1000);
          const key = `${t}\u0000${host}`;
          let row = byKey.get(key);
          if (!row) byKey.set(key, (row = { host, t, values: {} }));
          row.values[metric] = Number(text);
        }
      }
    }
    const chunk = [...byKey.values()].sort((a, b) => a.t - b.t || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
    rows += chunk.length;
    yield chunk.map((r) => ({ ...r, ...(options.tags ? { tags: options.tags } : {}) }));
  }
  if (summary) summary.value = { rows, hosts: hosts.size, emptyMetrics: metrics.filter((m) => !seenMetrics.has(m)) };
}

interface MatrixSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** One query_range request, with a deadline and retries. */
export async function queryRange(options: PrometheusHistoryOptions, query: string, start: number, end: number): Promise<MatrixSeries[]> {
  const url = `${options.url.replace(/\/+$/, '')}/api/v1/query_range`;
  const body = Buffer.from(new URLSearchParams({ query, start: String(start / 1000), end: String(end / 1000), step: String(options.stepSeconds) }).toString());
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...options.headers };
  const attempts = options.attempts ?? 4;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let lastProblem = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      const base = (options.backoffMs ?? 1000) * 2 ** (attempt - 2);
      await new Promise((resolve) => setTimeout(resolve, base / 2 + Math.random() * base));
    }
    let response: Response;
    let text: string;
    try {
      // Signed at each try: a signature is valid for minutes, and the retries back off.
      const signed = options.sign ? await options.sign(new URL(url), headers, body) : headers;
      response = await fetch(url, {
        method: 'POST',
        headers: signed,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const cause = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${(error as Error).message}${causeOf(error)}`;
      lastProblem = `${url}: ${cause}`;
      continue;
    }
    if (response.status === 429 || response.status >= 500) {
      lastProblem = `${url} answered ${response.status}: ${text.slice(0, 300)}`;
      continue;
    }
    let json: { status?: string; error?: string; errorType?: string; data?: { resultType?: string; result?: MatrixSeries[] } };
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      throw new PrometheusQueryError(
        `${url} answered ${response.status} with something else than JSON (${text.slice(0, 200)}): check that the URL is a Prometheus query API`,
      );
    }
    if (!response.ok || json.status !== 'success') {
      throw new PrometheusQueryError(
        `${url} refused the query (${response.status} ${json.errorType ?? ''}: ${json.error ?? text.slice(0, 300)}); the query was: ${query}. ` +
          'Fix the query (--queries FILE) or the options that fill it in (--host-label, --tags, --rate-window)',
      );
    }
    if (json.data?.resultType !== 'matrix') throw new PrometheusQueryError(`${url} answered a ${json.data?.resultType} for a range query: ${query}`);
    return json.data.result ?? [];
  }
  throw new PrometheusQueryError(`${lastProblem} (${attempts} tries): check that the server is up and reachable, then run the export again`);
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { message?: string; code?: string } }).cause;
  return cause ? ` (${cause.code ?? cause.message})` : '';
}

/** Query templates from JSON text (`{"cpu_pct": "...", ...}`): host metrics only, each a non-empty string. */
export function parseQueryFile(text: string, source: string): Record<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source} is not valid JSON (${(error as Error).message}): write an object of metric name to PromQL`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${source} must be a JSON object of metric name to PromQL`);
  const queries: Record<string, string> = {};
  for (const [metric, query] of Object.entries(json)) {
    if (!(HOST_METRICS as readonly string[]).includes(metric)) {
      throw new Error(`${source}: "${metric}" is not a host metric: name the queries after the agent's metrics (${HOST_METRICS.join(', ')})`);
    }
    if (typeof query !== 'string' || query.trim() === '') throw new Error(`${source}: the query for ${metric} must be a non-empty PromQL string`);
    queries[metric] = query;
  }
  if (Object.keys(queries).length === 0) throw new Error(`${source} has no queries: give at least one metric`);
  return queries;
}
