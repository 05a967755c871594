import { Command } from 'commander';
import { registerDatasetCommand } from './commands/dataset.ts';
import { registerDemoCommand } from './commands/demo.ts';
// EVAL-IMPORT
import { registerMigrateCommand } from './commands/migrate.ts';
import { registerOpenapiCommand } from './commands/openapi.ts';
import { registerServeCommand } from './commands/serve.ts';

const program = new Command('vlm-loop')
  .description('Annotation-as-a-service for instance segmentation, with a VLM in the human-in-the-loop.')
  .showHelpAfterError();

registerServeCommand(program);
registerMigrateCommand(program);
registerDemoCommand(program);
registerDatasetCommand(program);
// EVAL-REGISTER
registerOpenapiCommand(program);

await program.parseAsync(process.argv);
