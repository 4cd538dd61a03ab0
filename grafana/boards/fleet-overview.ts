/**
 * Fleet overview: which hosts are anomalous now, anomaly rate by host over time, and which hosts
 * went silent. Live from Prometheus; anomaly counts by host and severity from Timestream.
 */
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statushistory from '@grafana/grafana-foundation-sdk/statushistory';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { SERIES } from '../../core/alert-series.js';
import { TIMESTREAM_MEASURE_NAME } from '../../core/stored-result.js';
import { PRODUCTION_TIMINGS } from '../../alerting/rules.js';
import { promDuration } from '../../alerting/duration.js';
import {
  ALL_SOURCES,
  datasourceVariable,
  type DataSourceKind,
  DS,
  groupByVariable,
  hostVariable,
  newDashboard,
  promInstant,
  promQuery,
  promTable,
  RESULTS_TABLE,
  SEVERITY_MAPPINGS,
  tagsVariable,
  thresholds,
  TimestreamQueryBuilder,
} from './common.js';
import { DASHBOARD_UIDS } from './uids.js';

const hosts = 'host=~"$host"';
/** The same silence the VigilHostSilent alert uses. */
const silentAfter = promDuration(PRODUCTION_TIMINGS.silentAfterSeconds);
const silentMemory = promDuration(PRODUCTION_TIMINGS.silentMemorySeconds);
/** Click a host to open its detail dashboard over the same time range. */
const hostLink = [
  new dashboard.DashboardLinkBuilder('Host detail')
    .type(dashboard.DashboardLinkType.Link)
    .url(`/d/${DASHBOARD_UIDS.hostDetail}?var-host=\${__data.fields.host}&\${__url_time_range}`),
];

function hostsReporting(): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title('Hosts reporting')
    .description(`Hosts with a scored sample in the last ${silentAfter}.`)
    .datasource(DS.prometheus)
    .withTarget(promInstant(`count(max by (host) (present_over_time(${SERIES.score}{${hosts}}[${silentAfter}])))`))
    .height(5)
    .span(6);
}

function hostsAnomalousNow(): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title('Hosts anomalous now')
    .description('Hosts whose latest sample is anomalous.')
    .datasource(DS.prometheus)
    .withTarget(promInstant(`count(max by (host) (last_over_time(${SERIES.anomaly}{${hosts}}[${silentAfter}])) == 1) or vector(0)`))
    .thresholds(
      thresholds([
        [null, 'green'],
        [1, 'red'],
      ]),
    )
    .colorMode(common.BigValueColorMode.Background)
    .height(5)
    .span(6);
}

function hostsSilentCount(): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title('Hosts silent')
    .description(`Hosts that reported in the last ${silentMemory} but not in the last ${silentAfter}.`)
    .datasource(DS.prometheus)
    .withTarget(promInstant(`count(${silentHostsExpr()}) or vector(0)`))
    .thresholds(
      thresholds([
        [null, 'green'],
        [1, 'red'],
      ]),
    )
    .colorMode(common.BigValueColorMode.Background)
    .height(5)
    .span(6);
}

function fleetAnomalyRate(): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title('Fleet anomaly rate')
    .description('Share of all samples in the selected range that were anomalous.')
    .datasource(DS.prometheus)
    .withTarget(promInstant(`sum(sum_over_time(${SERIES.anomaly}{${hosts}}[$__range])) / sum(count_over_time(${SERIES.anomaly}{${hosts}}[$__range]))`))
    .unit('percentunit')
    .height(5)
    .span(6);
}

function mostAnomalousNow(): bargauge.PanelBuilder {
  return new bargauge.PanelBuilder()
    .title('Most anomalous hosts now')
    .description('The ten hosts with the highest latest score; red at or above their model threshold.')
    .datasource(DS.prometheus)
    .withTarget(promInstant(`topk(10, max by (host) (last_over_time(${SERIES.score}{${hosts}}[${silentAfter}])))`, '{{host}}'))
    .min(0)
    .max(1)
    .thresholds(
      thresholds([
        [null, 'green'],
        [0.5, 'orange'],
        [0.6, 'red'],
      ]),
    )
    .orientation(common.VizOrientation.Horizontal)
    .dataLinks(hostLink)
    .height(10)
    .span(12);
}

function rateByHostTable(): table.PanelBuilder {
  return new table.PanelBuilder()
    .title('Anomaly rate by host, past hour')
    .description("Share of each host's samples in the past hour that were anomalous, highest first, with its current severity.")
    .datasource(DS.prometheus)
    .withTarget(promTable(`sort_desc(avg by (host) (avg_over_time(${SERIES.anomaly}{${hosts}}[1h])))`, 'A'))
    .withTarget(promTable(`max by (host) (last_over_time(${SERIES.severity}{${hosts}}[${silentAfter}]))`, 'B'))
    .withTransformation({ id: 'merge', options: {} })
    .withTransformation({
      id: 'organize',
      options: { excludeByName: { Time: true }, renameByName: { 'Value #A': 'anomaly rate', 'Value #B': 'severity now' } },
    })
    .overrideByName('anomaly rate', [{ id: 'unit', value: 'percentunit' }])
    .overrideByName('severity now', [{ id: 'mappings', value: SEVERITY_MAPPINGS }])
    .dataLinks(hostLink)
    .height(10)
    .span(12);
}

