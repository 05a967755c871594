import { describe, expect, it } from 'vitest';
import { COMMANDS, commandOf, newProgram, registerFor } from '../../src/cli/command-index.ts';

/** The help every command's own registration gives: what the lazy index must reproduce. */
async function eagerProgram() {
  const program = newProgram();
  for (const c of COMMANDS) (await c.load())(program);
  return program;
}

describe('the lazily loaded CLI', () => {
  it('prints the same top-level help as registering every command, without loading any', async () => {
    const eager = await eagerProgram();
    const lazy = newProgram();
    await registerFor(lazy, ['--help']);
    expect(lazy.helpInformation()).toBe(eager.helpInformation());
    expect(lazy.commands.map((c) => c.name())).toEqual(eager.commands.map((c) => c.name()));
  });

  it('registers only the named command, with its own options and subcommands', async () => {
    const program = newProgram();
    await registerFor(program, ['dataset', 'synth', '--out', 'x']);
    expect(program.commands.map((c) => c.name())).toEqual(['dataset']);
    expect(program.commands[0].commands.map((c) => c.name())).toEqual(['synth']);
    const helped = newProgram();
    await registerFor(helped, ['help', 'eval']);
    expect(helped.commands[0].options.map((o) => o.long)).toContain('--gt');
  });

  it('finds the command after options and after help, and nothing for an unknown word', () => {
    expect(commandOf(['--help'])).toBeUndefined();
    expect(commandOf(['nope'])).toBeUndefined();
    expect(commandOf(['eval', '--gt', 'a.json'])?.name).toBe('eval');
    expect(commandOf(['help', 'serve'])?.name).toBe('serve');
  });
});
