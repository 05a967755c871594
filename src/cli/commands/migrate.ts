import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { openDatabase } from '../../db/database.ts';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description(
      'Apply the SQL migrations in migrations/ to DATABASE_URL or the embedded PostgreSQL, then exit',
    )
    .option('--data-dir <dir>', 'folder of the embedded database (env VLM_LOOP_DATA_DIR)')
    .action(async (opts: { dataDir?: string }) => {
      if (opts.dataDir) process.env.VLM_LOOP_DATA_DIR = opts.dataDir;
      // Opening the database applies every pending migration.
      const database = await openDatabase(loadConfig());
      await database.close();
      process.stdout.write('migrations applied\n');
    });
}
