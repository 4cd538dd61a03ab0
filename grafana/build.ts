/**
 * `npm run grafana:build`: writes the alert rule file and the dashboards' JSON from their TypeScript
 * sources, so what is committed is exactly what the code generates (a test checks it).
 *
 *   npm run grafana:build -- [--grafana-url URL] [--runbook-url URL]
 *
 * The flags make the alerts' dashboard and runbook links absolute for your Grafana and wherever you
 * publish docs/runbooks/ (load that rule file with the stack's alertRulesFile setting).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_LINKS, renderRules, type RuleLinks } from '../alerting/rules.js';
import { buildDashboards, dashboardJson, PROMETHEUS_ONLY } from './boards/index.js';

const here = dirname(fileURLToPath(import.meta.url));
export const RULES_FILE = join(here, 'alerts', 'vigil-rules.yml');
export const DASHBOARDS_DIR = join(here, 'dashboards');
/** The profile that needs the Prometheus data source only (the stack's default sinks). */
// A folder of its own, beside dashboards/: Grafana's file provisioning reads subfolders too (the same uids twice).
export const PROMETHEUS_ONLY_DIR = join(here, 'dashboards-prometheus-only');

export function build(links: RuleLinks = DEFAULT_LINKS): string[] {
  writeFileSync(RULES_FILE, renderRules(undefined, links));
  const written = [RULES_FILE];
  for (const [dir, options] of [
    [DASHBOARDS_DIR, {}],
    [PROMETHEUS_ONLY_DIR, { sources: PROMETHEUS_ONLY }],
  ] as const) {
    mkdirSync(dir, { recursive: true });
    for (const { file, model } of buildDashboards(options)) {
      const path = join(dir, file);
      writeFileSync(path, dashboardJson(model));
      written.push(path);
    }
  }
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { 'grafana-url': { type: 'string' }, 'runbook-url': { type: 'string' } } });
  const trimmed = (url: string | undefined, fallback: string): string => (url ?? fallback).replace(/\/+$/, '');
  const links = { grafanaUrl: trimmed(values['grafana-url'], DEFAULT_LINKS.grafanaUrl), runbookUrl: trimmed(values['runbook-url'], DEFAULT_LINKS.runbookUrl) };
  for (const file of build(links)) console.log(`wrote ${file}`);
}
