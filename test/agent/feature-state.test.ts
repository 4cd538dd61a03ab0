/** The host's feature state survives a restart; an unusable state file never stops the agent. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOST_FEATURE_SET } from '../../core/features.js';
import { HOST_METRICS } from '../../core/host-metrics.js';
import { FeaturePipeline } from '../../features/pipeline.js';
import { FEATURE_STATE_FILE, loadAgentState, saveAgentState } from '../../agent/feature-state.js';
import type { Logger } from '../../agent/log.js';

const T0 = Date.UTC(2026, 0, 5);
const sample = (i: number) => ({ t: T0 + i * 10_000, values: Object.fromEntries(HOST_METRICS.map((m, j) => [m, 10 + j + Math.sin(i / 3 + j) * 5])) });

function warnings(): Logger & { messages: string[] } {
  const messages: string[] = [];
  return { messages, debug() {}, info() {}, error() {}, warn: (message) => void messages.push(message) };
}

describe('agent feature state', () => {
  it('a restored pipeline computes exactly what the uninterrupted one computes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-state-'));
    const uninterrupted = new FeaturePipeline(HOST_FEATURE_SET);
    const before = new FeaturePipeline(HOST_FEATURE_SET);
    for (let i = 0; i < 50; i++) {
      uninterrupted.push(sample(i));
      before.push(sample(i));
    }
    saveAgentState(dir, { pipeline: before, nextSeq: 50 });
    const restored = loadAgentState(dir, warnings());
    expect(restored.nextSeq).toBe(50);
    for (let i = 50; i < 60; i++) expect(restored.pipeline.push(sample(i))).toEqual(uninterrupted.push(sample(i)));
  });

  it('no state file: a fresh pipeline from sequence 0, silently', () => {
    const log = warnings();
    const state = loadAgentState(mkdtempSync(join(tmpdir(), 'vigil-state-')), log);
    expect(state.nextSeq).toBe(0);
    expect(log.messages).toEqual([]);
  });

  it('a damaged or foreign state file: a warning and a fresh pipeline, not a crash loop', () => {
    for (const content of ['{"nextSeq": 3, "features": {"format": "something-else"}}', '{ torn']) {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-state-'));
      writeFileSync(join(dir, FEATURE_STATE_FILE), content);
      const log = warnings();
      const state = loadAgentState(dir, log);
      expect(state.pipeline.push(sample(0))).toHaveLength(HOST_FEATURE_SET.names.length);
      expect(log.messages.join()).toMatch(/feature state not usable/);
    }
  });
});
