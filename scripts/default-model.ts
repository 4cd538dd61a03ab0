/**
 * Builds the default model shipped in model-store/default-model/ (published at deploy where no model
 * is current; model-store/default-model.ts): an Isolation Forest trained on the simulated fleet's
 * history, every random choice seeded and the creation time fixed, so the same source gives the same
 * bytes. Run it again after a change to the feature set or the training code:
 *   npx tsx scripts/default-model.ts [--out DIR]
 * The fleet seed differs from the seeds `local/check-detection.ts` evaluates on (1..5), so the
 * detection figures of the default model are on fleets it never saw.
 */
import { parseArgs } from 'node:util';
import { HOST_FEATURE_SET } from '../core/features.js';
import { writeModelDir } from '../model-store/artifact.js';
import { DEFAULT_MODEL_MANIFEST_NAME, defaultModelDir } from '../model-store/default-model.js';
import { trainModel } from '../models/train.js';
import { backfill } from '../simulate/backfill.js';
import { SimulatedFleet } from '../simulate/fleet.js';

/** What the default model is trained on; changing any of these changes the model. */
export const DEFAULT_MODEL_RECIPE = {
  hosts: 50,
  fleetSeed: 1000,
  days: 3,
  intervalSeconds: 10,
  trainingRows: 40_000,
  forestSeed: 1,
  /** The history ends here, and the manifest says the model was created then. */
  until: Date.UTC(2026, 11, 1),
} as const;

export function buildDefaultModel(): ReturnType<typeof trainModel> {
  const r = DEFAULT_MODEL_RECIPE;
  const fleet = new SimulatedFleet({ hosts: r.hosts, seed: r.fleetSeed });
  const history = backfill(fleet, { until: r.until, days: r.days, intervalSeconds: r.intervalSeconds, seed: r.fleetSeed, maxTrainingRows: r.trainingRows });
  return trainModel(history.rows, HOST_FEATURE_SET, {
    seed: r.forestSeed,
    name: DEFAULT_MODEL_MANIFEST_NAME,
    createdAt: new Date(r.until),
    source: `simulated fleet: ${r.hosts} hosts, ${r.days} days at ${r.intervalSeconds} s, seed ${r.fleetSeed} (scripts/default-model.ts)`,
  });
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: defaultModelDir() } } });
  const started = Date.now();
  const model = buildDefaultModel();
  writeModelDir(values.out, model);
  console.log(
    `wrote ${values.out}: ${model.manifest.name} ${model.manifest.version}, ${model.manifest.onnx.bytes} bytes, ${model.manifest.training.rows} rows, in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}
