/**
 * Detection metrics of scores against 0/1 labels: precision, recall, F1 at a threshold, ROC AUC,
 * a threshold sweep, and how many labelled windows were detected (and how early).
 */
export interface PointMetrics {
  readonly threshold: number;
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

/** Row i is a detection when scores[i] >= threshold. Precision is 0 when nothing is detected. */
export function metricsAt(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): PointMetrics {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const detected = scores[i]! >= threshold;
    if (labels[i] && detected) tp++;
    else if (labels[i]) fn++;
    else if (detected) fp++;
    else tn++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { threshold, tp, fp, tn, fn, precision, recall, f1 };
}

/**
 * Area under the ROC curve: the chance that a random anomalous row scores above a random normal
 * one (ties count half). Undefined when the labels hold only one class.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number | undefined {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]!] === scores[order[start]!]) end++;
    const averageRank = (start + end) / 2 + 1; // ranks are 1-based; tied rows share the average
    for (let k = start; k <= end; k++) {
      if (labels[order[k]!]) {
        positives++;
        rankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return undefined;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** The ROC curve as (false positive rate, true positive rate) points, from (0,0) to (1,1). */
export function rocCurve(scores: ArrayLike<number>, labels: ArrayLike<number>): { fpr: number; tpr: number }[] {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) positives++;
  const negatives = scores.length - positives;
  const points = [{ fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    if (labels[order[k]!]) tp++;
    else fp++;
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[order[k]!]) points.push({ fpr: negatives ? fp / negatives : 0, tpr: positives ? tp / positives : 0 });
  }
  return points;
}

/** Metrics at `steps` thresholds spread over the score quantiles (distinct, ascending). */
export function thresholdSweep(scores: ArrayLike<number>, labels: ArrayLike<number>, steps = 25): PointMetrics[] {
  const sorted = Float64Array.from(scores).sort();
  if (sorted.length === 0) return [];
  const thresholds = new Set<number>();
  // Denser near the top, where thresholds are chosen: quantiles 1 - 2^-k plus an even spread.
  for (let s = 0; s < steps; s++) {
    const q = s < steps / 2 ? (2 * s) / steps : 1 - 2 ** -(s - steps / 2 + 1);
    thresholds.add(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  }
  thresholds.add(sorted[sorted.length - 1]!);
  return [...thresholds].sort((a, b) => a - b).map((t) => metricsAt(scores, labels, t));
}

export interface Window {
  /** First and last row of the window (inclusive). */
  readonly start: number;
  readonly end: number;
}

export interface WindowDetection {
  readonly window: Window;
  /** First detected row inside the window, or undefined when missed. */
  readonly firstDetection: number | undefined;
}

export function windowDetections(scores: ArrayLike<number>, windows: readonly Window[], threshold: number): WindowDetection[] {
  return windows.map((window) => {
    for (let i = window.start; i <= window.end; i++) if (scores[i]! >= threshold) return { window, firstDetection: i };
    return { window, firstDetection: undefined };
  });
}

/**
 * False-alarm episodes: runs of consecutive flagged rows (score >= threshold) outside every
 * labelled row. An operator is paged once per run, so this counts pages for nothing.
 */
export function falseAlarmEpisodes(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): number {
  let episodes = 0;
  let inEpisode = false;
  for (let i = 0; i < scores.length; i++) {
    const falseAlarm = scores[i]! >= threshold && !labels[i];
    if (falseAlarm && !inEpisode) episodes++;
    inEpisode = falseAlarm;
  }
  return episodes;
}
