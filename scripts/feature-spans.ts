/**
 * The feature pipeline's horizons from the experiment scripts' --short-span / --long-span flags
 * (scripts/nab-dump.ts, scripts/smd-experiment.ts): samples, as features/options.ts counts them.
 * Unset flags keep the defaults; resolveFeatureOptions says what is wrong with a bad value.
 */
import { resolveFeatureOptions, type FeatureOptions } from '../features/options.js';

export function spanOptions(shortSpan: string | undefined, longSpan: string | undefined): FeatureOptions {
  return resolveFeatureOptions({
    ...(shortSpan !== undefined ? { shortSpan: Number(shortSpan) } : {}),
    ...(longSpan !== undefined ? { longSpan: Number(longSpan) } : {}),
  });
}
