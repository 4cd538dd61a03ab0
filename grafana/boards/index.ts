/** Every vigil dashboard, by the file name it is built to under grafana/dashboards/. */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { fleetOverviewDashboard } from './fleet-overview.js';
import { hostDetailDashboard } from './host-detail.js';
import { pipelineHealthDashboard } from './pipeline-health.js';

export interface DashboardOptions {
  /** The deployed scoring function's name, for the iterator-age panel. */
  readonly scoreFunctionName?: string;
}

export const DASHBOARDS: Readonly<Record<string, (options: DashboardOptions) => dashboard.DashboardBuilder>> = {
  'host-detail.json': () => hostDetailDashboard(),
  'fleet-overview.json': () => fleetOverviewDashboard(),
  'pipeline-health.json': (options) => pipelineHealthDashboard(options.scoreFunctionName),
};

/** The dashboards' JSON models, as Grafana's API and file provisioning take them. */
export function buildDashboards(options: DashboardOptions = {}): { file: string; model: dashboard.Dashboard }[] {
  return Object.entries(DASHBOARDS).map(([file, make]) => ({ file, model: make(options).build() }));
}

export function dashboardJson(model: dashboard.Dashboard): string {
  return `${JSON.stringify(model, null, 2)}\n`;
}
