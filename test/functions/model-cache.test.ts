/** The model cache: first load, re-check interval, swap to a new version, keeping the last good model. */
import { describe, expect, it } from 'vitest';
import { featureSetFor } from '../../core/features.js';
import type { Manifest } from '../../core/manifest.js';
import { ModelCache, ModelUnavailableError, type ModelSource, type ModelUseStatus } from '../../functions/score/model-cache.js';
import { createOnnxScorer, loadOnnxRuntime } from '../../model-store/onnx-scorer.js';
import { quietTools, zscoreModel } from './fixtures.js';

/** A source whose published model the test replaces or breaks, counting the reads. */
class TestSource implements ModelSource {
  readonly description = 'test source';
  model = zscoreModel({ version: 'v1' });
  broken = false;
  pointerReads = 0;
  downloads = 0;
  async currentVersion(): Promise<string> {
    this.pointerReads++;
    if (this.broken) throw new Error('S3 is unreachable');
    return this.model.manifest.version;
  }
  async fetch(): Promise<{ manifest: Manifest; onnx: Uint8Array }> {
    this.downloads++;
    if (this.broken) throw new Error('S3 is unreachable');
    return this.model;
  }
}

function cache(source: ModelSource, clock: { now: number }): ModelCache {
  return new ModelCache({ source, recheckMs: 1000, createScorer: createOnnxScorer, ...quietTools(), now: () => clock.now });
}

describe('ModelCache', () => {
  it('loads once, re-checks the pointer only when the interval has passed, and swaps in a new version', async () => {
    const source = new TestSource();
    const clock = { now: 0 };
    const models = cache(source, clock);
    expect((await models.current()).manifest.version).toBe('v1');
    await models.current();
    expect([source.pointerReads, source.downloads]).toEqual([0, 1]);
    clock.now = 1000;
    expect((await models.current()).manifest.version).toBe('v1');
    expect([source.pointerReads, source.downloads]).toEqual([1, 1]);
    source.model = zscoreModel({ version: 'v2', gain: 2 });
    clock.now = 1500;
    expect((await models.current()).manifest.version).toBe('v1');
    clock.now = 2000;
    const next = await models.current();
    expect(next.manifest.version).toBe('v2');
    expect(next.createdMs).toBe(Date.parse(next.manifest.createdAt));
    expect(Array.from(await next.scorer.score(new Float32Array(next.scorer.featureCount).fill(1), 1))[0]).toBeCloseTo(2, 5);
  });

  it('prepares the scorer (loads its runtime) while the model downloads, not after', async () => {
    const events: string[] = [];
    let arrive!: () => void;
    const source = new TestSource();
    const slow: ModelSource = {
      description: source.description,
      currentVersion: () => source.currentVersion(),
      fetch: async () => {
        events.push('download started');
        await new Promise<void>((resolve) => (arrive = resolve));
        events.push('download done');
        return source.fetch();
      },
    };
    const models = new ModelCache({
      source: slow,
      recheckMs: 1000,
      createScorer: async (...args) => (events.push('scorer created'), createOnnxScorer(...args)),
      prepareScorer: async () => {
        events.push('runtime loading');
        await loadOnnxRuntime();
        events.push('runtime loaded');
        arrive();
      },
      ...quietTools(),
    });
    expect((await models.current()).manifest.version).toBe('v1');
    expect(events).toEqual(['download started', 'runtime loading', 'runtime loaded', 'download done', 'scorer created']);
  });

  it('keeps scoring with the last good model when a load fails, and counts the failure', async () => {
    const source = new TestSource();
    const clock = { now: 0 };
    const { logger, metrics } = quietTools();
    const models = new ModelCache({ source, recheckMs: 1000, createScorer: createOnnxScorer, logger, metrics, now: () => clock.now });
    await models.current();
    source.broken = true;
    clock.now = 5000;
    expect((await models.current()).manifest.version).toBe('v1');
    expect(JSON.stringify(metrics.serializeMetrics())).toContain('ModelLoadFailed');
  });

  it('refuses a model trained on another feature set, and says why when there is no model at all', async () => {
    const source = new TestSource();
    source.model = zscoreModel({ version: 'narrow', featureSet: featureSetFor(['cpu_pct']) });
    const models = cache(source, { now: 0 });
    await expect(models.current()).rejects.toThrow(ModelUnavailableError);
    await expect(models.current()).rejects.toThrow(/no model could be loaded from test source/);
  });

  it('refuses ONNX bytes that are not a model', async () => {
    await expect(createOnnxScorer(new Uint8Array([1, 2, 3]), 3, 'junk v1')).rejects.toThrow(/onnxruntime cannot load the model junk v1/);
  });
});

describe('ModelCache status reports', () => {
  function reporting(source: ModelSource, clock: { now: number }, reports: ModelUseStatus[], fail = false): ModelCache {
    return new ModelCache({
      source,
      recheckMs: 1000,
      createScorer: createOnnxScorer,
      ...quietTools(),
      now: () => clock.now,
      reportStatus: async (status) => {
        reports.push(status);
        if (fail) throw new Error('S3 refused the status');
      },
    });
  }

  it('reports the model loaded and each swap, and nothing on the re-checks between', async () => {
    const source = new TestSource();
    const clock = { now: 0 };
    const reports: ModelUseStatus[] = [];
    const models = reporting(source, clock, reports);
    await models.current();
    for (clock.now = 1000; clock.now <= 5000; clock.now += 1000) await models.current();
    await models.reported();
    expect(reports).toEqual([{ loaded: { version: 'v1', name: source.model.manifest.name, loadedAt: new Date(0).toISOString() }, refused: null }]);
    source.model = zscoreModel({ version: 'v2' });
    clock.now = 6000;
    await models.current();
    await models.reported();
    expect(reports.map((r) => r.loaded?.version)).toEqual(['v1', 'v2']);
    expect(reports[1]!.loaded!.loadedAt).toBe(new Date(6000).toISOString());
  });

  it('reports a refused version once, with the model still in use and why', async () => {
    const source = new TestSource();
    const clock = { now: 0 };
    const reports: ModelUseStatus[] = [];
    const models = reporting(source, clock, reports);
    await models.current();
    source.model = zscoreModel({ version: 'v2', featureSet: featureSetFor(['cpu_pct']) });
    for (clock.now = 1000; clock.now <= 4000; clock.now += 1000) expect((await models.current()).manifest.version).toBe('v1');
    await models.reported();
    expect(reports).toHaveLength(2);
    expect(reports[1]).toMatchObject({ loaded: { version: 'v1' }, refused: { version: 'v2', refusedAt: new Date(1000).toISOString() } });
    expect(reports[1]!.refused!.reason).toMatch(/cannot score this fleet's features/);
  });

  it('scores on when the report fails', async () => {
    const source = new TestSource();
    const reports: ModelUseStatus[] = [];
    const models = reporting(source, { now: 0 }, reports, true);
    expect((await models.current()).manifest.version).toBe('v1');
    await models.reported();
    expect(reports).toHaveLength(1);
  });
});
