/**
 * `npm run grafana:build`: writes the alert rule file and the dashboards' JSON from their TypeScript
 * sources, so what is committed is exactly what the code generates (a test checks it).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderRules } from './alerts/rules.js';

const here = dirname(fileURLToPath(import.meta.url));
export const RULES_FILE = join(here, 'alerts', 'vigil-rules.yml');

export function build(): string[] {
  writeFileSync(RULES_FILE, renderRules());
  return [RULES_FILE];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const file of build()) console.log(`wrote ${file}`);
}
