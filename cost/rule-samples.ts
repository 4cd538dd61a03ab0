/**
 * Samples the alert rules read per host: Amazon Managed Service for Prometheus bills rule
 * evaluation as query samples processed. Counted from the rules themselves (alerting/rules.ts):
 * each evaluation of a group reads, for every host, each point inside a range selector's window
 * (`vigil_anomaly[1h]` at a 10 s interval: 360) and one point for an instant selector. A series'
 * points are as far apart as the write policy writes them (core/write-policy.ts: the flag every
 * sample, detail series at the policy's interval; anomalies' extra points left out). Left out:
 * annotation queries, which run only while an alert fires, and dashboard queries, which depend on
 * who looks and how often.
 */
import { SERIES } from '../core/alert-series.js';
import { secondsBetweenPoints, type WritePolicy } from '../core/write-policy.js';

/** The shape of a Prometheus rule file that matters here (alerting/rules.ts writes one). */
export interface Rules {
  readonly groups: readonly { readonly interval?: string; readonly rules: readonly { readonly expr: string }[] }[];
}

/** Prometheus evaluates a group without its own interval every minute (evaluation_interval's default, as in Managed Prometheus). */
const DEFAULT_EVALUATION_SECONDS = 60;
const UNIT_SECONDS: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** Seconds of a Prometheus duration such as `1h`, `4m59s999ms`. */
export function durationSeconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== duration) {
    throw new Error(`"${duration}" is not a Prometheus duration: use one such as 90s, 5m or 1h30m`);
  }
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_SECONDS[unit!]!, 0);
}

/** Per host, per evaluation of each group: the samples its rules' selectors of vigil's series read, under `policy`. */
export function ruleSamplesPerEvaluation(
  rules: Rules,
  sampleIntervalSeconds: number,
  policy: WritePolicy,
): { readonly intervalSeconds: number; readonly samples: number }[] {
  const names = Object.values(SERIES).join('|');
  const selector = new RegExp(`\\b(${names})\\b(?:\\{[^}]*\\})?(?:\\[([^\\]]+)\\])?`, 'g');
  return rules.groups.map((group) => ({
    intervalSeconds: group.interval ? durationSeconds(group.interval) : DEFAULT_EVALUATION_SECONDS,
    samples: group.rules
      .flatMap((rule) => [...rule.expr.matchAll(selector)])
      .reduce((sum, [, name, range]) => sum + (range ? durationSeconds(range) / secondsBetweenPoints(name!, policy, sampleIntervalSeconds) : 1), 0),
  }));
}

/** Query samples the rules process per host in `seconds` (a month, for the bill), under `policy`. */
export function ruleSamplesPerHost(rules: Rules, sampleIntervalSeconds: number, policy: WritePolicy, seconds: number): number {
  return ruleSamplesPerEvaluation(rules, sampleIntervalSeconds, policy).reduce((sum, group) => sum + (seconds / group.intervalSeconds) * group.samples, 0);
}
