/**
 * The vigil alert rules, in Prometheus rule-file format (what Amazon Managed Service for Prometheus
 * loads), generated from one source with the hold times and links as parameters: production timings
 * give the committed grafana/alerts/vigil-rules.yml and the rules the stack loads (with the stack's
 * grafanaUrl and runbookUrl), short timings give the fast end-to-end test variant. A shared layer:
 * infra/ and grafana/ both import it. Series and labels come only from core/alert-series.ts.
 */
import { stringify } from 'yaml';
import { SERIES } from '../core/alert-series.js';
import { SEVERITIES } from '../core/manifest.js';
import { DASHBOARD_UIDS } from './dashboard-uids.js';
import { promDuration } from './duration.js';

export interface RuleTimings {
  /** How often agents sample; the host-anomaly group is evaluated this often so no sample is skipped. */
  readonly sampleIntervalSeconds: number;
  /** VigilHostAnomaly: every sample for this long scored at or above the threshold. */
  readonly anomalyHoldSeconds: number;
  /** VigilHighAnomalyRate: share of anomalous samples over this window ... */
  readonly rateWindowSeconds: number;
  /** ... above this share ... */
  readonly rateLimit: number;
  /** ... counted only once the window holds this many samples (a fresh host's 1 of 2 is not a rate). */
  readonly rateMinSamples: number;
  /** VigilSustainedAnomaly: this many consecutive anomalous samples ... */
  readonly sustainedSamples: number;
  /** ... judged on the samples that ended this long ago, so samples still in flight are not missing. */
  readonly arrivalAllowanceSeconds: number;
  /** VigilHostSilent / VigilFleetSilent: no sample for this long. */
  readonly silentAfterSeconds: number;
  /** How long a silent host keeps alerting before it counts as retired. */
  readonly silentMemorySeconds: number;
  /** VigilPipelineLagging: results arrive later than this after the sample was taken ... */
  readonly lagLimitSeconds: number;
  /** ... for this long. */
  readonly lagHoldSeconds: number;
  /** VigilModelStale: the newest model in use is older than this. */
  readonly modelMaxAgeSeconds: number;
}

/** Production timings: agents sample every 10 s (agent default). */
export const PRODUCTION_TIMINGS: RuleTimings = {
  sampleIntervalSeconds: 10,
  anomalyHoldSeconds: 120,
  rateWindowSeconds: 3600,
  rateLimit: 0.1,
  rateMinSamples: 30,
  sustainedSamples: 5,
  arrivalAllowanceSeconds: 60,
  silentAfterSeconds: 300,
  silentMemorySeconds: 3600,
  lagLimitSeconds: 180,
  lagHoldSeconds: 300,
  modelMaxAgeSeconds: 7 * 86_400,
};

/** How often the hour's anomaly rate is judged (its own rule group). */
const RATE_EVALUATION_SECONDS = 60;

export const ALERT_NAMES = {
  hostAnomaly: 'VigilHostAnomaly',
  highAnomalyRate: 'VigilHighAnomalyRate',
  sustainedAnomaly: 'VigilSustainedAnomaly',
  hostSilent: 'VigilHostSilent',
  fleetSilent: 'VigilFleetSilent',
  pipelineLagging: 'VigilPipelineLagging',
  modelStale: 'VigilModelStale',
} as const;

export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: AlertingRule[];
}

export interface RuleFile {
  groups: RuleGroup[];
}

/**
 * Where an alert's links lead. `grafanaUrl`: the Grafana the dashboards live in (empty: links
 * relative to Grafana, /d/<uid>, which only Grafana itself resolves; give the workspace URL so a
 * link in an e-mail or a chat works). `runbookUrl`: the folder of docs/runbooks/ as the reader can
 * open it (the default is the path in this repository).
 */
export interface RuleLinks {
  readonly grafanaUrl: string;
  readonly runbookUrl: string;
}

