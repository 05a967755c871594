import fs from 'node:fs/promises';
import path from 'node:path';
import { type ApiClient, unwrap } from '../client/api-client.ts';
import { generateSynthDataset, type SynthDatasetResult } from '../dataset/synth.ts';
import type { ExperimentConfig } from './config.ts';

export interface PreparedDataset {
  dir: string;
  files: string[];
  annotationsPath: string;
  categories: { name: string }[];
  trainImages: number;
}

/**
 * The built-in dataset in `dir`, generated once: the generator is deterministic, so a folder holding
 * the same options' output (recorded beside it) is reused instead of rendered again.
 */
export async function prepareDataset(
  dir: string,
  options: ExperimentConfig['dataset'],
  onProgress?: (done: number, total: number) => void,
): Promise<PreparedDataset> {
  const stamp = path.join(dir, 'dataset-options.json');
  const wanted = JSON.stringify(options);
  const existing = await fs.readFile(stamp, 'utf8').catch(() => undefined);
  let result: Pick<SynthDatasetResult, 'annotationsPath' | 'imagesDir' | 'categories'> & {
    trainImages: number;
  };
  if (existing === wanted) {
    result = JSON.parse(await fs.readFile(path.join(dir, 'dataset-result.json'), 'utf8'));
  } else {
    await fs.rm(dir, { recursive: true, force: true });
    const generated = await generateSynthDataset({ outDir: dir, ...options, onProgress });
    result = { ...generated, trainImages: generated.counts.bySplit.train ?? 0 };
    await fs.writeFile(path.join(dir, 'dataset-result.json'), JSON.stringify(result));
    await fs.writeFile(stamp, wanted);
  }
  const files = (await fs.readdir(result.imagesDir)).sort().map((f) => path.join(result.imagesDir, f));
  return {
    dir,
    files,
    annotationsPath: result.annotationsPath,
    categories: result.categories.map((c) => ({ name: c.name })),
    trainImages: result.trainImages,
  };
}

/** A new project holding the dataset through the real API: its images uploaded and its COCO imported. */
export async function createDatasetProject(
  api: ApiClient,
  dataset: PreparedDataset,
  project: { name: string; description?: string },
  onUpload?: (done: number, total: number) => void,
): Promise<{ id: number; annotations: number }> {
  const created = await unwrap(
    api.typed.POST('/v1/projects', { body: { ...project, categories: dataset.categories } }),
  );
  await api.uploadImages(created.id, dataset.files, {
    onBatch: (done) => onUpload?.(done, dataset.files.length),
  });
  const coco = JSON.parse(await fs.readFile(dataset.annotationsPath, 'utf8'));
  const imported = await unwrap(
    api.typed.POST('/v1/projects/{projectId}/coco-imports', {
      params: { path: { projectId: created.id } },
      body: coco,
    }),
  );
  return { id: created.id, annotations: imported.annotations };
}
