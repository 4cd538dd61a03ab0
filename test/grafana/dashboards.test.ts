/**
 * The dashboards: built from TypeScript to the committed JSON, fixed uids and the variables
 * operators need, every PromQL query answered with series by a live Prometheus holding data written
 * by the scoring function's Prometheus sink, every Timestream query within the stored-result contract.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { bandSeries, HOST_METRIC_SERIES, SERIES } from '../../core/alert-series.js';
import type { SampleBand } from '../../core/band.js';
import { HOST_METRICS } from '../../core/host-metrics.js';
import type { ScoredSample } from '../../core/scored-sample.js';
import { PrometheusSink } from '../../functions/sinks/prometheus.js';
import { MODEL_CHANGE_QUERIES } from '../../grafana/boards/common.js';
import { buildDashboards, dashboardJson, PROMETHEUS_ONLY } from '../../grafana/boards/index.js';
import { bandQuery, grafanaUnit } from '../../grafana/boards/host-detail.js';
import { DASHBOARD_UIDS, DATASOURCE_TYPES } from '../../grafana/boards/uids.js';
import { DASHBOARDS_DIR, PROMETHEUS_ONLY_DIR } from '../../grafana/build.js';
import { uniqueName } from '../aws-env.js';
import { scoredSample } from '../scored-sample.js';
import { labelValuesQueries, panelQueries, substitute, timestreamQueryProblems } from './dashboard-queries.js';

const dashboards = buildDashboards();
const prometheusOnly = buildDashboards({ sources: PROMETHEUS_ONLY });
const queries = dashboards.flatMap(({ model }) => panelQueries(model));
const promQueries = queries.filter((q) => q.datasourceType === DATASOURCE_TYPES.prometheus);
const timestreamQueries = queries.filter((q) => q.datasourceType === DATASOURCE_TYPES.timestream);

describe('dashboard models', () => {
  it('the committed grafana/dashboards/*.json are what grafana/boards builds (run npm run grafana:build)', () => {
    for (const { file, model } of dashboards) {
      expect(readFileSync(join(DASHBOARDS_DIR, file), 'utf8'), file).toBe(dashboardJson(model));
    }
    for (const { file, model } of prometheusOnly) {
      expect(readFileSync(join(PROMETHEUS_ONLY_DIR, file), 'utf8'), `dashboards-prometheus-only/${file}`).toBe(dashboardJson(model));
    }
  });

  it('the Prometheus-only profile queries Prometheus alone, and keeps every Prometheus panel', () => {
    const onlyQueries = prometheusOnly.flatMap(({ model }) => panelQueries(model));
    expect(new Set(onlyQueries.map((q) => q.datasourceType))).toEqual(new Set([DATASOURCE_TYPES.prometheus]));
    expect(onlyQueries.map((q) => String(q.target.expr)).sort()).toEqual(promQueries.map((q) => String(q.target.expr)).sort());
    for (const { model } of prometheusOnly) {
      const sources = (model.templating?.list ?? []).filter((v) => v.type === 'datasource').map((v) => v.name);
      expect(sources, model.uid).toEqual(['prometheus']);
    }
  });

  it('have the fixed uids, a data source variable for each data source used, host and tag variables', () => {
    expect(dashboards.map((d) => d.model.uid).sort()).toEqual(Object.values(DASHBOARD_UIDS).sort());
    for (const { model } of dashboards) {
      const variables = new Map((model.templating?.list ?? []).map((v) => [v.name, v]));
      expect(variables.get('tags')?.type, `${model.uid} tags`).toBe('adhoc');
      if (model.uid !== DASHBOARD_UIDS.pipelineHealth) expect(variables.get('host')?.type, `${model.uid} host`).toBe('query');
      for (const q of panelQueries(model)) {
        const name = Object.entries(DATASOURCE_TYPES).find(([, type]) => type === q.datasourceType)?.[0];
        expect(name, `${model.uid} / ${q.panel}: data source type ${q.datasourceType}`).toBeDefined();
        expect(variables.get(name!)?.type, `${model.uid} / ${q.panel} needs a $${name} variable`).toBe('datasource');
        expect((q.target.datasource as { uid?: string } | undefined)?.uid, `${model.uid} / ${q.panel}`).toBe(`\${${name}}`);
      }
    }
  });

  it('give every panel a title and a data source, and use both Prometheus and Timestream', () => {
    for (const { model } of dashboards) {
      for (const panel of model.panels ?? []) {
        if (panel.type === 'row') continue;
        const p = panel as { title?: string; datasource?: { uid?: string }; targets?: unknown[] };
        expect(p.title, model.uid).toBeTruthy();
        expect(p.datasource?.uid, `${model.uid} / ${p.title}`).toMatch(/^\$\{\w+\}$/);
        expect(p.targets?.length, `${model.uid} / ${p.title} has queries`).toBeGreaterThan(0);
      }
    }
    expect(promQueries.length).toBeGreaterThan(10);
    expect(timestreamQueries.length).toBeGreaterThan(0);
  });
});

describe('units', () => {
  it("give each host metric's panel the unit its series name says", () => {
    const host = dashboards.find((d) => d.model.uid === DASHBOARD_UIDS.hostDetail)!.model;
    const unitOf = (metric: string): unknown =>
      (host.panels ?? []).map((p) => p as { title?: string; fieldConfig?: { defaults?: { unit?: string } } }).find((p) => p.title?.startsWith(`${metric}:`))
        ?.fieldConfig?.defaults?.unit;
    expect(HOST_METRICS.map(unitOf)).toEqual(HOST_METRICS.map((m) => grafanaUnit(HOST_METRIC_SERIES[m].name)));
    expect([unitOf('cpu_pct'), unitOf('net_rx_bps'), unitOf('net_errors_ps'), unitOf('load1_per_cpu')]).toEqual(['percentunit', 'Bps', 'suffix:/s', 'short']);
  });
});

describe('PromQL queries', () => {
  it('name only the series of the alert-series contract', () => {
    const known = new Set<string>([
      ...Object.values(SERIES),
      ...Object.values(HOST_METRIC_SERIES).map((s) => s.name),
      ...HOST_METRICS.flatMap((m) => [bandSeries(m).lower, bandSeries(m).upper]),
    ]);
    const used = new Set(promQueries.flatMap((q) => String(q.target.expr).match(/\bvigil_[a-z_]+\b/g) ?? []));
    expect([...used].filter((name) => !known.has(name))).toEqual([]);
    expect(used.size).toBeGreaterThan(5);
  });
});

describe('Timestream queries', () => {
  it.each(timestreamQueries.map((q) => [`${q.dashboard} / ${q.panel}`, q] as const))(
    '%s names only the stored-result table, dimensions and measures',
    (_, q) => {
      expect(timestreamQueryProblems(String(q.target.rawQuery))).toEqual([]);
    },
  );

  it('the contract check catches a wrong table, measure name or column', () => {
    expect(timestreamQueryProblems(`SELECT time, cpu FROM other WHERE measure_name = 'metrics'`)).toEqual([
      'reads other; read the stored-result table as $__database.$__table',
      "does not select measure_name = 'vigil_sample'",
      'names cpu, which is not a dimension or measure of the stored-result contract',
      'names other, which is not a dimension or measure of the stored-result contract',
    ]);
    expect(timestreamQueryProblems(`SELECT max(m_cpu_pct) AS peak FROM $__database.$__table WHERE measure_name = 'vigil_sample' ORDER BY peak`)).toEqual([]);
  });
});

describe('model change annotations against a live Prometheus fed by the Prometheus sink', () => {
  it('mark a newer model in use as published and an older one as rolled back, on every dashboard', async () => {
    for (const { model } of dashboards) {
      expect((model.annotations?.list ?? []).map((a) => (a as { expr?: string }).expr)).toEqual([
        MODEL_CHANGE_QUERIES.published,
        MODEL_CHANGE_QUERIES.rolledBack,
      ]);
    }
    const prometheus = inject('prometheusUrl');
    const host = uniqueName('models');
    // Over an hour and a half ago, where the other tests write nothing: model A, then B (newer), then A again.
    const end = Date.now() - 70 * 60_000;
    const created = { a: end - 3 * 86_400_000, b: end - 86_400_000 };
    const sink = new PrometheusSink({ url: `${prometheus}/api/v1/write` });
    const phases = [
      { model: 'a', from: 40, to: 31 },
      { model: 'b', from: 30, to: 16 },
      { model: 'a', from: 15, to: 0 },
    ] as const;
    for (const [k, phase] of phases.entries()) {
      const samples: ScoredSample[] = [];
      for (let minutes = phase.from; minutes >= phase.to; minutes--) {
        samples.push({
          host,
          tags: {},
          seq: 100 - minutes,
          time: end - minutes * 60_000,
          metrics: { cpu_pct: 10 },
          score: 0.3,
          anomaly: false,
          severity: 'normal',
          confidence: 0.7,
          topMetric: 'cpu_pct',
          rankedMetrics: ['cpu_pct'],
          modelVersion: `${host}-${phase.model}`,
          recordVersion: created[phase.model],
        });
      }
      const batch = { samples, store: samples.map(() => true), threshold: 0.6, modelCreatedMs: created[phase.model], scoredAt: end + k };
      expect((await sink.prepare(batch).send()).written).toBe(samples.length);
    }
    const at = async (expr: string, minutesBeforeEnd: number): Promise<string[]> => {
      const url = new URL('/api/v1/query', prometheus);
      url.searchParams.set('query', expr);
      url.searchParams.set('time', String((end - minutesBeforeEnd * 60_000) / 1000));
      const answer = (await (await fetch(url)).json()) as { data: { result: { metric: Record<string, string> }[] } };
      return answer.data.result.map((r) => r.metric.model_version!);
    };
    // B came in at 30 minutes before the end: published; A again at 15: a roll back.
    expect(await at(MODEL_CHANGE_QUERIES.published, 25)).toEqual([`${host}-b`]);
    expect(await at(MODEL_CHANGE_QUERIES.rolledBack, 25)).toEqual([]);
    expect(await at(MODEL_CHANGE_QUERIES.rolledBack, 10)).toEqual([`${host}-a`]);
    expect(await at(MODEL_CHANGE_QUERIES.published, 10)).toEqual([]);
    // Nothing changed in the ten minutes before: no annotation.
    expect(await at(MODEL_CHANGE_QUERIES.published, 32)).toEqual([]);
  });
});

describe('PromQL queries against a live Prometheus with data written by the Prometheus sink', () => {
  const prometheus = inject('prometheusUrl');
  const run = uniqueName('dash');
  const busy = `${run}-busy`;
  const quiet = `${run}-quiet`;
  const now = Date.now();
  const values = { host: busy, metric: 'cpu_pct', group_by: 'env', __range: '1h', __interval: '1m', __rate_interval: '1m' };
  const fleetValues = { ...values, host: `${busy}|${quiet}` };

  beforeAll(async () => {
    const modelCreatedMs = now - 3 * 86_400_000;
    const sample = (host: string, seq: number, time: number, anomalous: boolean): ScoredSample => ({
      host,
      tags: { env: run },
      seq,
      time,
      // Every host metric, as the agent sends them, and the model's band around each.
      metrics: { ...Object.fromEntries(HOST_METRICS.map((m, k) => [m, k + (seq % 3)])), cpu_pct: anomalous ? 95 : 20 + (seq % 5), mem_used_pct: 40 },
      band: { metrics: HOST_METRICS, bounds: Float64Array.from(HOST_METRICS.flatMap((_, k) => [k, k + 3])), at: 0 },
      score: anomalous ? 0.8 : 0.4,
      anomaly: anomalous,
      severity: anomalous ? 'high' : 'normal',
      confidence: 0.85,
      topMetric: 'cpu_pct',
      rankedMetrics: ['cpu_pct'],
      modelVersion: `${run}-model`,
      recordVersion: modelCreatedMs,
    });
    const samples: ScoredSample[] = [];
    // busy: every 15 s for the last 40 minutes, anomalous in runs of four samples out of every ten.
    for (let i = 0; i <= 160; i++) samples.push(sample(busy, i, now - (160 - i) * 15_000, i % 10 < 4));
    // quiet: every 15 s from 50 to 20 minutes ago, then silent.
    for (let i = 0; i <= 120; i++) samples.push(sample(quiet, i, now - 50 * 60_000 + i * 15_000, false));
    samples.sort((a, b) => a.time - b.time);
    const sink = new PrometheusSink({ url: `${prometheus}/api/v1/write` });
    const outcome = await sink.prepare({ samples, store: samples.map(() => true), threshold: 0.6, modelCreatedMs, scoredAt: now }).send();
    expect(outcome.written, JSON.stringify(outcome)).toBe(samples.length);
  });

  async function queryRange(expr: string): Promise<unknown[]> {
    const url = new URL('/api/v1/query_range', prometheus);
    url.searchParams.set('query', expr);
    url.searchParams.set('start', String((now - 10 * 60_000) / 1000));
    url.searchParams.set('end', String(now / 1000));
    url.searchParams.set('step', '30');
    const answer = (await (await fetch(url)).json()) as { status: string; error?: string; data?: { result: unknown[] } };
    if (answer.status !== 'success') throw new Error(`Prometheus refused ${expr}: ${answer.error}`);
    return answer.data!.result;
  }

  it.each(promQueries.map((q) => [`${q.dashboard} / ${q.panel} / ${String(q.target.refId)}`, q] as const))('%s returns series', async (_, q) => {
    const fleet = q.dashboard === DASHBOARD_UIDS.fleetOverview;
    const expr = substitute(String(q.target.expr), fleet ? fleetValues : values);
    expect(expr, 'every variable substituted').not.toMatch(/\$/);
    expect((await queryRange(expr)).length, expr).toBeGreaterThan(0);
  });

  it("the group-by variable lists the hosts' tags and none of vigil's own labels", async () => {
    const fleet = dashboards.find((d) => d.model.uid === DASHBOARD_UIDS.fleetOverview)!.model;
    const variable = (fleet.templating?.list ?? []).find((v) => v.name === 'group_by')!;
    expect(variable.query).toBe('label_names()');
    const url = new URL('/api/v1/labels', prometheus);
    url.searchParams.set('match[]', `vigil_anomaly{host="${busy}"}`);
    const names = ((await (await fetch(url)).json()) as { data: string[] }).data;
    const pattern = /^\/(.*)\/$/.exec(String(variable.regex))![1]!;
    expect(names.filter((n) => new RegExp(pattern).test(n))).toEqual(['env']);
  });

  it('the host and metric variables list the written hosts and metrics', async () => {
    for (const { model } of dashboards) {
      for (const v of labelValuesQueries(model)) {
        const url = new URL(`/api/v1/label/${v.label}/values`, prometheus);
        url.searchParams.set('match[]', substitute(v.selector, values));
        url.searchParams.set('start', String((now - 3_600_000) / 1000));
        const answer = (await (await fetch(url)).json()) as { data: string[] };
        expect(answer.data, `${model.uid} $${v.variable}`).toContain(v.label === 'host' ? busy : 'cpu_pct');
      }
    }
  });
});

describe("the model's band on the host dashboard, against a live Prometheus fed by the Prometheus sink", () => {
  const prometheus = inject('prometheusUrl');
  const host = uniqueName('band');
  const end = Date.now() - 60_000;
  const step = 10_000;
  const count = 180;
  const flagged = 150;
  /** cpu_pct's band at sample i: a normal that drifts up and a scale that widens, as a host's long normal does. */
  const trueBand = (i: number): [number, number] => {
    const normal = 20 + 0.02 * i;
    const scale = 1 + 0.005 * i;
    return [normal - 10 * scale, normal + 10 * scale];
  };
  const samples: ScoredSample[] = [];

  beforeAll(async () => {
    for (let i = 0; i < count; i++) {
      const anomaly = i === flagged;
      const band: SampleBand = { metrics: ['cpu_pct'], bounds: Float64Array.from(trueBand(i)), at: 0 };
      samples.push(
        scoredSample({
          host,
          seq: i,
          time: end - (count - 1 - i) * step,
          metrics: { cpu_pct: anomaly ? 95 : 20 + (i % 4) },
          band,
          score: anomaly ? 0.9 : 0.3,
          anomaly,
          severity: anomaly ? 'critical' : 'normal',
          ...(anomaly ? { topDirection: 'above' as const } : {}),
          modelVersion: `${host}-model`,
        }),
      );
    }
    // Under the stack's default write policy, a batch of ten samples at a time as the function gets them (each scored at its own time: the lag's point).
    const sink = new PrometheusSink({ url: `${prometheus}/api/v1/write` });
    for (let i = 0; i < count; i += 10) {
      const batch = samples.slice(i, i + 10);
      const outcome = await sink
        .prepare({ samples: batch, store: batch.map(() => true), threshold: 0.6, modelCreatedMs: end - 86_400_000, scoredAt: end + i })
        .send();
      expect(outcome.written, JSON.stringify(outcome)).toBe(batch.length);
    }
  });

  async function drawn(expr: string, from: number, to: number): Promise<[number, number][]> {
    const url = new URL('/api/v1/query_range', prometheus);
    url.searchParams.set('query', substitute(expr, { host }));
    url.searchParams.set('start', String(from / 1000));
    url.searchParams.set('end', String(to / 1000));
    url.searchParams.set('step', '10');
    const answer = (await (await fetch(url)).json()) as { status: string; error?: string; data: { result: { values: [number, string][] }[] } };
    expect(answer.status, answer.error).toBe('success');
    expect(answer.data.result).toHaveLength(1);
    return answer.data.result[0]!.values.map(([t, v]) => [t * 1000, Number(v)]);
  }

  it('draws the band the model used for every sample within a tenth of its width, and exactly at the flagged sample, which lies above it', async () => {
    const panel = dashboards
      .find((d) => d.model.uid === DASHBOARD_UIDS.hostDetail)!
      .model.panels!.map((p) => p as { title?: string; targets?: { expr?: string; legendFormat?: string }[] })
      .find((p) => p.title?.startsWith('cpu_pct:'))!;
    const expr = (legend: string): string => panel.targets!.find((t) => t.legendFormat === legend)!.expr!;
    expect(expr('expected high')).toBe(bandQuery(bandSeries('cpu_pct').upper));
    expect(expr('expected low')).toBe(bandQuery(bandSeries('cpu_pct').lower));
    const from = samples[0]!.time;
    const to = samples[count - 1]!.time;
    const [high, low] = await Promise.all([drawn(expr('expected high'), from, to), drawn(expr('expected low'), from, to)]);
    expect(high).toHaveLength(count);
    high.forEach(([t, upper], k) => {
      const i = Math.round((t - from) / step);
      const [trueLower, trueUpper] = trueBand(i);
      const width = (trueUpper - trueLower) / 100;
      expect(Math.abs(upper - trueUpper / 100), `upper at sample ${i}`).toBeLessThanOrEqual(0.1 * width + 1e-9);
      expect(Math.abs(low[k]![1] - trueLower / 100), `lower at sample ${i}`).toBeLessThanOrEqual(0.1 * width + 1e-9);
    });
    const atFlag = high.find(([t]) => t === samples[flagged]!.time)!;
    expect(atFlag[1]).toBeCloseTo(trueBand(flagged)[1] / 100, 9);
    const actual = await drawn(expr('actual'), samples[flagged]!.time, samples[flagged]!.time);
    expect(actual[0]![1]).toBeGreaterThan(atFlag[1]);
    // Fewer band points than samples: the band is written when it moves.
    const url = new URL('/api/v1/query', prometheus);
    url.searchParams.set('query', `count_over_time(${bandSeries('cpu_pct').upper}{host="${host}"}[1h])`);
    url.searchParams.set('time', String(to / 1000));
    const written = Number(((await (await fetch(url)).json()) as { data: { result: { value: [number, string] }[] } }).data.result[0]!.value[1]);
    expect(written).toBeGreaterThan(2);
    expect(written).toBeLessThan(count / 5);
  });
});
