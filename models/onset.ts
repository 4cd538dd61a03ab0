/**
 * Incident onset: one report per incident, not one per sample of it. A score stands only when it
 * is higher than every score of the past `windowMs`; otherwise it becomes 0, because an incident at
 * least that bad was already reported. A rising incident is reported again as it worsens; one that
 * lasts is reported once. Causal (past scores only), O(1) amortised per score.
 *
 * Why: an operator is paged per incident, and an anomaly that lasts an hour is one incident, not
 * sixty. The NAB protocol counts each reported row outside a labelled window as a false positive,
 * and within a window only the first report counts, so reporting onsets is what it rewards too.
 */
export class IncidentOnset {
  /** Times and scores of the past window, scores strictly decreasing: the front is the window's maximum. */
  private times: number[] = [];
  private scores: number[] = [];
  /** Entries before this index have left the window (dropped in bulk, so each push stays O(1) amortised). */
  private head = 0;

  constructor(readonly windowMs: number) {
    if (!(windowMs >= 0 && Number.isFinite(windowMs))) throw new Error(`the onset window must be a finite number of ms >= 0 (0 = off); got ${windowMs}`);
  }

  /** The score reported for a sample at time t (epoch ms, not before the previous one) with score `score`. */
  push(t: number, score: number): number {
    if (this.windowMs === 0) return score;
    while (this.head < this.times.length && this.times[this.head]! < t - this.windowMs) this.head++;
    if (this.head > 1024 && 2 * this.head > this.times.length) {
      this.times = this.times.slice(this.head);
      this.scores = this.scores.slice(this.head);
      this.head = 0;
    }
    const reported = this.head === this.scores.length || score > this.scores[this.head]! ? score : 0;
    while (this.scores.length > this.head && this.scores[this.scores.length - 1]! <= score) {
      this.times.pop();
      this.scores.pop();
    }
    this.times.push(t);
    this.scores.push(score);
    return reported;
  }
}
