/** Pages: the model's own decision as an operator receives it, and what a page adds to the reported score. */
import { describe, expect, it } from 'vitest';
import { ESCALATION_LEVELS, PAGE_BONUS, PageInterval, pagedScore } from '../../models/page.js';

const HOUR = 3_600_000;

describe('PageInterval', () => {
  it('pages on a flagged sample, then not again until the interval has passed since that page', () => {
    const pages = new PageInterval(12 * HOUR);
    expect(pages.push(0, 'normal')).toBe(false);
    expect(pages.push(1 * HOUR, 'low')).toBe(true);
    // The host keeps flagging: one page, not one per sample.
    expect(pages.push(2 * HOUR, 'low')).toBe(false);
    expect(pages.push(13 * HOUR, 'medium')).toBe(false); // exactly 12 hours after the page, one level up
    expect(pages.push(13 * HOUR + 1, 'low')).toBe(true); // still firing: paged again
    expect(pages.push(30 * HOUR, 'normal')).toBe(false); // a sample that is not flagged never pages
    expect(pages.push(30 * HOUR + 1, 'medium')).toBe(true);
  });

  it(`pages again within the interval when the severity rises ${ESCALATION_LEVELS} levels above the last page: a marginal page does not hide an outage`, () => {
    const pages = new PageInterval(12 * HOUR);
    expect(pages.push(0, 'low')).toBe(true);
    expect(pages.push(1 * HOUR, 'medium')).toBe(false);
    expect(pages.push(2 * HOUR, 'high')).toBe(true);
    expect(pages.push(3 * HOUR, 'critical')).toBe(false); // one level above the last page (high)
    expect(pages.push(4 * HOUR, 'low')).toBe(false);
  });

  it('refuses an interval that is not a finite number of ms >= 0', () => {
    expect(() => new PageInterval(-1)).toThrow(/page interval must be a finite number of ms >= 0; got -1/);
    expect(() => new PageInterval(Number.POSITIVE_INFINITY)).toThrow(/got Infinity/);
  });
});

describe('pagedScore', () => {
  it('keeps the scaled score in [0, 1] and in order, and lifts a page by PAGE_BONUS over the same score without one', () => {
    expect(pagedScore(0, false)).toBe(0);
    expect(pagedScore(1, true)).toBe(1);
    expect(pagedScore(0.3, false)).toBeLessThan(pagedScore(0.4, false));
    expect(pagedScore(0.8, true) - pagedScore(0.8, false)).toBeCloseTo(PAGE_BONUS / (1 + PAGE_BONUS), 12);
    // A page outranks a sample without one that scaled up to PAGE_BONUS higher.
    expect(pagedScore(0.8, true)).toBeGreaterThan(pagedScore(0.8 + 0.99 * PAGE_BONUS, false));
  });
});
