/**
 * Champion and challenger, without I/O: train a challenger on archived rows with the training code
 * `vigil train` uses (models/train.ts), leaving out rows the current model flags and rows under
 * incident or maintenance marks; then score both models (their ONNX files, as the scoring function
 * does, each host's rows with its memory of its ended excursions) on the held-back day:
 * - false-alarm episodes per host-day: runs of flagged samples outside incident and maintenance
 *   marks (a sample marked normal that is flagged counts as a false alarm);
 * - incidents detected: the simulator's incident shapes (simulate/incidents.ts) injected into the
 *   held-back day of some hosts, replayed through the feature pipeline after a warm-up on the same
 *   day shifted a day back; an incident counts when a model flags a sample inside it.
 */
import type { ArchiveRow } from '../../core/archive.js';
import type { FeatureSet } from '../../core/features.js';
import { feedbackLabelAt, type FeedbackMark } from '../../core/feedback.js';
import type { Manifest } from '../../core/manifest.js';
import type { ModelFigures, RetrainData } from '../../core/retrain-report.js';
import { FeaturePipeline } from '../../features/pipeline.js';
import { createOnnxScorer, type BatchScorer } from '../../model-store/onnx-scorer.js';
import { hostHabituation, memoryRows, type MemoryInput } from '../../model-store/habituation.js';
import { branchDistancesOf } from '../../model-store/metric-extremeness.js';
import { incidentEffect, planIncidents, type IncidentKind } from '../../simulate/incidents.js';
import { injectEffect } from '../../simulate/inject.js';
import { falseAlarmEpisodes } from '../evaluate/metrics.js';
import { trainModel, type TrainedModel, type TrainOptions } from '../train.js';

const DAY_MS = 86_400_000;
/** Injected kinds: a silent host is caught by the missing-series alert, not by a model. */
const INJECTED_KINDS: readonly IncidentKind[] = ['cpu_runaway', 'memory_leak', 'disk_filling', 'network_storm'];

export interface ModelArtifacts {
  readonly onnx: Uint8Array;
  readonly manifest: Manifest;
}

export interface ChallengeInput {
  readonly featureSet: FeatureSet;
  /** Archived rows of the training days (a sample of them is enough). */
  readonly training: readonly ArchiveRow[];
  /** Every archived row of the held-back day for the hosts evaluated (whole series, not a sample). */
  readonly heldBack: readonly ArchiveRow[];
  readonly champion: ModelArtifacts | undefined;
  readonly marks: readonly FeedbackMark[];
  /** Hosts of the held-back day that get an injected incident (one each). Default 20. */
  readonly injectedHosts?: number;
  readonly seed?: number;
  readonly train?: TrainOptions;
}

export interface ChallengeResult {
  readonly challenger: TrainedModel;
  readonly champion: ModelFigures | undefined;
  readonly challengerFigures: ModelFigures;
  readonly data: Omit<RetrainData, 'objectsRead'>;
}

