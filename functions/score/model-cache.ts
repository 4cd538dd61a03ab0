/**
 * The scoring model, cached across invocations. The published "current" pointer is re-checked at
 * most every `recheckMs`; a new version is downloaded, verified, tried on known rows
 * (model-store/probe.ts) and only then swapped in, without a redeploy. A failed load keeps the
 * last good model (logged, counted); only with no model at all does scoring stop
 * (ModelUnavailableError: the batch is retried, nothing is lost). A version refused for what it
 * is (another feature set, a manifest of another version, a model that cannot score) is refused
 * once: later re-checks that find the pointer still naming it do not download it again.
 * Each change (a model loaded, a version refused) is reported through `reportStatus` (the function
 * writes it to S3 for `vigil models status`): off the scoring path, once per change, never per batch.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { SCORE_METRICS } from '../../core/score-function.js';
import { featureSetMismatch, HOST_FEATURE_SET } from '../../core/features.js';
import type { Manifest } from '../../core/manifest.js';
import type { BatchScorer } from '../../model-store/onnx-scorer.js';
import { branchDistancesOf } from '../../model-store/metric-extremeness.js';
import { HostHabituation } from './host-habituation.js';
import { probeScorer } from '../../model-store/probe.js';
import { PublishedModelMismatchError } from '../../model-store/s3-store.js';

export interface ModelSource {
  /** Where models come from, for messages, e.g. s3://bucket/models/current.json. */
  readonly description: string;
  /** The version the current pointer names (a small read). */
  currentVersion(): Promise<string>;
  /** The current model's files, sha256 verified against its manifest; `version`: the version the pointer named. */
  fetch(): Promise<{ manifest: Manifest; onnx: Uint8Array; version?: string }>;
}

export interface LoadedModel {
  readonly manifest: Manifest;
  readonly scorer: BatchScorer;
  /** Each host's memory of its ended excursions, for a model whose graph takes them (functions/score/host-habituation.ts). */
  readonly habituation?: HostHabituation;
  /** Date.parse(manifest.createdAt): the Timestream record version of its results. */
  readonly createdMs: number;
}

export interface ModelCacheStatus {
  /** The version scoring uses now, if any. */
  readonly version: string | undefined;
  /** When the pointer was last checked, epoch ms. */
  readonly checkedAt: number | undefined;
  /** Why the last check failed to load a model, until a later check succeeds. */
  readonly lastError: string | undefined;
}

export class ModelUnavailableError extends Error {
  override readonly name = 'ModelUnavailableError';
}

