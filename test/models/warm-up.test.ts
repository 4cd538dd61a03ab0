import { describe, expect, it } from 'vitest';
import { firstTrainingRow } from '../../features/warm-up.js';

const T0 = Date.UTC(2026, 0, 5);
const times = (rows: number, stepMs: number) => Array.from({ length: rows }, (_, i) => T0 + i * stepMs);

describe('training leaves out the feature warm-up', () => {
  it('skips the first day of rows', () => {
    expect(firstTrainingRow(times(4032, 5 * 60_000))).toBe(288); // 5-minute samples: a day is 288 rows
    expect(firstTrainingRow(times(1000, 3_600_000))).toBe(24);
  });

  it('keeps at least half of a short history', () => {
    expect(firstTrainingRow(times(300, 5 * 60_000))).toBe(150);
    expect(firstTrainingRow(times(1, 60_000))).toBe(0);
  });

  it('looks only at the first `rows` rows when given a count', () => {
    expect(firstTrainingRow(times(4032, 5 * 60_000), 400)).toBe(200);
    expect(firstTrainingRow(times(4032, 5 * 60_000), 604)).toBe(288);
  });
});