export async function challenge(input: ChallengeInput): Promise<ChallengeResult> {
  const { featureSet, marks } = input;
  const width = featureSet.names.length;
  const usable = (rows: readonly ArchiveRow[]): ArchiveRow[] => rows.filter((r) => r.feature_set === featureSet.version);
  const training = usable(input.training);
  const championScorer = input.champion && (await scorerOf(input.champion, width));
  try {
    // Training rows: not under an incident or maintenance mark, not flagged by the current model.
    const unmarked = training.filter((r) => !excludedLabel(feedbackLabelAt(marks, r.host, r.time)));
    const features = unmarked.map((r) => r.features);
    // Rows of every host together: flagged without the hosts' memories of their excursions.
    const flaggedByChampion = championScorer ? await flagged(championScorer, features, input.champion!.manifest.threshold, width) : undefined;
    const rows = features.filter((_, i) => !flaggedByChampion?.[i]);
    if (rows.length < 1000) {
      throw new Error(
        `only ${rows.length} archived rows are left to train on (${training.length} archived with feature set ${featureSet.version}, ${training.length - unmarked.length} under incident or maintenance marks, ${features.length - rows.length} flagged by the current model); a challenger needs at least 1,000: let the archive fill for a day or more`,
      );
    }
    const challenger = trainModel(rows, featureSet, { ...input.train, source: `archive (${rows.length} rows)` });
    const challengerScorer = await scorerOf({ onnx: challenger.onnx, manifest: challenger.manifest }, width);
    try {
      const heldBack = byHost(usable(input.heldBack));
      const replays = injectedReplays(heldBack, featureSet, input.injectedHosts ?? 20, input.seed ?? 1);
      const figuresOf = async (scorer: BatchScorer, manifest: Manifest): Promise<ModelFigures> => ({
        version: manifest.version,
        threshold: manifest.threshold,
        ...(await falseAlarms(scorer, manifest, heldBack, marks, width)),
        ...(await detections(scorer, manifest, replays, width)),
      });
      const hostDays = [...heldBack.values()].reduce((sum, rows) => sum + spanDays(rows), 0);
      return {
        challenger,
        champion: championScorer && (await figuresOf(championScorer, input.champion!.manifest)),
        challengerFigures: await figuresOf(challengerScorer, challenger.manifest),
        data: {
          trainingRows: rows.length,
          trainingHosts: new Set(unmarked.map((r) => r.host)).size,
          excludedFlagged: features.length - rows.length,
          excludedMarked: training.length - unmarked.length,
          heldBackRows: [...heldBack.values()].reduce((n, rows) => n + rows.length, 0),
          heldBackHosts: heldBack.size,
          heldBackHostDays: hostDays,
        },
      };
    } finally {
      await challengerScorer.release();
    }
  } finally {
    await championScorer?.release();
  }
}

async function scorerOf(model: ModelArtifacts, width: number): Promise<BatchScorer> {
  return createOnnxScorer(model.onnx, width, `model ${model.manifest.version}`);
}

/**
 * Scores of `rows` (each `width` values), in chunks so a week of rows never makes one huge tensor;
 * `memory`, the rows' memory inputs (hostScores), left out for rows of many hosts.
 */
async function scores(scorer: BatchScorer, rows: readonly ArrayLike<number>[], width: number, memory?: MemoryInput): Promise<Float32Array> {
  const out = new Float32Array(rows.length);
  const metrics = scorer.habituationWidth;
  const CHUNK = 10_000;
  for (let start = 0; start < rows.length; start += CHUNK) {
    const n = Math.min(CHUNK, rows.length - start);
    const matrix = new Float32Array(n * width);
    for (let i = 0; i < n; i++) matrix.set(rows[start + i]!, i * width);
    out.set(await scorer.score(matrix, n, memory && memoryRows(memory, start, n, metrics)), start);
  }
  return out;
}

/** Scores of one host's rows in time order, with its memory of its ended excursions as the scoring function keeps it. */
async function hostScores(
  scorer: BatchScorer,
  manifest: Manifest,
  rows: readonly ArrayLike<number>[],
  times: readonly number[],
  width: number,
): Promise<Float32Array> {
  const branch = scorer.habituationWidth > 0 ? branchDistancesOf(manifest) : undefined;
  return scores(scorer, rows, width, branch && hostHabituation(rows, times, branch));
}

async function flagged(scorer: BatchScorer, rows: readonly ArrayLike<number>[], threshold: number, width: number): Promise<boolean[]> {
  return Array.from(await scores(scorer, rows, width), (s) => s >= threshold);
}

function excludedLabel(label: string | undefined): boolean {
  return label === 'incident' || label === 'maintenance';
}

function byHost(rows: readonly ArchiveRow[]): Map<string, ArchiveRow[]> {
  const hosts = new Map<string, ArchiveRow[]>();
  for (const row of rows) {
    let list = hosts.get(row.host);
    if (!list) hosts.set(row.host, (list = []));
    list.push(row);
  }
  for (const list of hosts.values()) list.sort((a, b) => a.time - b.time || a.seq - b.seq);
  return hosts;
}