/** A published version refused for what it is: loading it again cannot help until another is published. */
class ModelRefusedError extends Error {
  override readonly name = 'ModelRefusedError';
  constructor(
    readonly version: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface ModelCacheOptions {
  readonly source: ModelSource;
  readonly recheckMs: number;
  /**
   * How long a batch waits for a re-check when a model is loaded already: past it, the batch is
   * scored with the current model and the check goes on (a slow or hung S3 never holds scoring).
   * @default 2000
   */
  readonly recheckWaitMs?: number;
  readonly createScorer: (onnx: Uint8Array, featureCount: number, source: string) => Promise<BatchScorer>;
  /** What createScorer needs before any model (loading its runtime): done while the model downloads. */
  readonly prepareScorer?: () => Promise<unknown>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now?: () => number;
  /** Told what the cache uses and refuses, each time that changes; a failure is logged, scoring goes on. */
  readonly reportStatus?: (status: ModelUseStatus) => Promise<void>;
}

/** What the cache scores with, and the version it refused, as reported on each change. */
export interface ModelUseStatus {
  readonly loaded: { readonly version: string; readonly name: string; readonly loadedAt: string } | null;
  readonly refused: { readonly version: string; readonly reason: string; readonly refusedAt: string } | null;
}

export class ModelCache {
  private model: LoadedModel | undefined;
  private lastCheck = -Infinity;
  private pending: Promise<void> | undefined;
  private lastError: string | undefined;
  /** The version the pointer named when its model was refused, and why. */
  private refused: { version: string; reason: string } | undefined;
  private loadedAt: number | undefined;
  private refusedAt: number | undefined;
  /** The last status report, so that a later one waits for it (reports arrive in order). */
  private reporting: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly options: ModelCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The model to score with now; loads it on first use and re-checks the pointer when due. */
  async current(): Promise<LoadedModel> {
    if (!this.model || this.now() - this.lastCheck >= this.options.recheckMs) {
      // One check at a time, however many callers wait on it.
      this.pending ??= this.check().finally(() => (this.pending = undefined));
      if (this.model) await waitAtMost(this.pending, this.options.recheckWaitMs ?? 2_000);
      else await this.pending;
    }
    if (!this.model) {
      throw new ModelUnavailableError(
        `no model could be loaded from ${this.options.source.description} (see the error logged before): publish one with \`vigil publish\``,
      );
    }
    return this.model;
  }

  status(): ModelCacheStatus {
    return { version: this.model?.manifest.version, checkedAt: Number.isFinite(this.lastCheck) ? this.lastCheck : undefined, lastError: this.lastError };
  }

  private async check(): Promise<void> {
    const { source, logger, metrics } = this.options;
    this.lastCheck = this.now();
    try {
      const named = this.model || this.refused ? await source.currentVersion() : undefined;
      if (this.model && named === this.model.manifest.version) {
        this.lastError = undefined;
        this.refused = undefined;
        return;
      }
      if (this.refused && named === this.refused.version) {
        // Refused once, with its reason: not downloaded again until another version is published.
        this.lastError = this.refused.reason;
        return;
      }
      const next = await this.load();
      this.lastError = undefined;
      this.refused = undefined;
      const previous = this.model;
      this.model = next;
      this.loadedAt = this.now();
      this.report();
      logger.info('scoring model loaded', {
        modelVersion: next.manifest.version,
        modelName: next.manifest.name,
        previousVersion: previous?.manifest.version,
        source: source.description,
      });
      metrics.addMetric(SCORE_METRICS.modelLoaded, MetricUnit.Count, 1);
      await previous?.scorer.release();
    } catch (error) {
      this.lastError = (error as Error).message;
      if (error instanceof ModelRefusedError) {
        const first = this.refused?.version !== error.version;
        this.refused = { version: error.version, reason: error.message };
        if (first) {
          this.refusedAt = this.now();
          this.report();
        }
      }
      metrics.addMetric(SCORE_METRICS.modelLoadFailed, MetricUnit.Count, 1);
      logger.error(this.model ? 'model load failed; scoring continues with the last good model' : 'model load failed; no model to score with', {
        error: error as Error,
        keptVersion: this.model?.manifest.version,
        source: source.description,
      });
    }
  }

  /** Reports the status in the background, after the reports before it. */
  private report(): void {
    const report = this.options.reportStatus;
    if (!report) return;
    const iso = (ms: number | undefined): string => new Date(ms ?? this.now()).toISOString();
    const status: ModelUseStatus = {
      loaded: this.model ? { version: this.model.manifest.version, name: this.model.manifest.name, loadedAt: iso(this.loadedAt) } : null,
      refused: this.refused ? { version: this.refused.version, reason: this.refused.reason, refusedAt: iso(this.refusedAt) } : null,
    };
    this.reporting = this.reporting.then(() =>
      report(status).catch((error: unknown) => this.options.logger.error('model status not reported; scoring goes on', { error: error as Error })),
    );
  }

  /** Resolves when the reports made so far are done (tests; a function may await it before it ends). */
  reported(): Promise<void> {
    return this.reporting;
  }

  private async load(): Promise<LoadedModel> {
    // A cold start loads the scorer's runtime while the model downloads.
    const [{ manifest, onnx, version }] = await Promise.all([
      this.options.source.fetch().catch((error: unknown) => {
        if (error instanceof PublishedModelMismatchError)
          throw new ModelRefusedError(error.version, `${error.message}; keeping the model in use until another version is published`, { cause: error });
        throw error;
      }),
      this.options.prepareScorer?.(),
    ]);
    const named = version ?? manifest.version;
    const refuse = (message: string, cause?: unknown): ModelRefusedError =>
      new ModelRefusedError(named, `${message}; keeping the model in use until another version is published`, cause === undefined ? undefined : { cause });
    if (named !== manifest.version)
      throw refuse(`${this.options.source.description} names version ${named}, but its manifest says ${manifest.version}: publish the model again`);
    const mismatch = featureSetMismatch(HOST_FEATURE_SET, manifest.featureSet);
    if (mismatch) throw refuse(`model ${manifest.name} ${manifest.version} cannot score this fleet's features: ${mismatch}`);
    let scorer: BatchScorer;
    try {
      scorer = await this.options.createScorer(onnx, manifest.featureSet.names.length, `${manifest.name} ${manifest.version}`);
    } catch (error) {
      throw refuse((error as Error).message, error);
    }
    try {
      await probeScorer(scorer, manifest);
      return loadedModel(manifest, scorer, this.model);
    } catch (error) {
      await scorer.release();
      throw refuse((error as Error).message, error);
    }
  }
}

/**
 * A model ready to score, with the hosts' memories of their excursions when its graph takes them: those of the model
 * it replaces, carried over, or fresh ones. Throws when the manifest's branch does not fit the graph.
 */
export function loadedModel(manifest: Manifest, scorer: BatchScorer, previous?: LoadedModel): LoadedModel {
  const habituation = habituationFor(scorer, manifest, previous?.habituation);
  return { manifest, scorer, createdMs: Date.parse(manifest.createdAt), ...(habituation ? { habituation } : {}) };
}

function habituationFor(scorer: BatchScorer, manifest: Manifest, previous: HostHabituation | undefined): HostHabituation | undefined {
  if (scorer.habituationWidth === 0) return undefined;
  const branch = branchDistancesOf(manifest);
  if (branch?.metrics.length !== scorer.habituationWidth) {
    throw new Error(
      `model ${manifest.name} ${manifest.version} takes a habituation input of ${scorer.habituationWidth} metrics, but its manifest's reach covers ${branch?.metrics.length ?? 0}: train and publish it again`,
    );
  }
  return previous ? previous.carriedTo(branch) : new HostHabituation(branch);
}

/** Waits for `work` (which never rejects) at most `ms`. */
async function waitAtMost(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
