/**
 * The whole detection path on a simulated fleet, in one process and in simulated time: history
 * backfilled through each host's feature pipeline, a model trained on it (trainModel), then a live
 * run with injected incidents whose samples go through the agent's wire format and the scoring
 * function's own scoring code (ONNX), into the detection tracker. No AWS, no waiting: the
 * quick way to see whether the model catches the incidents, and how fast.
 */
import { HOST_FEATURE_SET } from '../core/features.js';
import { FeatureRows } from '../core/feature-rows.js';
import { encodeWireRecord, readWireRecordInto } from '../core/wire.js';
import type { ModelArtifact } from '../model-store/artifact.js';
import { createOnnxScorer } from '../model-store/onnx-scorer.js';
import type { AcceptedRecord } from '../functions/score/records.js';
import { scoreRecords } from '../functions/score/score-batch.js';
import { loadedModel } from '../functions/score/model-cache.js';
import { trainModel } from '../models/train.js';
import { backfill } from '../simulate/backfill.js';
import { DetectionTracker, type DetectionReport } from '../simulate/detection.js';
import { SimulatedFleet } from '../simulate/fleet.js';
import { planIncidents, type IncidentKind } from '../simulate/incidents.js';
import { SimulatedAgents } from '../simulate/simulated-agents.js';

export interface OfflineRunOptions {
  readonly hosts: number;
  readonly seed?: number;
  /** Sampling interval, seconds (default 10). */
  readonly intervalSeconds?: number;
  /** Length of the live run with incidents, seconds (default 300). */
  readonly durationSeconds?: number;
  /** Days of history before the run: pipeline warm-up and training data (default 2). */
  readonly historyDays?: number;
  /** When the live run starts, epoch ms (default: the next full hour). */
  readonly start?: number;
  readonly kinds?: readonly IncidentKind[];
  /** Consecutive anomalous samples that make an alarm (the tracker's default: 2). */
  readonly confirmSamples?: number;
  readonly trainingRows?: number;
  /** The model's expected anomaly share (trainModel's default when left out). */
  readonly contamination?: number;
  /** Score with this model instead of one trained on the fleet's history (e.g. the shipped default model). */
  readonly model?: ModelArtifact;
}

export interface OfflineRunResult {
  readonly report: DetectionReport;
  readonly threshold: number;
  readonly trainingRows: number;
  /** Anomalous samples, and samples in all, on hosts without an incident. */
  readonly healthyAnomalousSamples: number;
  readonly healthySamples: number;
}

export async function runOfflineSimulation(options: OfflineRunOptions): Promise<OfflineRunResult> {
  const seed = options.seed ?? 1;
  const intervalSeconds = options.intervalSeconds ?? 10;
  const durationMs = (options.durationSeconds ?? 300) * 1000;
  const start = options.start ?? Math.ceil(Date.now() / 3_600_000) * 3_600_000;
  const fleet = new SimulatedFleet({ hosts: options.hosts, seed });
  const history = backfill(fleet, { until: start, days: options.historyDays ?? 2, intervalSeconds, seed, maxTrainingRows: options.trainingRows ?? 20_000 });
  const trained =
    options.model ?? trainModel(history.rows, HOST_FEATURE_SET, { seed, ...(options.contamination ? { contamination: options.contamination } : {}) });
  const scorer = await createOnnxScorer(trained.onnx, HOST_FEATURE_SET.names.length, 'the simulation model');
  const model = loadedModel(trained.manifest, scorer);

  const incidents = planIncidents({ hosts: fleet.hostIds, from: start, until: start + durationMs, seed, ...(options.kinds ? { kinds: options.kinds } : {}) });
  fleet.inject(incidents);
  const tracker = new DetectionTracker(incidents, fleet.hostIds, start, {
    intervalSeconds,
    ...(options.confirmSamples ? { confirmSamples: options.confirmSamples } : {}),
  });
  const incidentHosts = new Set(incidents.map((i) => i.host));
  const agents = new SimulatedAgents(fleet, history.pipelines);
  let healthySamples = 0;
  let healthyAnomalousSamples = 0;
  try {
    for (let t = start; t < start + durationMs; t += intervalSeconds * 1000) {
      const rows = new FeatureRows(HOST_FEATURE_SET.names.length);
      const records: AcceptedRecord[] = agents.recordsAt(t).map((record, index) => ({
        index,
        // Through the wire format, as the pipeline reads it.
        record: readWireRecordInto(encodeWireRecord(record), rows),
      }));
      const { samples } = await scoreRecords(records, model, rows.matrix());
      for (const scored of samples) {
        tracker.observe(scored);
        if (!incidentHosts.has(scored.host)) {
          healthySamples++;
          if (scored.anomaly) healthyAnomalousSamples++;
        }
      }
      tracker.checkAll(t);
    }
  } finally {
    await scorer.release();
  }
  return {
    report: tracker.report(start + durationMs),
    threshold: trained.manifest.threshold,
    trainingRows: options.model ? options.model.manifest.training.rows : history.rows.length,
    healthyAnomalousSamples,
    healthySamples,
  };
}
