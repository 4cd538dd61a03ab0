import { describe, expect, it } from 'vitest';
import { IncidentOnset } from '../../models/onset.js';

const MINUTE = 60_000;

/** Reports of `scores`, one a minute. */
function reports(onset: IncidentOnset, scores: number[]): number[] {
  return scores.map((score, i) => onset.push(i * MINUTE, score));
}

describe('incident onset', () => {
  it('reports a lasting incident once, at its start', () => {
    expect(reports(new IncidentOnset(60 * MINUTE), [0.2, 0.9, 0.9, 0.8, 0.9, 0.3])).toEqual([0.2, 0.9, 0, 0, 0, 0]);
  });

  it('reports an incident again each time it gets worse', () => {
    expect(reports(new IncidentOnset(60 * MINUTE), [0.6, 0.7, 0.65, 0.95])).toEqual([0.6, 0.7, 0, 0.95]);
  });

  it('reports the same score again once the earlier one has left the window', () => {
    const onset = new IncidentOnset(10 * MINUTE);
    expect(onset.push(0, 0.9)).toBe(0.9);
    expect(onset.push(10 * MINUTE, 0.9)).toBe(0); // 10 minutes back is still inside the window
    expect(onset.push(20 * MINUTE + 1, 0.9)).toBe(0.9); // both earlier reports are older than 10 minutes
  });

  it('keeps the window maximum when lower scores in between leave the window', () => {
    const onset = new IncidentOnset(5 * MINUTE);
    const scores = [0.9, 0.1, 0.2, 0.3, 0.4, 0.5, 0.45, 0.5];
    // minute 6: 0.9 (minute 0) has left the window, 0.5 (minute 5) has not: 0.45 is no onset; nor is 0.5 at minute 7.
    expect(reports(onset, scores)).toEqual([0.9, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('with a window of 0 reports every score as it is', () => {
    expect(reports(new IncidentOnset(0), [0.9, 0.9, 0.1])).toEqual([0.9, 0.9, 0.1]);
  });

  it('stays exact over long runs (the window is compacted as it slides)', () => {
    const onset = new IncidentOnset(30 * MINUTE);
    const scores = Array.from({ length: 5000 }, (_, i) => (Math.sin(i / 7) + 1) / 2);
    const expected = scores.map((s, i) => (s > Math.max(0, ...scores.slice(Math.max(0, i - 30), i)) || i === 0 ? s : 0));
    expect(reports(onset, scores)).toEqual(expected);
  });

  it('refuses a negative or non-finite window, naming the value', () => {
    expect(() => new IncidentOnset(-1)).toThrow(/onset window.*got -1/);
    expect(() => new IncidentOnset(Infinity)).toThrow(/got Infinity/);
  });
});
