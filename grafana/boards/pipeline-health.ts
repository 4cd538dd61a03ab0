/**
 * Pipeline health: is the scoring path keeping up and losing nothing? Throughput and result lag
 * from Prometheus; iterator age from AWS/Lambda; dead-lettered records, sink failures and model
 * loads from the scoring function's own CloudWatch metrics; the model version in use.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { SERIES } from '../../core/alert-series.js';
import { DEPLOYED_SINKS, SCORE_METRICS, sinkMetric } from '../../core/score-function.js';
import { PRODUCTION_TIMINGS } from '../../alerting/rules.js';
import { promDuration } from '../../alerting/duration.js';
import {
  ALL_SOURCES,
  datasourceVariable,
  type DataSourceKind,
  panelsFrom,
  DS,
  lambdaMetric,
  newDashboard,
  promInstant,
  promQuery,
  promTable,
  scoreFunctionMetric,
  tagsVariable,
  thresholds,
} from './common.js';
import { DASHBOARD_UIDS } from './uids.js';

const recent = promDuration(PRODUCTION_TIMINGS.silentAfterSeconds);

/** Until grafana:publish is told the deployed name (VIGIL_SCORE_FUNCTION_NAME). */
export const DEFAULT_SCORE_FUNCTION_NAME = 'vigil-score';

function scoreFunctionVariable(name: string): dashboard.TextBoxVariableBuilder {
  return new dashboard.TextBoxVariableBuilder('score_function')
    .label('Scoring function')
    .description('Name of the scoring Lambda function (the ScoreFunctionName output of the stack).')
    .defaultValue(name);
}

function throughput(): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title('Throughput')
    .description('Samples scored per second (from the anomaly flag, which every sample writes to Prometheus) and Kinesis records per minute into the function.')
    .datasource(DS.prometheus)
    .withTarget(promQuery(`sum(count_over_time(${SERIES.anomaly}[1m])) / 60`, 'samples/s (Prometheus)', 'A'))
    .unit('reqps')
    .height(8)
    .span(12);
}

function recordsIn(): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title('Records in and samples scored')
    .datasource(DS.cloudwatch)
    .withTarget(scoreFunctionMetric(SCORE_METRICS.recordsIn, 'A', 'Kinesis records in'))
    .withTarget(scoreFunctionMetric(SCORE_METRICS.samplesScored, 'B', 'samples scored'))
    .withTarget(scoreFunctionMetric(SCORE_METRICS.anomalies, 'C', 'anomalies'))
    .height(8)
    .span(12);
}

function resultLag(): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title('Result lag (sample time to scoring)')
    .description(
      `The median and slowest host's latest lag; VigilPipelineLagging fires when the median stays above ${promDuration(PRODUCTION_TIMINGS.lagLimitSeconds)}.`,
    )
    .datasource(DS.prometheus)
    .withTarget(promQuery(`quantile(0.5, last_over_time(${SERIES.lag}[${recent}]))`, 'median host', 'A'))
    .withTarget(promQuery(`max(last_over_time(${SERIES.lag}[${recent}]))`, 'slowest host', 'B'))
    .unit('s')
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line))
    .thresholds(
      thresholds([
        [null, 'green'],
        [PRODUCTION_TIMINGS.lagLimitSeconds, 'red'],
      ]),
    )
    .height(8)
    .span(12);
}

function iteratorAge(): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title('Iterator age')
    .description('How far behind the newest Kinesis record the scoring function reads (AWS/Lambda IteratorAge, maximum).')
    .datasource(DS.cloudwatch)
    .withTarget(lambdaMetric('IteratorAge', 'Maximum', 'A'))
    .unit('ms')
    .height(8)
    .span(12);
}

function deadLettered(): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title('Dead-lettered records')
    .description('Records sent to the dead-letter queue with their reason, and dead-letter sends that failed (those records are retried).')
    .datasource(DS.cloudwatch)
    .withTarget(scoreFunctionMetric(SCORE_METRICS.recordsDeadLettered, 'A', 'dead-lettered'))
    .withTarget(scoreFunctionMetric(SCORE_METRICS.deadLetterFailures, 'B', 'dead-letter send failures'))
    .drawStyle(common.GraphDrawStyle.Bars)
    .height(8)
    .span(12);
}

