/**
 * `npm run grafana:build`: writes the alert rule file and the dashboards' JSON from their TypeScript
 * sources, so what is committed is exactly what the code generates (a test checks it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderRules } from './alerts/rules.js';
import { buildDashboards, dashboardJson } from './boards/index.js';

const here = dirname(fileURLToPath(import.meta.url));
export const RULES_FILE = join(here, 'alerts', 'vigil-rules.yml');
export const DASHBOARDS_DIR = join(here, 'dashboards');

export function build(): string[] {
  writeFileSync(RULES_FILE, renderRules());
  mkdirSync(DASHBOARDS_DIR, { recursive: true });
  const written = [RULES_FILE];
  for (const { file, model } of buildDashboards()) {
    const path = join(DASHBOARDS_DIR, file);
    writeFileSync(path, dashboardJson(model));
    written.push(path);
  }
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of build()) console.log(`wrote ${file}`);
}
