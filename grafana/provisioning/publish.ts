/**
 * Publishing to Grafana idempotently: the vigil folder, the data sources under their fixed uids and
 * the dashboards. What already matches is left alone, so a second run writes nothing.
 */
import { isDeepStrictEqual } from 'node:util';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { PublishConfig } from './config.js';
import { vigilDataSources, type DataSourceModel } from './datasources.js';
import { GrafanaApi } from './grafana-api.js';

/** The folder's uid is fixed, so a rename of its title does not fork it. */
export const FOLDER_UID = 'vigil';

export interface PublishReport {
  readonly grafanaVersion?: string;
  readonly created: string[];
  readonly updated: string[];
  readonly unchanged: string[];
}

interface ExistingDataSource extends Partial<DataSourceModel> {
  id: number;
  readOnly?: boolean;
}

export async function publishToGrafana(config: PublishConfig, dashboards: readonly dashboard.Dashboard[]): Promise<PublishReport> {
  const api = new GrafanaApi(config.grafanaUrl, config.token);
  const { version } = await api.health();
  const report: PublishReport = { ...(version ? { grafanaVersion: version } : {}), created: [], updated: [], unchanged: [] };

  const folder = await api.get<{ uid: string }>(`/api/folders/${FOLDER_UID}`);
  if (folder) report.unchanged.push(`folder ${FOLDER_UID}`);
  else {
    await api.send('POST', '/api/folders', { uid: FOLDER_UID, title: config.folderTitle });
    report.created.push(`folder ${FOLDER_UID}`);
  }

  for (const wanted of vigilDataSources(config)) {
    const what = `data source ${wanted.uid}`;
    const existing = await api.get<ExistingDataSource>(`/api/datasources/uid/${wanted.uid}`);
    if (!existing) {
      await api.send('POST', '/api/datasources', wanted);
      report.created.push(what);
    } else if (dataSourceMatches(existing, wanted)) {
      report.unchanged.push(what);
    } else {
      if (existing.readOnly) {
        throw new Error(
          `${what} in Grafana is provisioned from a file (read-only) and differs from what vigil needs; change it in that file or delete it there`,
        );
      }
      // Settings someone added in Grafana (other jsonData keys) are kept; vigil's own are set.
      await api.send('PUT', `/api/datasources/uid/${wanted.uid}`, { ...wanted, id: existing.id, jsonData: { ...existing.jsonData, ...wanted.jsonData } });
      report.updated.push(what);
    }
  }

  for (const model of dashboards) {
    const what = `dashboard ${model.uid}`;
    const existing = await api.get<{ dashboard: Record<string, unknown>; meta?: { folderUid?: string } }>(`/api/dashboards/uid/${model.uid}`);
    if (existing && existing.meta?.folderUid === FOLDER_UID && isDeepStrictEqual(withoutIdentity(existing.dashboard), withoutIdentity(model))) {
      report.unchanged.push(what);
      continue;
    }
    await api.send('POST', '/api/dashboards/db', {
      dashboard: { ...model, id: null },
      folderUid: FOLDER_UID,
      overwrite: true,
      message: 'published by vigil grafana:publish',
    });
    (existing ? report.updated : report.created).push(what);
  }
  return report;
}

function dataSourceMatches(existing: ExistingDataSource, wanted: DataSourceModel): boolean {
  const { jsonData, ...fields } = wanted;
  return (
    Object.entries(fields).every(([key, value]) => isDeepStrictEqual(existing[key as keyof DataSourceModel], value)) &&
    Object.entries(jsonData).every(([key, value]) => isDeepStrictEqual(existing.jsonData?.[key], value))
  );
}

/** Grafana adds its own id and version to a stored dashboard; the content is the rest. */
function withoutIdentity(model: object): Record<string, unknown> {
  const { id: _id, version: _version, ...content } = JSON.parse(JSON.stringify(model)) as Record<string, unknown>;
  return content;
}