export const DEFAULT_LINKS: RuleLinks = { grafanaUrl: '', runbookUrl: 'docs/runbooks' };

/**
 * `severity` is what Alertmanager routes are commonly keyed on: `critical` pages, `warning` waits
 * for working hours. vigil's own level (low, medium, high, critical) is kept in `vigil_severity`:
 * high and critical page.
 */
type AlertSeverity = 'warning' | 'critical';
const PAGING_LEVEL = SEVERITIES.indexOf('high');

function severityLabels(level: Exclude<(typeof SEVERITIES)[number], 'normal'>): { severity: AlertSeverity; vigil_severity: string } {
  return { severity: SEVERITIES.indexOf(level) >= PAGING_LEVEL ? 'critical' : 'warning', vigil_severity: level };
}

/** A Go template that runs `promql` (with %q replaced by the alert's host) and prints `print` of its first result. */
function hostQuery(promql: string, print: string, otherwise: string): string {
  return `{{ with printf ${JSON.stringify(promql)} $labels.host | query }}{{ . | first | ${print} }}{{ else }}${otherwise}{{ end }}`;
}

/** Severity level (vigil_anomaly_severity) to its name, as a Go template over $value. */
function severityNameOfValue(): string {
  const levels = SEVERITIES.map((name, level) => ({ name, level }))
    .filter((s) => s.level > 0)
    .reverse();
  const [first, ...rest] = levels;
  return `{{ if ge $value ${first!.level}.0 }}${first!.name}${rest.map((s) => `{{ else if ge $value ${s.level}.0 }}${s.name}`).join('')}{{ else }}normal{{ end }}`;
}

