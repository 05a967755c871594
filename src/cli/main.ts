import { newProgram, registerFor } from './command-index.ts';
import { describeFailure } from './shutdown.ts';

const program = newProgram();
await registerFor(program, process.argv.slice(2));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // One line a person can act on instead of a stack trace (or Node's "triggerUncaughtException undefined").
  process.stderr.write(`vlm-loop: ${describeFailure(err)}\n`);
  process.exit(1);
}
