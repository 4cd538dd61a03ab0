/**
 * grafana:publish against a local server that speaks the Grafana API calls it uses: the first run
 * creates everything, a second run writes nothing, a change updates only what changed, and a wrong
 * URL or token fails with an error that says which setting to fix.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildDashboards } from '../../grafana/boards/index.js';
import { DASHBOARD_UIDS, DATASOURCE_UIDS } from '../../grafana/boards/uids.js';
import { main } from '../../grafana/publish.js';
import { publishConfigFromEnv, type PublishConfig } from '../../grafana/provisioning/config.js';
import { FOLDER_UID, publishToGrafana } from '../../grafana/provisioning/publish.js';
import { freePort } from '../../local/process.js';
import { startFakeGrafana, type FakeGrafana } from './fake-grafana.js';

const TOKEN = 'glsa_test_token';
const env = (grafanaUrl: string, overrides: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  GRAFANA_URL: grafanaUrl,
  GRAFANA_TOKEN: TOKEN,
  VIGIL_PROMETHEUS_QUERY_URL: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0123abcd/',
  AWS_REGION: 'eu-west-1',
  VIGIL_SCORE_FUNCTION_NAME: 'VigilStack-ScoreFunction1A2B',
  ...overrides,
});
const writes = (grafana: FakeGrafana, from = 0): string[] => grafana.requests.slice(from).filter((r) => !r.startsWith('GET'));

describe('grafana:publish', () => {
  let grafana: FakeGrafana;
  let config: PublishConfig;
  const dashboards = () => buildDashboards({ scoreFunctionName: config.scoreFunctionName! }).map((d) => d.model);

  beforeAll(async () => {
    grafana = await startFakeGrafana(TOKEN);
    config = publishConfigFromEnv(env(grafana.url));
  });
  afterAll(() => grafana.close());

  it('creates the folder, the three data sources and the three dashboards', async () => {
    const report = await publishToGrafana(config, dashboards());
    expect(report.grafanaVersion).toBe('10.4.0');
    expect(report.created.sort()).toEqual(
      [
        ...Object.values(DASHBOARD_UIDS).map((uid) => `dashboard ${uid}`),
        ...Object.values(DATASOURCE_UIDS).map((uid) => `data source ${uid}`),
        `folder ${FOLDER_UID}`,
      ].sort(),
    );
    const prometheus = grafana.datasources.get(DATASOURCE_UIDS.prometheus)!;
    expect(prometheus).toMatchObject({
      type: 'prometheus',
      url: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0123abcd',
      jsonData: { sigV4Auth: true, sigV4AuthType: 'ec2_iam_role', sigV4Region: 'eu-west-1', httpMethod: 'POST' },
    });
    expect(grafana.datasources.get(DATASOURCE_UIDS.timestream)).toMatchObject({
      type: 'grafana-timestream-datasource',
      jsonData: { defaultRegion: 'eu-west-1', defaultDatabase: 'vigil', defaultTable: 'host_scores', defaultMeasure: 'vigil_sample' },
    });
    for (const model of dashboards()) {
      const stored = grafana.dashboards.get(model.uid!)!;
      expect(stored.folderUid).toBe(FOLDER_UID);
      const { id: _id, version: _version, ...content } = stored.dashboard;
      expect(content).toEqual(JSON.parse(JSON.stringify(model)));
    }
    const pipeline = grafana.dashboards.get(DASHBOARD_UIDS.pipelineHealth)!.dashboard as { templating: { list: { name: string; query?: unknown }[] } };
    expect(pipeline.templating.list.find((v) => v.name === 'score_function')?.query).toBe('VigilStack-ScoreFunction1A2B');
  });

  it('a second run finds everything in place and writes nothing', async () => {
    const before = grafana.requests.length;
    const report = await publishToGrafana(config, dashboards());
    expect(report.created).toEqual([]);
    expect(report.updated).toEqual([]);
    expect(report.unchanged).toHaveLength(7);
    expect(writes(grafana, before)).toEqual([]);
  });

  it('a changed setting updates only that data source and keeps settings added in Grafana', async () => {
    grafana.datasources.get(DATASOURCE_UIDS.prometheus)!.jsonData = {
      ...(grafana.datasources.get(DATASOURCE_UIDS.prometheus)!.jsonData as object),
      queryTimeout: '60s',
    };
    const moved = publishConfigFromEnv(env(grafana.url, { VIGIL_PROMETHEUS_QUERY_URL: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-9999/' }));
    const before = grafana.requests.length;
    const report = await publishToGrafana(moved, dashboards());
    expect(report.updated).toEqual([`data source ${DATASOURCE_UIDS.prometheus}`]);
    expect(writes(grafana, before)).toEqual([`PUT /api/datasources/uid/${DATASOURCE_UIDS.prometheus}`]);
    expect(grafana.datasources.get(DATASOURCE_UIDS.prometheus)).toMatchObject({
      url: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-9999',
      jsonData: { queryTimeout: '60s', sigV4Auth: true },
    });
  });

  it('a wrong token fails naming GRAFANA_TOKEN, and writes nothing', async () => {
    const before = grafana.requests.length;
    await expect(publishToGrafana({ ...config, token: 'glsa_wrong' }, dashboards())).rejects.toThrow(
      /rejected the token .*401 invalid API key.*Check GRAFANA_TOKEN/,
    );
    expect(writes(grafana, before)).toEqual([]);
  });

  it('a URL where nothing listens fails naming GRAFANA_URL', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    await expect(publishToGrafana({ ...config, grafanaUrl: nowhere }, dashboards())).rejects.toThrow(
      new RegExp(`could not reach Grafana at ${nowhere} \\(GET /api/health: ECONNREFUSED\\)\\. Check GRAFANA_URL`),
    );
  });

  it('a URL that is not a Grafana root fails naming GRAFANA_URL', async () => {
    await expect(publishToGrafana({ ...config, grafanaUrl: `${grafana.url}/not-grafana` }, dashboards())).rejects.toThrow(
      /does not answer as Grafana \(GET \/api\/health gave 401 .*Check GRAFANA_URL: the workspace root URL/,
    );
  });

  it('the command names each missing or invalid variable and exits 1; --help exits 0', async () => {
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    try {
      expect(await main([], { GRAFANA_URL: 'not a url', AWS_REGION: 'us-east-1' })).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(errors.join('\n')).toMatch(/GRAFANA_URL = "not a url": expected an http\(s\) URL/);
    expect(errors.join('\n')).toMatch(/GRAFANA_TOKEN = not set/);
    expect(errors.join('\n')).toMatch(/VIGIL_PROMETHEUS_QUERY_URL = not set/);
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['--help'], {})).toBe(0);
      expect(String(out.mock.calls[0]?.[0])).toMatch(/GRAFANA_TOKEN\s+service account token/);
    } finally {
      out.mockRestore();
    }
  });

  it('with VIGIL_DASHBOARD_SOURCES=prometheus creates only the Prometheus data source, and dashboards that need nothing else', async () => {
    const own = await startFakeGrafana(TOKEN);
    try {
      const lines: string[] = [];
      const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
      try {
        expect(await main([], env(own.url, { VIGIL_DASHBOARD_SOURCES: 'prometheus' }))).toBe(0);
      } finally {
        spy.mockRestore();
      }
      expect([...own.datasources.keys()]).toEqual([DATASOURCE_UIDS.prometheus]);
      expect([...own.dashboards.keys()].sort()).toEqual(Object.values(DASHBOARD_UIDS).sort());
      for (const { dashboard } of own.dashboards.values()) {
        expect(JSON.stringify(dashboard)).not.toMatch(/\$\{(timestream|cloudwatch)\}/);
      }
    } finally {
      await own.close();
    }
    expect(() => publishConfigFromEnv(env(grafana.url, { VIGIL_DASHBOARD_SOURCES: 'timestream,influx' }))).toThrow(
      /VIGIL_DASHBOARD_SOURCES = "timestream,influx": expected a comma list of prometheus, timestream, cloudwatch/,
    );
    expect(() => publishConfigFromEnv(env(grafana.url, { VIGIL_DASHBOARD_SOURCES: 'timestream' }))).toThrow(/must include prometheus/);
  });

  it('the command publishes and reports each item', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      expect(await main([], env(grafana.url))).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(lines[0]).toBe(`Grafana 10.4.0 at ${grafana.url}`);
    expect(lines.filter((l) => /^\s+(created|updated|unchanged) /.test(l))).toHaveLength(7);
  });
});