export function vigilRules(t: RuleTimings = PRODUCTION_TIMINGS, links: RuleLinks = DEFAULT_LINKS): RuleFile {
  const hostDashboard = `${links.grafanaUrl}/d/${DASHBOARD_UIDS.hostDetail}?var-host={{ $labels.host }}`;
  const pipelineDashboard = `${links.grafanaUrl}/d/${DASHBOARD_UIDS.pipelineHealth}`;
  const runbook = (alert: string): string => `${links.runbookUrl}/${alert}.md`;
  const hold = promDuration(t.anomalyHoldSeconds);
  const rateWindow = promDuration(t.rateWindowSeconds);
  // N samples span N - 1 intervals; one millisecond short of N intervals holds exactly the last N.
  const sustainedWindow = promDuration(t.sustainedSamples * t.sampleIntervalSeconds - 0.001);
  const allowance = promDuration(t.arrivalAllowanceSeconds);
  const silentAfter = promDuration(t.silentAfterSeconds);
  const silentMemory = promDuration(t.silentMemorySeconds);
  const topMetric = (window: string): string => topMetricAndDirection(window);
  const latestScore = hostQuery(`${SERIES.score}{host=%q}`, 'value | printf "%.3f"', 'n/a');
  const latestThreshold = hostQuery(`${SERIES.threshold}{host=%q}`, 'value | printf "%.3f"', 'n/a');

  const hostAnomalies: RuleGroup = {
    name: 'vigil-host-anomalies',
    interval: promDuration(t.sampleIntervalSeconds),
    rules: [
      {
        alert: ALERT_NAMES.hostAnomaly,
        // Fires when every sample in the window was anomalous (the flag is written for every
        // sample, core/write-policy.ts); the offset term asks that the host was already reporting
        // a full hold ago, so a first anomalous sample alone does not fire. The value is the lowest
        // severity held through the window: every anomalous sample writes its severity.
        expr: `min_over_time(${SERIES.severity}[${hold}])\n` + `and min_over_time(${SERIES.anomaly}[${hold}]) >= 1\n` + `and ${SERIES.anomaly} offset ${hold}`,
        labels: {
          severity: `{{ if ge $value ${PAGING_LEVEL}.0 }}critical{{ else }}warning{{ end }}`,
          vigil_severity: severityNameOfValue(),
          component: 'host',
        },
        annotations: {
          summary: `Host {{ $labels.host }} is anomalous for ${hold}`,
          description:
            `Every sample of {{ $labels.host }} in the last ${hold} scored at or above the model threshold. ` +
            `Most anomalous metric: ${topMetric(hold)}. Latest score ${latestScore}, threshold ${latestThreshold}.`,
          dashboard: hostDashboard,
          runbook_url: runbook(ALERT_NAMES.hostAnomaly),
        },
      },
      {
        alert: ALERT_NAMES.sustainedAnomaly,
        // Judged on the samples that ended `allowance` ago: samples still in flight do not break the count.
        expr:
          `sum_over_time(${SERIES.anomaly}[${sustainedWindow}] offset ${allowance}) >= ${t.sustainedSamples}\n` +
          `and min_over_time(${SERIES.anomaly}[${sustainedWindow}] offset ${allowance}) == 1`,
        labels: { ...severityLabels('high'), component: 'host' },
        annotations: {
          summary: `Host {{ $labels.host }}: ${t.sustainedSamples} or more consecutive anomalous samples`,
          description:
            `The last {{ $value }} samples of {{ $labels.host }} up to ${allowance} ago were all anomalous. ` +
            `Most anomalous metric: ${topMetric(promDuration(t.sustainedSamples * t.sampleIntervalSeconds + t.arrivalAllowanceSeconds))}.`,
          dashboard: hostDashboard,
          runbook_url: runbook(ALERT_NAMES.sustainedAnomaly),
        },
      },
    ],
  };

  // An hour's share moves slowly: judged once a minute, it reads a sixth of the samples it would
  // read every sample interval (Managed Prometheus bills rule evaluation by samples read).
  const anomalyRate: RuleGroup = {
    name: 'vigil-host-anomaly-rate',
    interval: promDuration(RATE_EVALUATION_SECONDS),
    rules: [
      {
        alert: ALERT_NAMES.highAnomalyRate,
        expr:
          `avg_over_time(${SERIES.anomaly}[${rateWindow}]) > ${t.rateLimit}\n` + `and count_over_time(${SERIES.anomaly}[${rateWindow}]) >= ${t.rateMinSamples}`,
        labels: { ...severityLabels('medium'), component: 'host' },
        annotations: {
          summary: `Host {{ $labels.host }}: {{ $value | humanizePercentage }} of samples anomalous in ${rateWindow}`,
          description:
            `More than ${t.rateLimit * 100}% of the samples of {{ $labels.host }} in the last ${rateWindow} were anomalous. ` +
            `Most frequent top metric: ${topMetric(rateWindow)}.`,
          dashboard: hostDashboard,
          runbook_url: runbook(ALERT_NAMES.highAnomalyRate),
        },
      },
    ],
  };

  const delivery: RuleGroup = {
    name: 'vigil-delivery',
    rules: [
      {
        alert: ALERT_NAMES.hostSilent,
        // Compared by host only: a host whose tags changed still reports under its new label set.
        // The anomaly flag: the one series every sample writes (core/write-policy.ts).
        expr: `present_over_time(${SERIES.anomaly}[${silentMemory}])\nunless on(host) present_over_time(${SERIES.anomaly}[${silentAfter}])`,
        labels: { ...severityLabels('high'), component: 'host' },
        annotations: {
          summary: `Host {{ $labels.host }} sent no samples for ${silentAfter}`,
          description:
            `No scored sample of {{ $labels.host }} arrived in the last ${silentAfter}. Check the vigil-agent service on the host, ` +
            `its spool and its network path to Kinesis. Alerts stop after ${silentMemory} of silence.`,
          dashboard: hostDashboard,
          runbook_url: runbook(ALERT_NAMES.hostSilent),
        },
      },
      {
        alert: ALERT_NAMES.fleetSilent,
        expr: `absent_over_time(${SERIES.anomaly}[${silentAfter}])`,
        labels: { ...severityLabels('critical'), component: 'pipeline' },
        annotations: {
          summary: `No scored sample from any host for ${silentAfter}`,
          description:
            `No host's samples reached Prometheus in the last ${silentAfter}: the scoring function, its Kinesis ` +
            `event source mapping or its Prometheus sink is down. Check the function's errors and iterator age.`,
          dashboard: pipelineDashboard,
          runbook_url: runbook(ALERT_NAMES.fleetSilent),
        },
      },
      {
        alert: ALERT_NAMES.pipelineLagging,
        // The median host's latest lag: the pipeline is behind, not one host replaying its agent spool.
        expr: `quantile(0.5, last_over_time(${SERIES.lag}[${silentMemory}])) > ${t.lagLimitSeconds}`,
        for: promDuration(t.lagHoldSeconds),
        labels: { ...severityLabels('high'), component: 'pipeline' },
        annotations: {
          summary: `The median host's results arrive {{ $value | humanizeDuration }} after the sample (limit ${promDuration(t.lagLimitSeconds)})`,
          description:
            `For ${promDuration(t.lagHoldSeconds)}, half of the hosts' latest results were scored more than ${promDuration(t.lagLimitSeconds)} ` +
            `after their sample time. Check the Kinesis iterator age, the scoring function's duration, throttles and errors.`,
          dashboard: pipelineDashboard,
          runbook_url: runbook(ALERT_NAMES.pipelineLagging),
        },
      },
      {
        alert: ALERT_NAMES.modelStale,
        expr: `time() - max(last_over_time(${SERIES.modelCreated}[${silentAfter}])) > ${t.modelMaxAgeSeconds}`,
        labels: { ...severityLabels('medium'), component: 'model' },
        annotations: {
          summary: `The scoring model is {{ $value | humanizeDuration }} old (limit ${promDuration(t.modelMaxAgeSeconds)})`,
          description:
            `The newest model in use (${modelVersionQuery(silentAfter)}) was created more than ${promDuration(t.modelMaxAgeSeconds)} ago. ` +
            `Retrain on recent data and publish the new model.`,
          dashboard: pipelineDashboard,
          runbook_url: runbook(ALERT_NAMES.modelStale),
        },
      },
    ],
  };
  return { groups: [hostAnomalies, anomalyRate, delivery] };
}

