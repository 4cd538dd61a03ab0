/**
 * Pages: the model's own decision as an operator receives it. A sample scored at or above the
 * model's own threshold (calibrated on the host's own history without labels, models/train.ts)
 * pages the operator. A host that keeps flagging is paged again once `intervalMs` has passed since
 * its last page, as an alert repeats while it stays firing, or sooner when its severity has risen
 * ESCALATION_LEVELS above that page's (low to high, medium to critical), as a new severity label
 * is a new alert: a marginal page does not hide the outage that follows it. Causal, O(1) a sample.
 */
import { SEVERITIES, type Severity } from '../core/manifest.js';

/** How many severity levels above the last page a sample must reach to page again within the interval. */
export const ESCALATION_LEVELS = 2;

export class PageInterval {
  private lastPage = Number.NEGATIVE_INFINITY;
  private lastLevel = 0;

  constructor(readonly intervalMs: number) {
    if (!(intervalMs >= 0 && Number.isFinite(intervalMs))) throw new Error(`the page interval must be a finite number of ms >= 0; got ${intervalMs}`);
  }

  /** Whether a sample at time t (epoch ms, not before the previous one) of this severity (models: severityOf) pages the operator. */
  push(t: number, severity: Severity): boolean {
    const level = SEVERITIES.indexOf(severity);
    if (level <= 0) return false;
    if (t - this.lastPage <= this.intervalMs && level < this.lastLevel + ESCALATION_LEVELS) return false;
    this.lastPage = t;
    this.lastLevel = level;
    return true;
  }
}

/** A host is paged again at most every 12 hours while its model keeps flagging. */
export const DEFAULT_PAGE_INTERVAL_MS = 12 * 3_600_000;

/**
 * How much a page adds to the reported anomaly score (score-csv), as a share of the score's range.
 * The scaled score ranks a host's samples against its own training scores, but one value of it
 * does not mean the same on every host: a bursty series' ordinary bursts reach scores a steady
 * series reaches only in an incident. The page is the one decision calibrated the same way on
 * every host (its own threshold, its own history, the same contamination), so the reported score
 * is the scaled score plus this bonus where a page opens, rescaled to [0, 1]: at one threshold for
 * every host, a sample that pages its host outranks one of the same scaled score that does not.
 * How it was chosen and what it changes: docs/detection.md (experiment 22).
 */
export const PAGE_BONUS = 0.1;

/** The reported anomaly score of a sample: its scaled score, plus PAGE_BONUS where it opens a page, in [0, 1]. */
export function pagedScore(scaled: number, page: boolean): number {
  return (scaled + (page ? PAGE_BONUS : 0)) / (1 + PAGE_BONUS);
}
