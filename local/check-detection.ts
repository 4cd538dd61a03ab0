/**
 * How well the pipeline detects the simulator's incidents, over several seeds, offline:
 *   npx tsx local/check-detection.ts --hosts 20 --seeds 5 [--duration 300] [--interval 10]
 *     [--history-days 2] [--confirm 2] [--contamination 0.01] [--model DIR] [--json FILE]
 * Each seed's model is trained on that fleet's history, unless --model names one to score with
 * (for example the shipped default model: --model model-store/default-model).
 * One line per seed (each a different fleet, incident plan and start time), then the totals.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readModelDir } from '../model-store/artifact.js';
import { runOfflineSimulation, type OfflineRunResult } from './offline-simulation.js';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '20' },
    seeds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '300' },
    interval: { type: 'string', default: '10' },
    'history-days': { type: 'string', default: '2' },
    confirm: { type: 'string', default: '2' },
    contamination: { type: 'string' },
    json: { type: 'string' },
    model: { type: 'string' },
  },
});

function numberOption(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) {
    console.error(`--${name} must be a number >= ${min}; got "${value}"`);
    process.exit(2);
  }
  return n;
}

const hosts = numberOption('hosts', values.hosts, 5);
const seeds = numberOption('seeds', values.seeds, 1);
const model = values.model === undefined ? undefined : readModelDir(values.model);
const results: (OfflineRunResult & { seed: number; start: string })[] = [];
for (let seed = 1; seed <= seeds; seed++) {
  // A different day and hour per seed, so the runs cover the daily cycle.
  const start = Date.UTC(2026, 10, 16 + seed, (seed * 7) % 24);
  const result = await runOfflineSimulation({
    hosts,
    seed,
    start,
    durationSeconds: numberOption('duration', values.duration, 60),
    intervalSeconds: numberOption('interval', values.interval, 1),
    historyDays: numberOption('history-days', values['history-days'], 0.5),
    confirmSamples: numberOption('confirm', values.confirm, 1),
    ...(values.contamination ? { contamination: numberOption('contamination', values.contamination, 0) } : {}),
    ...(model ? { model } : {}),
  });
  results.push({ ...result, seed, start: new Date(start).toISOString() });
  const r = result.report;
  const incidents = r.incidents.map((i) => `${i.kind} ${i.detected ? `${i.secondsToDetection!.toFixed(0)} s (${i.topMetric})` : 'MISSED'}`).join(', ');
  console.log(
    `seed ${seed} (${new Date(start).toISOString().slice(0, 16)}Z): ${r.detected}/${r.incidents.length} detected, median ${r.medianSecondsToDetection?.toFixed(1) ?? '-'} s, ` +
      `false alarms ${r.falseAlarms} (${r.falseAlarmsOnHealthyHosts} on hosts without incident), healthy samples flagged ${result.healthyAnomalousSamples}/${result.healthySamples} | ${incidents}`,
  );
}
const all = results.flatMap((r) => r.report.incidents);
const delays = all.flatMap((i) => (i.secondsToDetection === null ? [] : [i.secondsToDetection])).sort((a, b) => a - b);
const median = delays.length ? (delays[(delays.length - 1) >> 1]! + delays[delays.length >> 1]!) / 2 : null;
console.log(
  `all seeds: ${delays.length}/${all.length} incidents detected, median ${median?.toFixed(1) ?? '-'} s; ` +
    `false alarms on hosts without incident ${results.reduce((s, r) => s + r.report.falseAlarmsOnHealthyHosts, 0)}; missed: ${
      all
        .filter((i) => !i.detected)
        .map((i) => i.kind)
        .join(', ') || 'none'
    }`,
);
if (values.json) writeFileSync(values.json, `${JSON.stringify(results, null, 2)}\n`);
