/**
 * The model artifact contract: `model.onnx` plus `manifest.json` beside it.
 * ONNX: input `features` float32 [N, F], output `score` float32 [N], higher = more anomalous.
 * Any model that honours this (trained here, in scikit-learn or PyTorch) can be published and scored.
 */
import * as z from 'zod';
import { describeIssues } from './wire.js';

export const MANIFEST_SCHEMA_VERSION = 1;
export const MODEL_FILE = 'model.onnx';
export const MANIFEST_FILE = 'manifest.json';
export const ONNX_INPUT = 'features';
export const ONNX_OUTPUT = 'score';
/** The second input of a model with an extremeness branch: per metric, its past ended excursion (model-store/habituation.ts); zeros when unknown. */
export const ONNX_HABITUATION_INPUT = 'habituation';
/**
 * The third input of such a model: per metric, its habituated distance on the host's previous sample
 * (model-store/habituation.ts); +Infinity when unknown. A lone metric alarms whatever the history only
 * when it is as far out on both samples.
 */
export const ONNX_PREVIOUS_INPUT = 'previous_distance';
/**
 * The fourth input of a model with a dwell band: per metric, its dwell distance, how much of its recent
 * samples it spent outside its usual range (model-store/dwell.ts); zeros when unknown.
 */
export const ONNX_DWELL_INPUT = 'dwell_distance';

export const SEVERITIES = ['normal', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

const finite = z.number().refine(Number.isFinite, 'expected a finite number');

/** Metrics also seen on a log scale, ln(1 + x / scale), in metric order (core/features.ts LogView). */
export const LogViewsSchema = z.array(z.strictObject({ metric: z.string(), scale: finite.refine((s) => s > 0, 'a log view scale must be > 0') }));

export const ManifestSchema = z
  .strictObject({
    schema: z.literal(MANIFEST_SCHEMA_VERSION),
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'model names are lower kebab case, 1-63 characters'),
    /** Unique per published model; also the Timestream record version, so later models overwrite. */
    version: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'versions are 1-64 characters of letters, digits and . _ -'),
    createdAt: z.iso.datetime({ message: 'expected an ISO-8601 UTC time such as 2026-11-21T12:00:00Z' }),
    featureSet: z.strictObject({
      version: z.number().int().positive(),
      metrics: z.array(z.string()).min(1),
      logViews: LogViewsSchema.optional(),
      names: z.array(z.string()).min(1),
    }),
    onnx: z.strictObject({
      file: z.literal(MODEL_FILE),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex characters'),
      bytes: z.number().int().positive(),
      input: z.literal(ONNX_INPUT),
      output: z.literal(ONNX_OUTPUT),
    }),
    /** A sample is anomalous when score >= threshold. */
    threshold: finite,
    /** Score cut points, each >= threshold and ascending: score >= low is severity low, and so on. */
    severity: z.strictObject({ low: finite, medium: finite, high: finite, critical: finite }),
    /** Per-feature statistics of the training data, aligned with featureSet.names, for attribution. */
    baseline: z.strictObject({
      center: z.array(finite),
      scale: z.array(finite.refine((s) => s > 0, 'scale must be > 0')),
      /**
       * Optional, per feature: how far from its center the feature alone makes a sample anomalous
       * (the model's own normal range for it; null where the model has none). With it, attribution
       * ranks metrics by how far beyond their normal range they went, as the score does.
       */
      reach: z.array(finite.refine((r) => r > 0, 'reach must be > 0').nullable()).optional(),
      /**
       * Optional, per feature, set at each metric's level (null elsewhere): the usual range of the level (the 5th
       * and 95th training percentiles), the share of recent samples outside it up to which the metric's dwell
       * distance is 0 and the share at which it reaches 1 (model-store/dwell.ts).
       */
      dwell: z
        .strictObject({
          low: z.array(finite.nullable()),
          high: z.array(finite.nullable()),
          usual: z.array(finite.refine((u) => u > 0, 'the usual dwell share must be > 0').nullable()),
          reach: z.array(finite.refine((r) => r > 0, 'dwell reach must be > 0').nullable()),
        })
        .optional(),
    }),
    training: z.strictObject({
      algorithm: z.string().min(1),
      rows: z.number().int().nonnegative(),
      seed: z.number().int().optional(),
      params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
      source: z.string().optional(),
    }),
    evaluation: z.record(z.string(), finite).optional(),
  })
  .superRefine((m, ctx) => {
    const f = m.featureSet.names.length;
    const perFeature = [
      ...(['center', 'scale', 'reach'] as const).map((key) => [[key], m.baseline[key]] as const),
      ...(['low', 'high', 'usual', 'reach'] as const).map((key) => [['dwell', key], m.baseline.dwell?.[key]] as const),
    ];
    for (const [path, values] of perFeature) {
      if (values !== undefined && values.length !== f) {
        ctx.addIssue({ code: 'custom', path: ['baseline', ...path], input: values.length, message: `needs one value per feature (${f})` });
      }
    }
    const { low, medium, high, critical } = m.severity;
    if (!(m.threshold <= low && low <= medium && medium <= high && high <= critical)) {
      ctx.addIssue({ code: 'custom', path: ['severity'], input: m.severity, message: `cut points must ascend from the threshold (${m.threshold})` });
    }
  });

export type Manifest = z.infer<typeof ManifestSchema>;

/** Parses a manifest; the error names the field, the value and the rule. */
export function parseManifest(json: unknown, source = 'manifest.json'): Manifest {
  const checked = ManifestSchema.safeParse(json, { reportInput: true });
  if (!checked.success) throw new Error(`${source} is not a valid vigil model manifest: ${describeIssues(checked.error.issues)}`);
  return checked.data;
}

/** Severity of a score under a manifest's cut points. */
export function severityOf(score: number, m: Pick<Manifest, 'threshold' | 'severity'>): Severity {
  if (!(score >= m.threshold)) return 'normal';
  if (score >= m.severity.critical) return 'critical';
  if (score >= m.severity.high) return 'high';
  if (score >= m.severity.medium) return 'medium';
  return 'low';
}
