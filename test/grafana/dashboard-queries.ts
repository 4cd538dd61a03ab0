/**
 * Reading the queries out of built dashboards, and checking a Timestream SQL query against the
 * stored-result contract: the helpers of test/grafana/dashboards.test.ts.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { HOST_METRICS } from '../../core/host-metrics.js';
import { METRIC_MEASURE_PREFIX, RESULT_MEASURES, TIMESTREAM_MEASURE_NAME } from '../../core/stored-result.js';

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  datasourceType: string;
  target: Record<string, unknown>;
}

/** Every panel target, rows included, with the data source type it goes to. */
export function panelQueries(model: dashboard.Dashboard): DashboardQuery[] {
  const panels = (model.panels ?? []).flatMap((p) => [p, ...((p as dashboard.RowPanel).panels ?? [])]) as dashboard.Panel[];
  return panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => {
      const t = target as unknown as Record<string, unknown> & { datasource?: { type?: string } };
      return {
        dashboard: model.uid ?? model.title ?? '(untitled)',
        panel: panel.title ?? '(untitled)',
        datasourceType: t.datasource?.type ?? panel.datasource?.type ?? '(none)',
        target: t,
      };
    }),
  );
}

/** Query variables' `label_values(selector, label)` definitions. */
export function labelValuesQueries(model: dashboard.Dashboard): { variable: string; selector: string; label: string }[] {
  return (model.templating?.list ?? [])
    .filter((v) => v.type === 'query' && String(v.query) !== 'label_names()')
    .map((v) => {
      const match = /^label_values\((.+),\s*(\w+)\)$/.exec(String(v.query));
      if (!match) throw new Error(`variable ${v.name} of ${model.uid}: expected label_values(selector, label), got ${String(v.query)}`);
      return { variable: v.name, selector: match[1]!, label: match[2]! };
    });
}

/** Grafana's template variables replaced by concrete values, as Grafana would before sending. */
export function substitute(query: string, values: Readonly<Record<string, string>>): string {
  return query.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => values[name] ?? whole);
}

/** Words a query may use besides column names and aliases. */
const SQL_WORDS = new Set(
  'select from where and or not as group by order desc asc limit true false count max min avg sum bin ago between in is null case when then else end having distinct'.split(
    ' ',
  ),
);

/** The columns of a stored-result record: its dimensions, measure name, time and measures. */
export const STORED_RESULT_COLUMNS = new Set<string>([
  'time',
  'measure_name',
  'host',
  ...Object.keys(RESULT_MEASURES),
  ...HOST_METRICS.map((m) => `${METRIC_MEASURE_PREFIX}${m}`),
]);

/**
 * The problems of a Timestream SQL query against the stored-result contract: it must read the
 * contract's table through the plugin's macros, select the contract's measure name, and name no
 * column the contract does not define. Empty when it is fine.
 */
export function timestreamQueryProblems(sql: string): string[] {
  const problems: string[] = [];
  const tables = [...sql.matchAll(/\bFROM\s+(\S+)/gi)].map((m) => m[1]);
  if (tables.length === 0 || tables.some((t) => t !== '$__database.$__table')) {
    problems.push(`reads ${tables.join(', ') || 'no table'}; read the stored-result table as $__database.$__table`);
  }
  if (!new RegExp(`measure_name\\s*=\\s*'${TIMESTREAM_MEASURE_NAME}'`).test(sql)) {
    problems.push(`does not select measure_name = '${TIMESTREAM_MEASURE_NAME}'`);
  }
  const code = sql.replace(/'[^']*'/g, ' ').replace(/\$\{?\w+\}?(\.\$\{?\w+\}?)?/g, ' ');
  const aliases = new Set([...code.matchAll(/\bAS\s+(\w+)/gi)].map((m) => m[1]!.toLowerCase()));
  for (const word of code.match(/\b[A-Za-z_][A-Za-z0-9_]*\b/g) ?? []) {
    const lower = word.toLowerCase();
    if (!SQL_WORDS.has(lower) && !aliases.has(lower) && !STORED_RESULT_COLUMNS.has(word)) {
      problems.push(`names ${word}, which is not a dimension or measure of the stored-result contract`);
    }
  }
  return problems;
}