/** Days a host's rows cover: its time span plus one typical step (a lone row counts one step). */
function spanDays(rows: readonly ArchiveRow[]): number {
  if (rows.length === 0) return 0;
  const span = rows[rows.length - 1]!.time - rows[0]!.time;
  const step = rows.length > 1 ? span / (rows.length - 1) : 10_000;
  return (span + step) / DAY_MS;
}

async function falseAlarms(
  scorer: BatchScorer,
  manifest: Manifest,
  heldBack: ReadonlyMap<string, readonly ArchiveRow[]>,
  marks: readonly FeedbackMark[],
  width: number,
): Promise<Pick<ModelFigures, 'falseAlarmEpisodes' | 'falseAlarmEpisodesPerHostDay'>> {
  let episodes = 0;
  let hostDays = 0;
  for (const [host, rows] of heldBack) {
    const scored = await hostScores(
      scorer,
      manifest,
      rows.map((r) => r.features),
      rows.map((r) => r.time),
      width,
    );
    // Rows under incident or maintenance marks are not false alarms; a flagged row marked normal is.
    const labels = rows.map((r) => (excludedLabel(feedbackLabelAt(marks, host, r.time)) ? 1 : 0));
    episodes += falseAlarmEpisodes(scored, labels, manifest.threshold);
    hostDays += spanDays(rows);
  }
  return { falseAlarmEpisodes: episodes, falseAlarmEpisodesPerHostDay: hostDays > 0 ? episodes / hostDays : 0 };
}

interface Replay {
  readonly features: Float64Array[];
  readonly times: number[];
  /** Per replayed row: inside the incident. */
  readonly inside: boolean[];
}

/**
 * Up to `count` hosts of the held-back day, each with one incident of the simulator's shapes: its
 * metrics replayed through a fresh feature pipeline, first the day as it was (shifted a day back,
 * the warm-up), then the day with the incident injected.
 */
function injectedReplays(heldBack: ReadonlyMap<string, readonly ArchiveRow[]>, featureSet: FeatureSet, count: number, seed: number): Replay[] {
  const hosts = [...heldBack.keys()].filter((h) => heldBack.get(h)!.length >= 60).sort();
  const chosen = hosts.slice(0, Math.min(count, hosts.length));
  const replays: Replay[] = [];
  chosen.forEach((host, i) => {
    const rows = heldBack.get(host)!;
    const from = rows[0]!.time;
    const until = rows[rows.length - 1]!.time;
    if (until - from < 60_000) return;
    const [incident] = planIncidents({
      hosts: [host],
      from,
      until,
      kinds: [INJECTED_KINDS[i % INJECTED_KINDS.length]!],
      seed: seed + i,
      maxDurationSeconds: 900,
    });
    const pipeline = new FeaturePipeline(featureSet);
    for (const r of rows) pipeline.push({ t: r.time - DAY_MS, values: r.metrics });
    const features: Float64Array[] = [];
    const times: number[] = [];
    const inside: boolean[] = [];
    for (const r of rows) {
      const values = injectEffect(r.metrics, incidentEffect(incident!, r.time));
      if (!values) continue;
      features.push(pipeline.push({ t: r.time, values }));
      times.push(r.time);
      inside.push(r.time >= incident!.start && r.time < incident!.end);
    }
    replays.push({ features, times, inside });
  });
  return replays;
}

async function detections(
  scorer: BatchScorer,
  manifest: Manifest,
  replays: readonly Replay[],
  width: number,
): Promise<Pick<ModelFigures, 'incidentsInjected' | 'incidentsDetected'>> {
  let detected = 0;
  for (const replay of replays) {
    const replayScores = await hostScores(scorer, manifest, replay.features, replay.times, width);
    if (replay.inside.some((inside, i) => inside && replayScores[i]! >= manifest.threshold)) detected++;
  }
  return { incidentsInjected: replays.length, incidentsDetected: detected };
}