/** Fleet, then group: hosts anomalous now per value of the $group_by tag. */
function anomalousByGroup(): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title('Anomalous hosts by $group_by')
    .description(
      'Per value of the tag chosen in "Group by tag": how many of its hosts have an anomalous latest sample. Open a group with the Tags filter, then a host.',
    )
    .datasource(DS.prometheus)
    .withTarget(
      promQuery(`count by ($group_by) (max by (host, $group_by) (last_over_time(${SERIES.anomaly}{${hosts}}[${silentAfter}])) == 1)`, '{{$group_by}}'),
    )
    .min(0)
    .height(8)
    .span(12);
}

function rateByGroupOverTime(): statushistory.PanelBuilder {
  return new statushistory.PanelBuilder()
    .title('Anomaly rate by $group_by over time')
    .description(
      'Each row a value of the tag chosen in "Group by tag", each cell the share of its samples anomalous in that interval: one row per group, however many hosts.',
    )
    .datasource(DS.prometheus)
    .withTarget(promQuery(`avg by ($group_by) (avg_over_time(${SERIES.anomaly}{${hosts}}[$__interval]))`, '{{$group_by}}').interval('1m'))
    .unit('percentunit')
    .thresholds(
      thresholds([
        [null, 'green'],
        [0.01, 'yellow'],
        [0.1, 'red'],
      ]),
    )
    .height(8)
    .span(12);
}

function rateByHostOverTime(): statushistory.PanelBuilder {
  return new statushistory.PanelBuilder()
    .title('Anomaly rate by host over time')
    .description('Each row a host, each cell the share of anomalous samples in that interval.')
    .datasource(DS.prometheus)
    .withTarget(promQuery(`avg by (host) (avg_over_time(${SERIES.anomaly}{${hosts}}[$__interval]))`, '{{host}}').interval('1m'))
    .unit('percentunit')
    .thresholds(
      thresholds([
        [null, 'green'],
        [0.01, 'yellow'],
        [0.1, 'red'],
      ]),
    )
    .height(12)
    .span(24);
}

function silentHostsExpr(): string {
  return `max by (host) (present_over_time(${SERIES.score}{${hosts}}[${silentMemory}])) unless on(host) max by (host) (present_over_time(${SERIES.score}{${hosts}}[${silentAfter}]))`;
}

function silentHosts(): table.PanelBuilder {
  return new table.PanelBuilder()
    .title('Silent hosts')
    .description(`Hosts with no sample for ${silentAfter} (within the last ${silentMemory}), with when they were last heard from.`)
    .datasource(DS.prometheus)
    .withTarget(promTable(`max by (host) (max_over_time(timestamp(${SERIES.score}{${hosts}})[${silentMemory}:1m])) * 1000 and on(host) (${silentHostsExpr()})`))
    .withTransformation({ id: 'organize', options: { excludeByName: { Time: true }, renameByName: { Value: 'last sample' } } })
    .overrideByName('last sample', [{ id: 'unit', value: 'dateTimeAsIso' }])
    .dataLinks(hostLink)
    .height(8)
    .span(12);
}

function anomaliesBySeverity(): table.PanelBuilder {
  const sql = [
    'SELECT host, severity, count(*) AS samples, max(score) AS max_score',
    `FROM ${RESULTS_TABLE}`,
    `WHERE measure_name = '${TIMESTREAM_MEASURE_NAME}' AND anomaly = true AND $__timeFilter`,
    'GROUP BY host, severity',
    'ORDER BY samples DESC',
    'LIMIT 100',
  ].join('\n');
  return new table.PanelBuilder()
    .title('Anomalous samples by host and severity (Timestream)')
    .description('From the stored results: anomalous samples per host and severity in the selected range.')
    .datasource(DS.timestream)
    .withTarget(new TimestreamQueryBuilder(sql))
    .dataLinks(hostLink)
    .height(8)
    .span(12);
}

export function fleetOverviewDashboard(sources: ReadonlySet<DataSourceKind> = new Set(ALL_SOURCES)): dashboard.DashboardBuilder {
  const board = newDashboard(
    'vigil / Fleet overview',
    DASHBOARD_UIDS.fleetOverview,
    'The whole fleet: anomalous hosts now, anomaly rate by host, silent hosts.',
  )
    .withVariable(datasourceVariable('prometheus', 'Prometheus'))
    .withVariable(hostVariable(true))
    .withVariable(groupByVariable())
    .withVariable(tagsVariable())
    .link(new dashboard.DashboardLinkBuilder('vigil dashboards').type(dashboard.DashboardLinkType.Dashboards).tags(['vigil']).keepTime(true).asDropdown(true))
    .withRow(new dashboard.RowBuilder('Now'))
    .withPanel(hostsReporting())
    .withPanel(hostsAnomalousNow())
    .withPanel(hostsSilentCount())
    .withPanel(fleetAnomalyRate())
    .withPanel(mostAnomalousNow())
    .withPanel(rateByHostTable())
    .withRow(new dashboard.RowBuilder('By group'))
    .withPanel(anomalousByGroup())
    .withPanel(rateByGroupOverTime())
    .withRow(new dashboard.RowBuilder('Over time'))
    .withPanel(rateByHostOverTime())
    .withRow(new dashboard.RowBuilder('Silence and history'))
    .withPanel(silentHosts());
  if (!sources.has('timestream')) return board;
  return board.withVariable(datasourceVariable('timestream', 'Timestream')).withPanel(anomaliesBySeverity());
}
