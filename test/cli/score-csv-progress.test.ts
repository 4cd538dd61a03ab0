/** `vigil score-csv` shows progress: scoring reports its rows every 1000 and once at the end. */
import { describe, expect, it } from 'vitest';
import { parseMetricCsv } from '../../models/csv.js';
import { scoreMetricCsv } from '../../models/score-csv.js';

describe('score-csv progress', () => {
  it('reports rows done every 1000 rows and at the end', () => {
    const start = Date.UTC(2026, 0, 1);
    const lines = ['timestamp,value'];
    for (let i = 0; i < 2500; i++) lines.push(`${new Date(start + i * 300_000).toISOString()},${(50 + 10 * Math.sin(i / 12) + (i % 5)).toFixed(2)}`);
    const reports: [number, number][] = [];
    scoreMetricCsv(parseMetricCsv(lines.join('\n')), { trees: 10, retrainEveryMs: 0, onRows: (done, total) => void reports.push([done, total]) });
    expect(reports).toEqual([
      [1000, 2500],
      [2000, 2500],
      [2500, 2500],
    ]);
  }, 60_000);
});
