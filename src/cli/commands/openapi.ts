import fs from 'node:fs/promises';
import type { Command } from 'commander';
import { renderOpenApi } from '../../openapi.ts';

export function registerOpenapiCommand(program: Command): void {
  program
    .command('openapi')
    .description('Write the OpenAPI 3.1 document generated from the route schemas')
    .option('--out <file>', 'where to write it', 'openapi/openapi.json')
    .action(async (opts: { out: string }) => {
      await fs.writeFile(opts.out, await renderOpenApi());
      process.stdout.write(`wrote ${opts.out}\n`);
    });
}
