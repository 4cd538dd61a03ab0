/** The dashboards' fixed uids: alert annotations link to them, grafana/boards builds them with them. */
export const DASHBOARD_UIDS = {
  hostDetail: 'vigil-host-detail',
  fleetOverview: 'vigil-fleet-overview',
  pipelineHealth: 'vigil-pipeline-health',
} as const;
