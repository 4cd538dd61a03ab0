/** The data sources the vigil dashboards select, under their fixed uids, as Grafana's API takes them. */
import { TIMESTREAM_MEASURE_NAME } from '../../core/stored-result.js';
import { DATASOURCE_TYPES, DATASOURCE_UIDS } from '../boards/uids.js';
import type { DataSourceKind } from '../boards/common.js';
import type { PublishConfig } from './config.js';

export interface DataSourceModel {
  uid: string;
  name: string;
  type: string;
  access: 'proxy';
  url: string;
  isDefault: boolean;
  jsonData: Record<string, unknown>;
}

/** The data sources of config.sources. */
export function vigilDataSources(config: PublishConfig): DataSourceModel[] {
  const aws = { authType: config.awsAuthType, defaultRegion: config.region };
  const all: DataSourceModel[] = [
    {
      uid: DATASOURCE_UIDS.prometheus,
      name: 'vigil Prometheus',
      type: DATASOURCE_TYPES.prometheus,
      access: 'proxy',
      url: config.prometheusUrl,
      isDefault: false,
      jsonData: {
        httpMethod: 'POST',
        // The agents' default sample interval: Grafana never asks for a finer step.
        timeInterval: '10s',
        ...(config.prometheusSigV4 ? { sigV4Auth: true, sigV4AuthType: config.awsAuthType, sigV4Region: config.region } : {}),
      },
    },
    {
      uid: DATASOURCE_UIDS.timestream,
      name: 'vigil Timestream',
      type: DATASOURCE_TYPES.timestream,
      access: 'proxy',
      url: '',
      isDefault: false,
      jsonData: { ...aws, defaultDatabase: config.timestreamDatabase, defaultTable: config.timestreamTable, defaultMeasure: TIMESTREAM_MEASURE_NAME },
    },
    {
      uid: DATASOURCE_UIDS.cloudwatch,
      name: 'vigil CloudWatch',
      type: DATASOURCE_TYPES.cloudwatch,
      access: 'proxy',
      url: '',
      isDefault: false,
      jsonData: aws,
    },
  ];
  const kinds = Object.entries(DATASOURCE_UIDS).filter(([kind]) => config.sources.includes(kind as DataSourceKind));
  return all.filter((source) => kinds.some(([, uid]) => uid === source.uid));
}
