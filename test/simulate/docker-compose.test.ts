/**
 * docker-compose.yml cannot run here (no Docker), so this checks what can be checked without it:
 * the file and its configs parse, every mounted file exists, ports stay on loopback, Prometheus and
 * Alertmanager accept their configs (promtool, amtool), and Grafana gets the data source uids and
 * dashboards the dashboards expect.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DATASOURCE_TYPES, DATASOURCE_UIDS } from '../../grafana/boards/uids.js';
import { LOCALSTACK_IMAGE, LOCALSTACK_REQUIREMENT, LOCALSTACK_SETTINGS } from '../../local/localstack.js';

const ROOT = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'vigil-compose-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Service {
  image: string;
  command?: string[];
  ports?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
}
const yamlFile = <T>(path: string): T => parse(readFileSync(join(ROOT, path), 'utf8')) as T;
const compose = yamlFile<{ services: Record<string, Service>; volumes: Record<string, unknown> }>('docker-compose.yml');
const service = (name: string): Service => compose.services[name] ?? expect.fail(`docker-compose.yml has no service "${name}"`);
/** Host path -> container path of a service's bind mounts (named volumes left out). */
const binds = (name: string): Map<string, string> =>
  new Map((service(name).volumes ?? []).filter((v) => v.startsWith('./')).map((v) => [v.split(':')[0]!, v.split(':')[1]!]));

describe('docker-compose.yml', () => {
  it('runs LocalStack, Prometheus, Alertmanager and Grafana from pinned images, published on loopback only', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['alertmanager', 'grafana', 'localstack', 'prometheus']);
    for (const [name, s] of Object.entries(compose.services)) {
      expect(s.image, name).toMatch(/:v?\d+\.\d+/); // a version tag (also in an overridable default), never :latest
      for (const port of s.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
      for (const volume of s.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) expect(existsSync(join(ROOT, source)), `${name} mounts ${source}`).toBe(true);
        else expect(compose.volumes, `${name} uses volume ${source}`).toHaveProperty(source);
      }
    }
  });

  it("runs the LocalStack release `npm run setup` installs, with the host process settings and vigil's plugin", () => {
    const localstack = service('localstack');
    expect(localstack.image).toBe(LOCALSTACK_IMAGE);
    expect(LOCALSTACK_IMAGE.split(':')[1]).toBe(LOCALSTACK_REQUIREMENT.split('==')[1]);
    expect(localstack.environment).toMatchObject(LOCALSTACK_SETTINGS);
    expect(localstack.environment).not.toHaveProperty('LOCALSTACK_AUTH_TOKEN');
    expect(localstack.environment?.LOCALSTACK_HOST).toBe(`127.0.0.1:${localstack.ports![0]!.split(':')[1]}`);
    expect(binds('localstack').get('./local/localstack-plugin')).toBe(localstack.environment?.PYTHONPATH);
  });

  it('Prometheus takes remote writes, keeps late samples and loads vigil-rules.yml: promtool accepts the config', () => {
    expect(service('prometheus').command).toContain('--web.enable-remote-write-receiver');
    const config = yamlFile<{
      storage: { tsdb: { out_of_order_time_window: string } };
      rule_files: string[];
      alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    }>('local/compose/prometheus.yml');
    expect(config.storage.tsdb.out_of_order_time_window).toBe('2h');
    expect(config.alerting.alertmanagers[0]!.static_configs[0]!.targets).toEqual(['alertmanager:9093']);
    const rulesInContainer = binds('prometheus').get('./grafana/alerts/vigil-rules.yml');
    expect(rulesInContainer).toBeDefined();
    expect(config.rule_files.some((glob) => new RegExp(`^${glob.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`).test(rulesInContainer!))).toBe(true);
    // Check the config as Prometheus would read it, with the container's rule path pointed at the repo's file.
    const local = readFileSync(join(ROOT, 'local/compose/prometheus.yml'), 'utf8').replace(
      '/etc/prometheus/rules/*.yml',
      join(ROOT, 'grafana/alerts/vigil-rules.yml'),
    );
    writeFileSync(join(work, 'prometheus.yml'), local);
    const out = execFileSync('promtool', ['check', 'config', join(work, 'prometheus.yml')], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('Alertmanager stays off the cluster port, and amtool accepts its config', () => {
    expect(service('alertmanager').command).toContain('--cluster.listen-address=');
    const out = execFileSync('amtool', ['check-config', join(ROOT, 'local/compose/alertmanager.yml')], { encoding: 'utf8' });
    expect(out).toContain('SUCCESS');
  });

  it("Grafana gets the dashboards' data sources under their fixed uids, and every generated dashboard", () => {
    const provisioning = binds('grafana').get('./local/compose/grafana/provisioning');
    expect(provisioning).toBe('/etc/grafana/provisioning');
    const { datasources } = yamlFile<{ datasources: { uid: string; type: string; url?: string }[] }>(
      'local/compose/grafana/provisioning/datasources/vigil.yml',
    );
    for (const key of Object.keys(DATASOURCE_UIDS) as (keyof typeof DATASOURCE_UIDS)[]) {
      expect(datasources).toContainEqual(expect.objectContaining({ uid: DATASOURCE_UIDS[key], type: DATASOURCE_TYPES[key] }));
    }
    expect(datasources.find((d) => d.type === 'prometheus')!.url).toBe('http://prometheus:9090');
    const { providers } = yamlFile<{ providers: { options: { path: string } }[] }>('local/compose/grafana/provisioning/dashboards/vigil.yml');
    expect(binds('grafana').get('./grafana/dashboards')).toBe(providers[0]!.options.path);
    const dashboards = readdirSync(join(ROOT, 'grafana/dashboards')).filter((f) => f.endsWith('.json'));
    expect(dashboards.length).toBeGreaterThan(0);
    const home = service('grafana').environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';
    expect(dashboards.map((f) => `${providers[0]!.options.path}/${f}`)).toContain(home);
  });
});
