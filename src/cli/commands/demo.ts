import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { ApiClient } from '../../client/api-client.ts';
import { loadConfig } from '../../config.ts';
import { generateSynthDataset } from '../../dataset/synth.ts';
import { startServer } from '../../server.ts';
import { closeOnSignals } from '../shutdown.ts';
import { printBanner } from './serve.ts';

interface DemoOptions {
  images: number;
  seed: number;
  port?: number;
  dataDir: string;
  exit: boolean;
}

/**
 * The README's main job: a whole system on the embedded PostgreSQL, a demo project filled with the
 * built-in synthetic dataset through the real HTTP API, and pointers to where to look.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Start the service on an embedded PostgreSQL and fill a demo project with the built-in dataset',
    )
    .option('--images <n>', 'synthetic images to generate', (v) => Number(v), 120)
    .option('--seed <n>', 'dataset seed', (v) => Number(v), 1)
    .option('-p, --port <port>', 'port to listen on', (v) => Number(v))
    .option('--data-dir <dir>', 'where the demo keeps its database and blobs', '.vlm-loop/demo')
    .option('--exit', 'stop the service when the demo is set up instead of leaving it running')
    .action(async (opts: DemoOptions) => {
      process.env.VLM_LOOP_DATA_DIR = opts.dataDir;
      const adminKey = process.env.VLM_LOOP_ADMIN_KEY ?? `vlm_demo_${Math.random().toString(36).slice(2)}`;
      const config = loadConfig(
        { ...process.env, VLM_LOOP_ADMIN_KEY: adminKey },
        opts.port ? { port: opts.port } : {},
      );
      const server = await startServer(config, { logger: false });
      closeOnSignals(server.close);
      const project = await fillDemoProject(new ApiClient(server.url, adminKey), opts);
      printBanner(server.url, undefined);
      const lines = [
        `  Demo admin key: ${adminKey}`,
        `  Demo project:  ${server.url}/v1/projects/${project.id}   (curl -H "Authorization: Bearer ${adminKey}" ...)`,
        `  Images:        ${server.url}/v1/projects/${project.id}/images?split=test`,
        `  COCO export:   ${server.url}/v1/projects/${project.id}/coco-export?split=train`,
        opts.exit ? 'Demo set up; stopping (--exit).' : 'Press Ctrl+C to stop.',
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
      if (opts.exit) await server.close();
    });
}

async function fillDemoProject(api: ApiClient, opts: DemoOptions): Promise<{ id: number }> {
  const dir = path.join(opts.dataDir, `synth-${opts.seed}-${opts.images}`);
  process.stderr.write(`Generating ${opts.images} synthetic images in ${dir}...\n`);
  const dataset = await generateSynthDataset({ outDir: dir, images: opts.images, seed: opts.seed });
  const project = await api.json<{ id: number }>('POST', '/v1/projects', {
    name: `demo (seed ${opts.seed}, ${new Date().toISOString()})`,
    description: 'Built-in synthetic shapes dataset',
    categories: dataset.categories.map((c) => ({ name: c.name })),
  });
  const files = (await fs.readdir(dataset.imagesDir)).sort().map((f) => path.join(dataset.imagesDir, f));
  const uploaded = await api.uploadImages(project.id, files, {
    onBatch: (done) => process.stderr.write(`\rUploaded ${done}/${files.length} images`),
  });
  process.stderr.write(`\nUploaded: ${uploaded.created} new, ${uploaded.existing} already stored\n`);
  const coco = await fs.readFile(dataset.annotationsPath, 'utf8');
  const imported = await api.json<{ annotations: number }>(
    'POST',
    `/v1/projects/${project.id}/coco-imports`,
    JSON.parse(coco),
  );
  process.stderr.write(`Imported ${imported.annotations} instance labels from COCO\n`);
  return project;
}
