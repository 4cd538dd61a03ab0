/**
 * Host detail: is this host anomalous now, how sure is the model, which metric, and each metric
 * against the model's band (core/band.ts) with the anomalous samples marked. Live series from
 * Prometheus, the history of anomalous samples from Timestream.
 */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as gauge from '@grafana/grafana-foundation-sdk/gauge';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as common from '@grafana/grafana-foundation-sdk/common';
import { bandSeries, HOST_METRIC_SERIES, SERIES } from '../../core/alert-series.js';
import { BAND_HEARTBEAT_SECONDS } from '../../core/write-policy.js';
import { HOST_METRICS, type HostMetric } from '../../core/host-metrics.js';
import { TIMESTREAM_MEASURE_NAME } from '../../core/stored-result.js';
import {
  ALL_SOURCES,
  datasourceVariable,
  type DataSourceKind,
  DS,
  hostVariable,
  newDashboard,
  promInstant,
  promQuery,
  RESULTS_TABLE,
  SEVERITY_MAPPINGS,
  tagsVariable,
  thresholds,
  TimestreamQueryBuilder,
} from './common.js';
import { DASHBOARD_UIDS } from './uids.js';

const host = 'host="$host"';
/**
 * How far back a band query looks for the latest band point: the write policy writes one when the
 * band moves, and at least every BAND_HEARTBEAT_SECONDS (core/write-policy.ts), so the last one is
 * never older than that (5 minutes more for a late batch).
 */
export const BAND_LOOKBACK = `${BAND_HEARTBEAT_SECONDS / 60 + 5}m`;

/**
 * A bound of the model's band as a graph draws it: its latest point (the band is written when it
 * moves), only while the host sends (its anomaly flag, written for every sample, is there).
 */
export function bandQuery(series: string): string {
  return `max(last_over_time(${series}{${host}}[${BAND_LOOKBACK}]) and on(host) ${SERIES.anomaly}{${host}})`;
}

/** Grafana's unit for a series named by the Prometheus naming guide. */
export function grafanaUnit(series: string): string {
  if (series.endsWith('_ratio')) return 'percentunit';
  if (series.endsWith('_bytes_per_second')) return 'Bps';
  if (series.endsWith('_seconds')) return 's';
  if (series.endsWith('_per_second')) return 'suffix:/s';
  return 'short';
}

function statusNow(): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title('Status now')
    .description('Severity of the latest sample: normal, low, medium, high or critical.')
    .datasource(DS.prometheus)
    .withTarget(promInstant(`max(${SERIES.severity}{${host}})`))
    .mappings(SEVERITY_MAPPINGS)
    .colorMode(common.BigValueColorMode.Background)
    .height(5)
    .span(5);
}

function confidence(): gauge.PanelBuilder {
  return new gauge.PanelBuilder()
    .title('Confidence')
    .description('How sure the model is of the latest verdict (0.5 at the threshold, 1 far from it).')
    .datasource(DS.prometheus)
    .withTarget(promInstant(`max(${SERIES.confidence}{${host}})`))
    .unit('percentunit')
    .min(0)
    .max(1)
    .thresholds(
      thresholds([
        [null, 'red'],
        [0.6, 'orange'],
        [0.8, 'green'],
      ]),
    )
    .height(5)
    .span(4);
}

function anomalyCount(): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title('Anomalous samples')
    .description('Anomalous samples in the selected time range.')
    .datasource(DS.prometheus)
    .withTarget(promInstant(`sum(sum_over_time(${SERIES.anomaly}{${host}}[$__range]))`))
    .decimals(0)
    .thresholds(
      thresholds([
        [null, 'green'],
        [1, 'orange'],
      ]),
    )
    .height(5)
    .span(5);
}

function anomalyRate(): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title('Anomaly rate')
    .description('Share of samples in the selected time range that were anomalous (the rate alert fires above 10% in an hour).')
    .datasource(DS.prometheus)
    .withTarget(promInstant(`avg(avg_over_time(${SERIES.anomaly}{${host}}[$__range]))`))
    .unit('percentunit')
    .thresholds(
      thresholds([
        [null, 'green'],
        [0.05, 'orange'],
        [0.1, 'red'],
      ]),
    )
    .height(5)
    .span(5);
}

function topMetric(): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title('Top contributing metric')
    .description('The metric most often furthest from its baseline in anomalous samples of the selected range.')
    .datasource(DS.prometheus)
    .withTarget(promInstant(`topk(1, sum by (metric) (sum_over_time(${SERIES.topMetric}{${host}}[$__range])))`, '{{metric}}'))
    .textMode(common.BigValueTextMode.Name)
    .noValue('none (no anomalies)')
    .height(5)
    .span(5);
}

