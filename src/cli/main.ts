import { Command } from 'commander';
import { registerBlobsCommand } from './commands/blobs.ts';
import { registerDatasetCommand } from './commands/dataset.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerEvalCommand } from './commands/eval.ts';
import { registerExperimentCommand } from './commands/experiment.ts';
import { registerMigrateCommand } from './commands/migrate.ts';
import { registerOpenapiCommand } from './commands/openapi.ts';
import { registerPretrainCommand } from './commands/pretrain.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerSetupCommand } from './commands/setup.ts';
import { registerWorkerCommand } from './commands/worker.ts';
import { describeFailure } from './shutdown.ts';

const program = new Command('vlm-loop')
  .description('Annotation-as-a-service for instance segmentation, with a VLM in the human-in-the-loop.')
  .showHelpAfterError();

registerServeCommand(program);
registerWorkerCommand(program);
registerSetupCommand(program);
registerMigrateCommand(program);
registerBlobsCommand(program);
registerDemoCommand(program);
registerPretrainCommand(program);
registerExperimentCommand(program);
registerDatasetCommand(program);
registerEvalCommand(program);
registerOpenapiCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // One line a person can act on instead of a stack trace (or Node's "triggerUncaughtException undefined").
  process.stderr.write(`vlm-loop: ${describeFailure(err)}\n`);
  process.exit(1);
}
