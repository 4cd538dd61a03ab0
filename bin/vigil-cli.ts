/**
 * `vigil`: train, evaluate, publish and inspect models; score CSV files; estimate costs.
 * Each command lives in its own module and registers itself here.
 */
import { Command } from 'commander';
import { register as registerTrain } from '../models/cli/train.js';
import { register as registerPublish } from '../models/cli/publish.js';
import { register as registerModels } from '../models/cli/models.js';
import { register as registerScoreCsv } from '../models/cli/score-csv.js';
import { register as registerEvaluate } from '../models/cli/evaluate.js';
import { register as registerCost } from '../cost/command.js';

const program = new Command('vigil')
  .description('vigil: real-time anomaly detection for a fleet of cloud hosts')
  .showHelpAfterError('(run `vigil --help` for every command with examples)')
  .exitOverride((error) => process.exit(error.exitCode));

// Command registrations (one line each, in the order `vigil --help` lists them):
registerTrain(program);
registerEvaluate(program);
registerPublish(program);
registerModels(program);
registerScoreCsv(program);
registerCost(program);

await program.parseAsync(process.argv);
