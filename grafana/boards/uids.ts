/** Fixed dashboard and data source uids: alert annotations, dashboard links and provisioning rely on them. */
export { DASHBOARD_UIDS } from '../../alerting/dashboard-uids.js';

export const DATASOURCE_UIDS = {
  prometheus: 'vigil-prometheus',
  timestream: 'vigil-timestream',
  cloudwatch: 'vigil-cloudwatch',
} as const;

/** Grafana plugin ids of the data source types the dashboards use. */
export const DATASOURCE_TYPES = {
  prometheus: 'prometheus',
  timestream: 'grafana-timestream-datasource',
  cloudwatch: 'cloudwatch',
} as const;
