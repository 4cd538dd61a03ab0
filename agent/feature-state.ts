/**
 * The host's feature state on disk, so a restart does not forget the host's normal: the shared
 * FeaturePipeline's snapshot plus the next sample sequence number, saved atomically.
 * A state file that cannot be used (damaged, another feature-set version) is logged and replaced
 * by a fresh pipeline: the agent must come up, and the features relearn the normal.
 */
import { join } from 'node:path';
import { HOST_FEATURE_SET } from '../core/features.js';
import { FeaturePipeline } from '../features/pipeline.js';
import { readJsonFile, writeFileAtomic } from './durable-file.js';
import type { Logger } from './log.js';

export const FEATURE_STATE_FILE = 'features.json';

export interface SavedAgentState {
  readonly pipeline: FeaturePipeline;
  /** Next sequence number according to the state file (the spool may know a later one). */
  readonly nextSeq: number;
}

export function loadAgentState(dir: string, log: Logger): SavedAgentState {
  const path = join(dir, FEATURE_STATE_FILE);
  try {
    const saved = readJsonFile(path) as { nextSeq?: unknown; features?: unknown } | undefined;
    if (saved === undefined) return { pipeline: new FeaturePipeline(HOST_FEATURE_SET), nextSeq: 0 };
    const nextSeq = Number.isSafeInteger(saved.nextSeq) && (saved.nextSeq as number) >= 0 ? (saved.nextSeq as number) : 0;
    return { pipeline: FeaturePipeline.restore(HOST_FEATURE_SET, saved.features), nextSeq };
  } catch (error) {
    log.warn('feature state not usable; starting with a fresh one (features relearn this host over the next hours)', { path, error });
    return { pipeline: new FeaturePipeline(HOST_FEATURE_SET), nextSeq: 0 };
  }
}

export function saveAgentState(dir: string, state: { pipeline: FeaturePipeline; nextSeq: number }): void {
  writeFileAtomic(join(dir, FEATURE_STATE_FILE), JSON.stringify({ nextSeq: state.nextSeq, features: state.pipeline.snapshot() }));
}
