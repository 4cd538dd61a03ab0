/**
 * Attribution hit rate on SMD (the OmniAnomaly paper's definition): for each labelled incident of
 * data/interpretation_label/<machine>.txt (`start-end:metric,...`, 1-based test rows and metric
 * numbers), rank the metrics by the largest distance vigil gave them over the incident's rows (the
 * `top_metrics` column of RESULTS/<machine>.csv that `vigil evaluate --scores-out` writes), and
 * count the share of the labelled metrics among the top floor(P% x label count). Mean over incidents.
 *   node --import tsx scripts/smd-attribution.ts RESULTS DATA_DIR
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { numberedColumn } from '../models/csv.js';

const SHARES = [1, 1.5];

const [resultsDir, dataDir] = process.argv.slice(2);
if (!resultsDir || !dataDir) {
  console.error('usage: node --import tsx scripts/smd-attribution.ts RESULTS_DIR SMD_DATA_DIR');
  process.exit(2);
}

const hits = SHARES.map(() => [] as number[]);
for (const file of readdirSync(resultsDir)
  .filter((f) => f.endsWith('.csv'))
  .sort()) {
  const machine = basename(file, '.csv');
  const labelFile = join(dataDir, 'interpretation_label', `${machine}.txt`);
  if (!existsSync(labelFile)) continue;
  const lines = readFileSync(join(resultsDir, file), 'utf8').trim().split('\n');
  const column = lines[0]!.split(',').indexOf('top_metrics');
  if (column < 0) throw new Error(`${file}: no top_metrics column: write the results with vigil evaluate --scores-out`);
  const rows = lines.slice(1).map((line) => line.split(',')[column]!);
  for (const incident of readFileSync(labelFile, 'utf8').trim().split('\n')) {
    const [range, metrics] = incident.split(':');
    const [start, end] = range!.split('-').map(Number);
    const labelled = new Set(metrics!.split(',').map((m) => numberedColumn(Number(m))));
    const largest = new Map<string, number>();
    for (let r = start! - 1; r <= end! - 1 && r < rows.length; r++) {
      for (const entry of rows[r]!.split(' ')) {
        const [metric, distance] = entry.split(':');
        largest.set(metric!, Math.max(largest.get(metric!) ?? 0, Number(distance)));
      }
    }
    const ranking = [...largest.entries()].sort((a, b) => b[1] - a[1]).map(([metric]) => metric);
    SHARES.forEach((share, k) => {
      const top = ranking.slice(0, Math.floor(share * labelled.size));
      hits[k]!.push(top.filter((m) => labelled.has(m)).length / labelled.size);
    });
  }
}
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
console.log(`attribution hit rate over ${hits[0]!.length} incidents: ${SHARES.map((s, k) => `HitRate@${s * 100}% ${mean(hits[k]!).toFixed(3)}`).join(', ')}`);
