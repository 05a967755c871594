import path from 'node:path';
import type { Command } from 'commander';
import { migrateBlobs } from '../../blob/migrate-blobs.ts';
import { openBlobStore } from '../../blob/open-blob-store.ts';
import { loadConfig } from '../../config.ts';

export function registerBlobsCommand(program: Command): void {
  const blobs = program.command('blobs').description('Work on the blob store (images, models, checkpoints)');
  blobs
    .command('migrate')
    .description(
      'Copy every blob into another store and verify each copy by its sha256; then point VLM_LOOP_BLOB_URL at it',
    )
    .requiredOption('--to <url>', 'the target: s3://bucket/prefix (AWS_* variables) or a folder')
    .option('--from <url>', 'the source (default: VLM_LOOP_BLOB_URL, else VLM_LOOP_BLOB_DIR)')
    .option('--concurrency <n>', 'blobs copied at once', (v) => Number.parseInt(v, 10), 4)
    .action(async (opts: { to: string; from?: string; concurrency: number }) => {
      const config = loadConfig();
      const scratch = path.join(config.dataDir, 'blob-scratch');
      const source = await openBlobStore(opts.from ?? config.blobUrl ?? config.blobDir, config.s3, scratch);
      const target = await openBlobStore(opts.to, config.s3, path.join(scratch, 'migrate'));
      process.stdout.write(`copying ${source.description} -> ${target.description}\n`);
      let shown = Date.now();
      const report = await migrateBlobs(source, target, {
        concurrency: opts.concurrency,
        onBlob: (r) => {
          if (Date.now() - shown < 5000) return;
          shown = Date.now();
          process.stdout.write(`  ${r.copied + r.present + r.failed.length} of ${r.total}+ blobs\n`);
        },
      });
      for (const f of report.failed) process.stdout.write(`FAILED ${f.sha256}: ${f.reason}\n`);
      process.stdout.write(
        `${report.total} blobs: ${report.copied} copied, ${report.present} already there, ` +
          `${report.failed.length} failed; ${report.total - report.failed.length} verified by sha256 ` +
          `(${report.bytes} bytes)\n`,
      );
      if (report.failed.length > 0) process.exitCode = 1;
    });
}
