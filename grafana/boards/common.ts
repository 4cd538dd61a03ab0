/**
 * House defaults shared by the vigil dashboards: data source variables and references, the host and
 * tag variables, and query builders for Prometheus, Timestream (SQL) and CloudWatch.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as cloudwatch from '@grafana/grafana-foundation-sdk/cloudwatch';
import type * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import { SERIES } from '../../core/alert-series.js';
import { SEVERITIES } from '../../core/manifest.js';
import { METRICS_NAMESPACE, SCORE_SERVICE_NAME } from '../../core/score-function.js';
import { TIMESTREAM_MEASURE_NAME } from '../../core/stored-result.js';
import { DATASOURCE_TYPES, DATASOURCE_UIDS } from './uids.js';

/** Panels reference data sources through these variables, so one dashboard works in every workspace. */
export const DS = {
  prometheus: { type: DATASOURCE_TYPES.prometheus, uid: '${prometheus}' },
  timestream: { type: DATASOURCE_TYPES.timestream, uid: '${timestream}' },
  cloudwatch: { type: DATASOURCE_TYPES.cloudwatch, uid: '${cloudwatch}' },
} as const satisfies Record<string, common.DataSourceRef>;

export function datasourceVariable(name: keyof typeof DS, label: string): dashboard.DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder(name)
    .label(label)
    .type(DATASOURCE_TYPES[name])
    .current({ text: DATASOURCE_UIDS[name], value: DATASOURCE_UIDS[name] });
}

/** Hosts that reported a score: one host (detail) or several with All (fleet). */
export function hostVariable(multi: boolean): dashboard.QueryVariableBuilder {
  const query = `label_values(${SERIES.anomaly}, host)`;
  const variable = new dashboard.QueryVariableBuilder('host')
    .label('Host')
    .datasource(DS.prometheus)
    .query(query)
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
  return multi ? variable.multi(true).includeAll(true).allValue('.+') : variable;
}

/** Labels every vigil series carries that are not host tags. */
export const NOT_TAGS = ['__name__', 'host', 'instance', 'metric', 'model_version', 'job'];

/** The tag to group hosts by (fleet, then group, then host): any label of the hosts' series but vigil's own. */
export function groupByVariable(): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder('group_by')
    .label('Group by tag')
    .datasource(DS.prometheus)
    .query('label_names()')
    .definition('label_names()')
    .regex(`/^(?!(${NOT_TAGS.join('|')})$).+$/`)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
}

/** Host tags are labels of every vigil series: filter by any of them. */
export function tagsVariable(): dashboard.AdHocVariableBuilder {
  return new dashboard.AdHocVariableBuilder('tags').label('Tags').datasource(DS.prometheus);
}

export function promQuery(expr: string, legend = '', refId = 'A'): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder().datasource(DS.prometheus).expr(expr).legendFormat(legend).refId(refId);
}

/** An instant query, for stats and gauges that show one value per series (named by `legend`). */
export function promInstant(expr: string, legend = '', refId = 'A'): prometheus.DataqueryBuilder {
  return promQuery(expr, legend, refId).instant();
}

/** An instant query as a table (one column per label, `Value #<refId>`), for table panels. */
export function promTable(expr: string, refId = 'A'): prometheus.DataqueryBuilder {
  return promQuery(expr, '', refId).instant().format(prometheus.PromQueryFormat.Table);
}

/** The query model of grafana-timestream-datasource (its src/types.ts); the SDK ships no builder for it. */
export interface TimestreamQuery {
  refId?: string;
  hide?: boolean;
  datasource?: common.DataSourceRef;
  database?: string;
  table?: string;
  measure?: string;
  /** SQL with the plugin's macros: $__database, $__table, $__timeFilter, $__interval_ms. */
  rawQuery: string;
  _implementsDataqueryVariant(): void;
}

export class TimestreamQueryBuilder implements cog.Builder<cog.Dataquery> {
  private readonly internal: TimestreamQuery;

  constructor(sql: string, refId = 'A') {
    this.internal = {
      refId,
      datasource: DS.timestream,
      // No database or table here: $__database and $__table take the data source's defaults,
      // which grafana:publish sets to the stack's names.
      measure: TIMESTREAM_MEASURE_NAME,
      rawQuery: sql,
      _implementsDataqueryVariant() {},
    };
  }

  build(): TimestreamQuery {
    return this.internal;
  }
}

/** The stored-result table, through the plugin's macros (the data source's default database and table). */
export const RESULTS_TABLE = '$__database.$__table';

