/** Every vigil dashboard, by the file name it is built to under grafana/dashboards/. */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { ALL_SOURCES, type DataSourceKind } from './common.js';
import { fleetOverviewDashboard } from './fleet-overview.js';
import { hostDetailDashboard } from './host-detail.js';
import { pipelineHealthDashboard } from './pipeline-health.js';

export interface DashboardOptions {
  /** The deployed scoring function's name, for the iterator-age panel. */
  readonly scoreFunctionName?: string;
  /**
   * The data sources there are: panels of the others are left out. Prometheus alone is the
   * stack's default (the Prometheus sink only); Timestream where its sink is on, CloudWatch where
   * Grafana reads the function's metrics. @default all three
   */
  readonly sources?: readonly DataSourceKind[];
}

/** The profile of a stack with its defaults: the Prometheus data source only. */
export const PROMETHEUS_ONLY: readonly DataSourceKind[] = ['prometheus'];

export const DASHBOARDS: Readonly<Record<string, (options: DashboardOptions) => dashboard.DashboardBuilder>> = {
  'host-detail.json': (options) => hostDetailDashboard(sourcesOf(options)),
  'fleet-overview.json': (options) => fleetOverviewDashboard(sourcesOf(options)),
  'pipeline-health.json': (options) => pipelineHealthDashboard(options.scoreFunctionName, sourcesOf(options)),
};

function sourcesOf(options: DashboardOptions): ReadonlySet<DataSourceKind> {
  return new Set(['prometheus', ...(options.sources ?? ALL_SOURCES)]);
}

/** The dashboards' JSON models, as Grafana's API and file provisioning take them. */
export function buildDashboards(options: DashboardOptions = {}): { file: string; model: dashboard.Dashboard }[] {
  return Object.entries(DASHBOARDS).map(([file, make]) => ({ file, model: make(options).build() }));
}

export function dashboardJson(model: dashboard.Dashboard): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}