function scoreAgainstThreshold(): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title('Anomaly score against threshold')
    .datasource(DS.prometheus)
    .withTarget(promQuery(`max(${SERIES.score}{${host}})`, 'score', 'A'))
    .withTarget(promQuery(`max(${SERIES.threshold}{${host}})`, 'threshold', 'B'))
    .overrideByName('threshold', [
      { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
      { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } },
    ])
    .min(0)
    .max(1)
    .height(8)
    .span(12);
}

function rollingAnomalyRate(): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title('Anomaly rate, past hour')
    .datasource(DS.prometheus)
    .withTarget(promQuery(`avg(avg_over_time(${SERIES.anomaly}{${host}}[1h]))`, 'anomaly rate'))
    .unit('percentunit')
    .min(0)
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line))
    .thresholds(
      thresholds([
        [null, 'green'],
        [0.1, 'red'],
      ]),
    )
    .height(8)
    .span(12);
}

/** One panel per host metric, in its unit: the value, the model's band and the anomalous samples. */
function metricAgainstBand(metric: HostMetric): timeseries.PanelBuilder {
  const series = HOST_METRIC_SERIES[metric];
  const band = bandSeries(metric);
  const actual = `${series.name}{${host}}`;
  return new timeseries.PanelBuilder()
    .title(`${metric}: actual against the model's band`)
    .description(
      `${series.help} The band is the model's: the host's long normal plus or minus how far the model lets this metric deviate before it alone is anomalous (drawn within a tenth of its width). Points mark anomalous samples; the model also flags values inside the band that moved too fast or together with other metrics.`,
    )
    .datasource(DS.prometheus)
    .unit(grafanaUnit(series.name))
    .withTarget(promQuery(`max(${actual})`, 'actual', 'A'))
    .withTarget(promQuery(bandQuery(band.upper), 'expected high', 'B'))
    .withTarget(promQuery(bandQuery(band.lower), 'expected low', 'C'))
    .withTarget(promQuery(`max(${actual} and on(host) (${SERIES.anomaly}{${host}} == 1))`, 'anomalous', 'D'))
    .overrideByName('expected high', [
      { id: 'custom.fillBelowTo', value: 'expected low' },
      { id: 'custom.lineInterpolation', value: 'stepAfter' },
      { id: 'custom.lineWidth', value: 0 },
      { id: 'color', value: { mode: 'fixed', fixedColor: 'green' } },
    ])
    .overrideByName('expected low', [
      { id: 'custom.lineInterpolation', value: 'stepAfter' },
      { id: 'custom.lineWidth', value: 0 },
      { id: 'color', value: { mode: 'fixed', fixedColor: 'green' } },
    ])
    .overrideByName('anomalous', [
      { id: 'custom.drawStyle', value: 'points' },
      { id: 'custom.pointSize', value: 8 },
      { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } },
    ])
    .height(8)
    .span(12);
}

function anomalyHistory(): table.PanelBuilder {
  const sql = [
    'SELECT time, severity, score, confidence, top_metric, model_version',
    `FROM ${RESULTS_TABLE}`,
    `WHERE measure_name = '${TIMESTREAM_MEASURE_NAME}' AND host = '$host' AND anomaly = true AND $__timeFilter`,
    'ORDER BY time DESC',
    'LIMIT 200',
  ].join('\n');
  return new table.PanelBuilder()
    .title('Anomalous samples (history, Timestream)')
    .description('Every anomalous sample of the host in the selected range, newest first, from the stored results.')
    .datasource(DS.timestream)
    .withTarget(new TimestreamQueryBuilder(sql))
    .height(10)
    .span(24);
}

export function hostDetailDashboard(sources: ReadonlySet<DataSourceKind> = new Set(ALL_SOURCES)): dashboard.DashboardBuilder {
  const board = newDashboard(
    'vigil / Host detail',
    DASHBOARD_UIDS.hostDetail,
    "One host: anomaly status, confidence, the metric behind it, and each metric against the model's band.",
  )
    .withVariable(datasourceVariable('prometheus', 'Prometheus'))
    .withVariable(hostVariable(false))
    .withVariable(tagsVariable())
    .link(new dashboard.DashboardLinkBuilder('vigil dashboards').type(dashboard.DashboardLinkType.Dashboards).tags(['vigil']).keepTime(true).asDropdown(true))
    .withRow(new dashboard.RowBuilder('Now'))
    .withPanel(statusNow())
    .withPanel(confidence())
    .withPanel(anomalyCount())
    .withPanel(anomalyRate())
    .withPanel(topMetric())
    .withRow(new dashboard.RowBuilder('Score'))
    .withPanel(scoreAgainstThreshold())
    .withPanel(rollingAnomalyRate())
    .withRow(new dashboard.RowBuilder('Metrics'));
  for (const metric of HOST_METRICS) board.withPanel(metricAgainstBand(metric));
  if (!sources.has('timestream')) return board;
  return board.withVariable(datasourceVariable('timestream', 'Timestream')).withRow(new dashboard.RowBuilder('History')).withPanel(anomalyHistory());
}