/** A CloudWatch metric of the scoring function (Powertools namespace and `service` dimension), summed. */
export function scoreFunctionMetric(metricName: string, refId: string, label = metricName): cloudwatch.MetricsQueryBuilder {
  return new cloudwatch.MetricsQueryBuilder()
    .datasource(DS.cloudwatch)
    .queryMode(cloudwatch.QueryMode.Metrics)
    .metricQueryType(cloudwatch.MetricQueryType.Search)
    .metricEditorMode(cloudwatch.MetricEditorMode.Builder)
    .region('default')
    .namespace(METRICS_NAMESPACE)
    .metricName(metricName)
    .dimensions({ service: SCORE_SERVICE_NAME })
    .matchExact(true)
    .statistic('Sum')
    .label(label)
    .refId(refId);
}

/** A CloudWatch metric that AWS publishes for the scoring function itself (AWS/Lambda). */
export function lambdaMetric(metricName: string, statistic: string, refId: string): cloudwatch.MetricsQueryBuilder {
  return new cloudwatch.MetricsQueryBuilder()
    .datasource(DS.cloudwatch)
    .queryMode(cloudwatch.QueryMode.Metrics)
    .metricQueryType(cloudwatch.MetricQueryType.Search)
    .metricEditorMode(cloudwatch.MetricEditorMode.Builder)
    .region('default')
    .namespace('AWS/Lambda')
    .metricName(metricName)
    .dimensions({ FunctionName: '$score_function' })
    .matchExact(true)
    .statistic(statistic)
    .refId(refId);
}

const SEVERITY_COLORS = ['green', 'yellow', 'orange', 'red', 'dark-red'] as const;

/** vigil_anomaly_severity levels (core/manifest.ts SEVERITIES, by index) as names and colours. */
export const SEVERITY_MAPPINGS: dashboard.ValueMapping[] = [
  {
    type: dashboard.MappingType.ValueToText,
    options: Object.fromEntries(SEVERITIES.map((text, index) => [String(index), { text, color: SEVERITY_COLORS[index], index }])),
  },
];

export function thresholds(steps: [number | null, string][]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps.map(([value, color]) => ({ value, color })));
}

/** The data sources a dashboard may use; Prometheus is always there. */
export type DataSourceKind = 'prometheus' | 'timestream' | 'cloudwatch';
export const ALL_SOURCES: readonly DataSourceKind[] = ['prometheus', 'timestream', 'cloudwatch'];

/** Adds the panels whose data source is among `sources`. */
export function panelsFrom(
  board: dashboard.DashboardBuilder,
  sources: ReadonlySet<DataSourceKind>,
  panels: readonly (readonly [DataSourceKind, cog.Builder<dashboard.Panel>])[],
): dashboard.DashboardBuilder {
  for (const [source, panel] of panels) if (sources.has(source)) board.withPanel(panel);
  return board;
}

export function newDashboard(title: string, uid: string, description: string): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder(title)
    .uid(uid)
    .description(description)
    .tags(['vigil'])
    .editable()
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .annotations(modelChangeAnnotations());
}

/**
 * Model changes, as the scoring function's series show them: a model version in use that was not
 * 10 minutes before, created after the newest one then (published) or before it (rolled back).
 * Each marks the 10 minutes after the change. Read over 5 minutes: the write policy writes the
 * model series once a minute per host (core/write-policy.ts).
 */
export const MODEL_CHANGE_QUERIES = (() => {
  const inUse = (offset: string): string => `max by (model_version) (last_over_time(${SERIES.modelCreated}[5m]${offset}))`;
  const appeared = `(${inUse('')} unless ${inUse(' offset 10m')})`;
  const newestBefore = `scalar(max(${inUse(' offset 10m')}))`;
  return { published: `${appeared} > ${newestBefore}`, rolledBack: `${appeared} < ${newestBefore}` };
})();

function modelChangeAnnotations(): dashboard.AnnotationQueryBuilder[] {
  const annotation = (name: string, expr: string, title: string, color: string): dashboard.AnnotationQueryBuilder =>
    new dashboard.AnnotationQueryBuilder()
      .name(name)
      .datasource(DS.prometheus)
      .enable(true)
      .iconColor(color)
      .expr(expr)
      .step('1m')
      .titleFormat(title)
      .tagKeys('model_version');
  return [
    annotation('Model published', MODEL_CHANGE_QUERIES.published, 'Model {{model_version}} published', 'blue'),
    annotation('Model rolled back', MODEL_CHANGE_QUERIES.rolledBack, 'Rolled back to model {{model_version}}', 'orange'),
  ];
}
