/**
 * `npm run bench` runs every benchmark area (bench/<area>.bench.ts) and prints one table.
 *   --only AREA   run one area (repeatable)
 *   --json FILE   also write { "<area>.<metric>": { value, unit } }
 * Speeds are measured against a baseline in the same run and reported as ratios where one exists.
 * An area that declares nodeOptions runs in a child process started with them (--area-results is
 * how that child hands its results back).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { BenchArea, BenchResult } from './types.js';

const USAGE = 'usage: npm run bench [-- --only AREA ...] [-- --json FILE]';
let parsed;
try {
  parsed = parseArgs({
    options: { only: { type: 'string', multiple: true }, json: { type: 'string' }, 'area-results': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
const { values } = parsed;
const dir = import.meta.dirname;
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const areas: BenchArea[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default: BenchArea };
  areas.push(mod.default);
}
const known = areas.map((a) => a.area);
if (values.help) {
  console.log(`${USAGE}\nareas:\n${areas.map((a) => `  ${a.area.padEnd(8)} ${a.description}`).join('\n')}`);
  process.exit(0);
}
for (const only of values.only ?? []) {
  if (!known.includes(only)) {
    console.error(`no benchmark area "${only}"; areas: ${known.join(', ')}`);
    process.exit(2);
  }
}
const chosen = areas.filter((a) => !values.only || values.only.includes(a.area));
const results: Record<string, BenchResult> = {};
for (const area of chosen) {
  if (!values['area-results']) console.error(`running ${area.area}: ${area.description}${area.nodeOptions ? ` (NODE_OPTIONS=${area.nodeOptions})` : ''}`);
  for (const r of await runArea(area)) results[`${area.area}.${r.metric}`] = r;
}
if (values['area-results']) {
  writeFileSync(values['area-results'], JSON.stringify(Object.values(results)));
  process.exit(0);
}
const rows = Object.entries(results).map(([key, r]) => [key, formatValue(r.value), r.unit, r.note ?? '']);
const header = ['metric', 'value', 'unit', 'how'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]): string => `| ${cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
console.log([line(header), `|${widths.map((w, i) => (i === 1 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`, ...rows.map(line)].join('\n'));
if (values.json) {
  writeFileSync(
    values.json,
    `${JSON.stringify(Object.fromEntries(Object.entries(results).map(([k, r]) => [k, { value: r.value, unit: r.unit }])), null, 2)}\n`,
  );
  console.error(`wrote ${values.json}`);
}

/** The area's results, measured in this process or, with its own Node options, in a child. */
async function runArea(area: BenchArea): Promise<BenchResult[]> {
  if (!area.nodeOptions || process.env.NODE_OPTIONS === area.nodeOptions) return area.run();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  try {
    const file = join(dir, 'results.json');
    execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, '--only', area.area, '--area-results', file], {
      env: { ...process.env, NODE_OPTIONS: area.nodeOptions },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    return JSON.parse(readFileSync(file, 'utf8')) as BenchResult[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function formatValue(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(3);
}