function sinkFailures(): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title('Sink failures')
    .description(
      'Samples a sink failed to write after retries (their batch is delivered again) or refused for good (dead-lettered), and batches reported failed to Lambda.',
    )
    .datasource(DS.cloudwatch);
  let ref = 0;
  const nextRef = (): string => String.fromCharCode(65 + ref++);
  for (const sink of DEPLOYED_SINKS) {
    panel.withTarget(scoreFunctionMetric(sinkMetric(sink, 'SamplesFailed'), nextRef(), `${sink} failed`));
    panel.withTarget(scoreFunctionMetric(sinkMetric(sink, 'SamplesRejected'), nextRef(), `${sink} rejected`));
  }
  return panel
    .withTarget(scoreFunctionMetric(SCORE_METRICS.batchItemFailures, nextRef(), 'batches failed'))
    .drawStyle(common.GraphDrawStyle.Bars)
    .height(8)
    .span(12);
}

function modelVersions(): table.PanelBuilder {
  return new table.PanelBuilder()
    .title('Model in use')
    .description("Hosts scored by each model version in the last few minutes, with the model's creation time.")
    .datasource(DS.prometheus)
    .withTarget(promTable(`count by (model_version) (last_over_time(${SERIES.modelCreated}[${recent}]))`, 'A'))
    .withTarget(promTable(`max by (model_version) (last_over_time(${SERIES.modelCreated}[${recent}])) * 1000`, 'B'))
    .withTransformation({ id: 'merge', options: {} })
    .withTransformation({ id: 'organize', options: { excludeByName: { Time: true }, renameByName: { 'Value #A': 'hosts', 'Value #B': 'created' } } })
    .overrideByName('created', [{ id: 'unit', value: 'dateTimeAsIso' }])
    .height(6)
    .span(12);
}

function modelAge(): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title('Model age')
    .description(`Age of the newest model in use; VigilModelStale fires above ${promDuration(PRODUCTION_TIMINGS.modelMaxAgeSeconds)}.`)
    .datasource(DS.prometheus)
    .withTarget(promInstant(`time() - max(last_over_time(${SERIES.modelCreated}[${recent}]))`))
    .unit('s')
    .thresholds(
      thresholds([
        [null, 'green'],
        [PRODUCTION_TIMINGS.modelMaxAgeSeconds, 'red'],
      ]),
    )
    .height(6)
    .span(6);
}

function modelLoadFailures(): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title('Model load failures')
    .description('Failed model loads in the selected range: the function keeps scoring with the last good model.')
    .datasource(DS.cloudwatch)
    .withTarget(scoreFunctionMetric(SCORE_METRICS.modelLoadFailed, 'A', 'model load failures'))
    .thresholds(
      thresholds([
        [null, 'green'],
        [1, 'red'],
      ]),
    )
    .height(6)
    .span(6);
}

export function pipelineHealthDashboard(
  scoreFunctionName = DEFAULT_SCORE_FUNCTION_NAME,
  sources: ReadonlySet<DataSourceKind> = new Set(ALL_SOURCES),
): dashboard.DashboardBuilder {
  const cloudwatch = sources.has('cloudwatch');
  const board = newDashboard(
    'vigil / Pipeline health',
    DASHBOARD_UIDS.pipelineHealth,
    'The scoring path: throughput, lag and iterator age, dead letters, sink failures, the model in use.',
  )
    .withVariable(datasourceVariable('prometheus', 'Prometheus'))
    .withVariable(tagsVariable())
    .link(new dashboard.DashboardLinkBuilder('vigil dashboards').type(dashboard.DashboardLinkType.Dashboards).tags(['vigil']).keepTime(true).asDropdown(true));
  if (cloudwatch) board.withVariable(datasourceVariable('cloudwatch', 'CloudWatch')).withVariable(scoreFunctionVariable(scoreFunctionName));
  board.withRow(new dashboard.RowBuilder('Throughput and lag'));
  panelsFrom(board, sources, [
    ['prometheus', throughput()],
    ['cloudwatch', recordsIn()],
    ['prometheus', resultLag()],
    ['cloudwatch', iteratorAge()],
  ]);
  if (cloudwatch) board.withRow(new dashboard.RowBuilder('Losing nothing')).withPanel(deadLettered()).withPanel(sinkFailures());
  board.withRow(new dashboard.RowBuilder('Model'));
  return panelsFrom(board, sources, [
    ['prometheus', modelVersions()],
    ['prometheus', modelAge()],
    ['cloudwatch', modelLoadFailures()],
  ]);
}
