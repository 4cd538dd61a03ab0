/**
 * Detection experiments on NAB without training again: runs the NAB protocol of `npm run nab`
 * (models/score-csv.ts, the same models, seed and onset) over every data file and writes each
 * row's model outputs, so a variant of the score's calibration or onset is tried in seconds by
 * re-scoring them (scripts/nab_variants.py) instead of minutes by `npm run nab`.
 *
 *   npx tsx scripts/nab-dump.ts OUT [--seed N] [--threshold-on-habituated] [--short-span N] [--long-span N] [--trees N] [--subsample N] [--contamination S]
 *   --short-span, --long-span   the feature pipeline's horizons in samples (features/options.ts; experiment 29)
 *   --trees, --subsample   the forest's size (models/forest/forest.ts FOREST_DEFAULTS; experiment 31)
 *   --contamination   the share of each model's training rows its own threshold leaves above it (models/train.ts; experiment 35)
 *   NAB_DIR  the NAB set (default ../shared/nab)
 *
 * OUT/<category>/<file>.csv, one line per row the first model primed the onset with (priming 1)
 * and per scored row: index,time,priming,model,raw,forest,extremeness,anchor,scaled,upper,spread,median,
 * threshold,paged,reported,flag. `extremeness` is the E the model scored the row with, habituated to
 * the file's ended excursions (model-store/habituation.ts); `paged` is the score the onset takes (the scaled score with the
 * page's bonus, models/page.ts); `reported` and `flag` are what `npm run nab` writes for the row (the
 * onset's score, the page); rows of the probationary period that prime nothing are left out (they
 * score 0). OUT/dump.json: the seed, the forest's weight in the raw score (models/extremeness.ts), and
 * the page's bonus, interval and escalation (models/page.ts), for variants that compute the raw
 * score, the pages or the reported score again.
 */
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readMetricCsv } from '../models/csv.js';
import { FOREST_WEIGHT } from '../models/extremeness.js';
import { FOREST_DEFAULTS } from '../models/forest/forest.js';
import { DEFAULT_PAGE_INTERVAL_MS, ESCALATION_LEVELS, PAGE_BONUS, pagedScore } from '../models/page.js';
import { scoreMetricCsv, type RowOutputs } from '../models/score-csv.js';
import { DEFAULT_CONTAMINATION } from '../models/train.js';
import { spanOptions } from './feature-spans.js';

const { values: flags, positionals } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    'threshold-on-habituated': { type: 'boolean', default: false },
    'short-span': { type: 'string' },
    'long-span': { type: 'string' },
    trees: { type: 'string' },
    subsample: { type: 'string' },
    contamination: { type: 'string' },
  },
  allowPositionals: true,
});
const out = positionals[0];
if (!out) {
  console.error(
    'usage: npx tsx scripts/nab-dump.ts OUT [--seed N] [--threshold-on-habituated] [--short-span N] [--long-span N] [--trees N] [--subsample N] [--contamination S]   (NAB_DIR: the NAB set, default ../shared/nab)',
  );
  process.exit(2);
}
const seed = Number(flags.seed);
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer; got ${flags.seed}`);
const dataDir = resolve(process.env.NAB_DIR ?? '../shared/nab', 'data');
const features = spanOptions(flags['short-span'], flags['long-span']);
const trees = flags.trees === undefined ? undefined : Number(flags.trees);
const subsample = flags.subsample === undefined ? undefined : Number(flags.subsample);
const contamination = flags.contamination === undefined ? undefined : Number(flags.contamination);

const files: string[] = [];
const walk = (dir: string): void => {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.csv')) files.push(path);
  }
};
walk(dataDir);

mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'dump.json'),
  JSON.stringify({
    seed,
    trees: trees ?? FOREST_DEFAULTS.trees,
    subsample: subsample ?? FOREST_DEFAULTS.subsample,
    contamination: contamination ?? DEFAULT_CONTAMINATION,
    shortSpan: features.shortSpan,
    longSpan: features.longSpan,
    forestWeight: FOREST_WEIGHT,
    pageBonus: PAGE_BONUS,
    pageIntervalMs: DEFAULT_PAGE_INTERVAL_MS,
    escalationLevels: ESCALATION_LEVELS,
  }) + '\n',
);

const HEADER = 'index,time,priming,model,raw,forest,extremeness,anchor,scaled,upper,spread,median,threshold,paged,reported,flag';
for (const file of files) {
  const csv = readMetricCsv(file);
  const rows: RowOutputs[] = [];
  const { scores, flags: own } = scoreMetricCsv(csv, {
    seed,
    trees,
    subsample,
    contamination,
    thresholdOnHabituatedScores: flags['threshold-on-habituated'],
    features,
    onRow: (row) => rows.push(row),
  });
  const lines = rows.map((r) =>
    [
      r.index,
      csv.timestamps[r.index],
      r.priming ? 1 : 0,
      r.model,
      r.raw,
      r.forest,
      r.extremeness,
      r.anchor,
      r.scaled,
      r.scale.upper,
      r.scale.spread,
      r.scale.median,
      r.threshold,
      pagedScore(r.scaled, r.page),
      r.priming ? '' : scores[r.index],
      r.priming ? '' : own[r.index],
    ].join(','),
  );
  const target = join(out, relative(dataDir, file));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, [HEADER, ...lines].join('\n') + '\n');
  console.error(`nab-dump: ${relative(dataDir, file)} (${rows.length} rows)`);
}
