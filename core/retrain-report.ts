/**
 * The report each retraining run writes to the model bucket, `vigil models history` lists, and the
 * retraining function logs: what data it learned from, both models' figures on the held-back day,
 * and the decision. One JSON object per run under `<modelPrefix>/retraining/`.
 */

/** Folder of the reports under the model prefix. */
export const RETRAIN_REPORT_FOLDER = 'retraining';

export type RetrainDecision = 'published' | 'kept' | 'failed';

/** What one model came to on the held-back day, at its own threshold. */
export interface ModelFigures {
  readonly version: string;
  readonly threshold: number;
  /** Runs of flagged samples outside incident and maintenance marks, per host-day of held-back data. */
  readonly falseAlarmEpisodesPerHostDay: number;
  readonly falseAlarmEpisodes: number;
  /** Incidents (the simulator's shapes) injected into replayed held-back hosts, and how many it flagged. */
  readonly incidentsInjected: number;
  readonly incidentsDetected: number;
}

/** What a retraining run read and trained on. */
export interface RetrainData {
  readonly trainingRows: number;
  readonly trainingHosts: number;
  /** Rows left out: flagged by the current model, and under incident or maintenance marks. */
  readonly excludedFlagged: number;
  readonly excludedMarked: number;
  readonly heldBackRows: number;
  readonly heldBackHosts: number;
  readonly heldBackHostDays: number;
  readonly objectsRead: number;
}

export interface RetrainReport {
  readonly schema: 1;
  /** When the run started (ISO 8601, UTC). */
  readonly startedAt: string;
  readonly decision: RetrainDecision;
  /** Why, in a sentence (the error's message when the run failed). */
  readonly reason: string;
  readonly trainingDays: readonly string[];
  readonly heldBackDay: string;
  readonly data?: RetrainData;
  readonly champion?: ModelFigures;
  readonly challenger?: ModelFigures;
  readonly seconds: number;
}

export function retrainReportPrefix(modelPrefix: string): string {
  const trimmed = modelPrefix.replace(/^\/+|\/+$/g, '');
  return `${trimmed ? `${trimmed}/` : ''}${RETRAIN_REPORT_FOLDER}/`;
}

/** Reports sort by key in time order: the start time, compact (20261202T031500Z). */
export function retrainReportKey(modelPrefix: string, startedAt: Date): string {
  return `${retrainReportPrefix(modelPrefix)}${startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}.json`;
}

/** A challenger is published when it is at least as good on both counts; the reason says which way it went. */
export function decide(champion: ModelFigures | undefined, challenger: ModelFigures): { decision: 'published' | 'kept'; reason: string } {
  if (!champion) return { decision: 'published', reason: 'no model was current' };
  const fewerAlarms = challenger.falseAlarmEpisodesPerHostDay <= champion.falseAlarmEpisodesPerHostDay;
  const detects = challenger.incidentsDetected >= champion.incidentsDetected;
  const figures = `false-alarm episodes per host-day ${fmt(challenger.falseAlarmEpisodesPerHostDay)} against ${fmt(champion.falseAlarmEpisodesPerHostDay)}, incidents detected ${challenger.incidentsDetected} against ${champion.incidentsDetected} of ${challenger.incidentsInjected}`;
  if (fewerAlarms && detects) return { decision: 'published', reason: `the challenger is at least as good: ${figures}` };
  return { decision: 'kept', reason: `the challenger is worse (${!fewerAlarms ? 'more false alarms' : 'fewer incidents detected'}): ${figures}` };
}

function fmt(n: number): string {
  return n.toFixed(3);
}