/**
 * A Go template naming the host's most frequent top metric over `window`, and which way it went
 * when the scoring said: "cpu_pct (above its normal)".
 */
function topMetricAndDirection(window: string): string {
  const top = `topk(1, sum_over_time(${SERIES.topMetric}{host=%q}[${window}]))`;
  const direction = `sum(sum_over_time(${SERIES.topDirection}{host=%q,metric=%q}[${window}]))`;
  return (
    `{{ with printf ${JSON.stringify(top)} $labels.host | query }}{{ $metric := . | first | label "metric" }}{{ $metric }}` +
    `{{ with printf ${JSON.stringify(direction)} $labels.host $metric | query }}` +
    `{{ if gt (. | first | value) 0.0 }} (above its normal){{ else if lt (. | first | value) 0.0 }} (below its normal){{ end }}{{ end }}` +
    `{{ else }}unknown{{ end }}`
  );
}

function modelVersionQuery(window: string): string {
  return `{{ with query "topk(1, last_over_time(${SERIES.modelCreated}[${window}]))" }}{{ . | first | label "model_version" }}{{ else }}unknown{{ end }}`;
}

const HEADER = `# vigil alert rules (Prometheus rule-file format, loadable by Amazon Managed Service for Prometheus).
# GENERATED by \`npm run grafana:build\` from alerting/rules.ts: edit that file, not this one.
`;

export function renderRules(t: RuleTimings = PRODUCTION_TIMINGS, links: RuleLinks = DEFAULT_LINKS): string {
  return HEADER + stringify(vigilRules(t, links), { lineWidth: 0 });
}
