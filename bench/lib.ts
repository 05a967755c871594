import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { type ApiClient, type Schemas, unwrap } from '../src/client/api-client.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Writes `bench/results/<name>.json` and `.md` with the command that made them. */
export async function writeResults(
  name: string,
  command: string,
  figures: Record<string, unknown>,
  table: string,
) {
  const dir = path.join(ROOT, 'bench/results');
  await fs.mkdir(dir, { recursive: true });
  const meta = {
    command,
    date: new Date().toISOString(),
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
  };
  await fs.writeFile(path.join(dir, `${name}.json`), `${JSON.stringify({ ...meta, ...figures }, null, 2)}\n`);
  await fs.writeFile(
    path.join(dir, `${name}.md`),
    `# ${name}\n\nCommand: \`${command}\`  \nDate: ${meta.date}, Node ${meta.node}, ${meta.cpus} CPUs\n\n${table}\n`,
  );
}

export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Peak resident memory of the server process so far (VmHWM), in MiB. */
  peakRssMiB(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts `vlm-loop serve` as its own process, so its memory can be measured apart from the client's. */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  // BENCH_SERVER_FLAGS passes Node flags to the server only (say --cpu-prof, which NODE_OPTIONS refuses).
  const flags = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...flags, path.join(ROOT, 'bin/vlm-loop.mjs'), 'serve', '--no-worker'],
    {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return {
    url,
    pid: child.pid!,
    child,
    async peakRssMiB() {
      const status = await fs.readFile(`/proc/${child.pid}/status`, 'utf8');
      return Number(status.match(/VmHWM:\s+(\d+) kB/)![1]) / 1024;
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export const fmt = (n: number, digits = 1) => n.toFixed(digits);

/**
 * The dataset-state benches' project: `images` small PNGs, each with `labelsPerImage` polygon labels of two
 * categories and two sources, made through the API like any user's.
 */
export async function seedDatasetState(
  api: ApiClient,
  images: number,
  labelsPerImage: number,
): Promise<{ id: number }> {
  const project = await unwrap(
    api.typed.POST('/v1/projects', { body: { name: 'state', categories: [{ name: 'a' }, { name: 'b' }] } }),
  );
  const form = new FormData();
  for (let i = 0; i < images; i++) {
    const bytes = await sharp({
      create: { width: 64, height: 48, channels: 3, background: { r: i, g: 3 * i, b: 90 } },
    })
      .png()
      .toBuffer();
    form.append('files', new Blob([bytes]), `img-${i}.png`);
  }
  // Multipart: a raw request (openapi-fetch would JSON-encode the body), typed by the generated schema.
  const up = (await (
    await api.request('POST', `/v1/projects/${project.id}/images`, form)
  ).json()) as Schemas['ImageUploadResult'];
  for (const [i, image] of up.data.entries())
    await unwrap(
      api.typed.POST('/v1/projects/{projectId}/images/{imageId}/labels', {
        params: { path: { projectId: project.id, imageId: image.id } },
        body: {
          labels: Array.from({ length: labelsPerImage }, (_, k) => ({
            categoryId: project.categories[k % 2].id,
            segmentation: [[2 + k, 2, 20 + k, 2, 20 + k, 20, 2 + k, 20]],
            source: (i + k) % 3 === 0 ? ('import' as const) : ('human' as const),
          })),
        },
      }),
    );
  return project;
}
