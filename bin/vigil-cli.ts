/**
 * `vigil`: train, evaluate, publish and inspect models; score CSV files; estimate costs; read and
 * redrive the dead-letter queue.
 * Each command lives in its own module and registers itself here.
 */
import { Command } from 'commander';
import packageJson from '../package.json' with { type: 'json' };
import { register as registerTrain } from '../cli/train.js';
import { register as registerPublish } from '../cli/publish.js';
import { register as registerModels } from '../cli/models.js';
import { register as registerScoreCsv } from '../cli/score-csv.js';
import { register as registerEvaluate } from '../cli/evaluate.js';
import { register as registerCost } from '../cli/cost.js';
import { register as registerDeadLetters } from '../cli/dead-letters.js';
import { register as registerFailedBatches } from '../cli/failed-batches.js';
import { register as registerFeatures } from '../cli/features.js';
import { register as registerImportOnnx } from '../cli/import-onnx.js';
import { register as registerFeedback } from '../cli/feedback.js';
import { register as registerExport } from '../cli/export.js';

const program = new Command('vigil')
  .description('vigil: real-time anomaly detection for a fleet of cloud hosts')
  .version(packageJson.version, '-V, --version', 'print the version and exit')
  .showHelpAfterError('(run `vigil --help` for every command with examples)')
  // A command's options belong to it, not to its subcommands (vigil feedback and vigil feedback list both take --host).
  .enablePositionalOptions()
  .exitOverride((error) => process.exit(error.exitCode))
  .addHelpText(
    'after',
    `
Examples:
  vigil export --source prometheus --url http://prometheus:9090 --since 7d --out fleet.csv
  vigil train --in fleet.csv --out model/                     train on the fleet's history
  vigil evaluate --model model/ --in labelled.csv --labels windows.json --report report.html
  vigil features --in history.csv --out features.csv          the agent's features, to train elsewhere
  vigil import-onnx --onnx m.onnx --higher-is normal --calibrate history.csv --out model/
  vigil publish --model model/ --bucket my-vigil-models       the fleet scores with it within a minute
  vigil models list --bucket my-vigil-models
  vigil models rollback --bucket my-vigil-models
  vigil feedback --host web-1 --from -2h --to now --label incident   retraining leaves it out
  vigil score-csv --in-dir data/ --out-dir results/           the NAB protocol over every CSV
  vigil cost --hosts 1000 --interval 10                       monthly AWS cost, next to CloudWatch
  vigil dead-letters list --queue $DLQ                        why records were dead-lettered
  vigil failed-batches replay --queue $FAILED                 score the batches the trigger gave up on again

Every command: vigil COMMAND --help lists its options and more examples.`,
  );

// Command registrations (one line each, in the order `vigil --help` lists them):
registerExport(program);
registerTrain(program);
registerEvaluate(program);
registerFeatures(program);
registerImportOnnx(program);
registerPublish(program);
registerModels(program);
registerFeedback(program);
registerScoreCsv(program);
registerCost(program);
registerDeadLetters(program);
registerFailedBatches(program);

await program.parseAsync(process.argv);
