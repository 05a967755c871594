/**
 * Upload throughput (500 JPEGs of 640x480 over loopback, against the raw disk write rate measured in the
 * same run) and streamed COCO export of a 50,000-image, 150,000-instance project (time, peak server memory).
 * Run: node --import tsx bench/foundation.bench.ts
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { ApiClient, unwrap } from '../src/client/api-client.ts';
import { compress, encode } from '../src/coco/coco-rle.ts';
import { ensureDatabase } from '../src/db/database.ts';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { probeImage } from '../src/domains/datasets/image-probe.ts';
import { fmt, spawnServer, writeResults } from './lib.ts';

const UPLOADS = 500;
const EXPORT_IMAGES = 50_000;
const EXPORT_INSTANCES = 150_000;
const ADMIN = 'vlm_bench_admin_key';

async function makeJpegs(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < UPLOADS; i++) {
    const raw = Buffer.alloc(640 * 480 * 3);
    let s = i * 2654435761;
    for (let p = 0; p < raw.length; p += 3) {
      s = (s * 1103515245 + 12345) >>> 0;
      const v = ((p / 3) % 640) / 3 + (s >>> 27);
      raw[p] = v;
      raw[p + 1] = (v + i) & 0xff;
      raw[p + 2] = (p / 1920) & 0xff;
    }
    const file = path.join(dir, `img-${i}.jpg`);
    await fs.writeFile(
      file,
      await sharp(raw, { raw: { width: 640, height: 480, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
    files.push(file);
  }
  return files;
}

/** Copies every file with plain writes: the rate the disk allows, the ceiling for uploads. */
async function rawDiskRate(files: string[], dir: string): Promise<{ seconds: number; bytes: number }> {
  await fs.mkdir(dir, { recursive: true });
  const buffers = await Promise.all(files.map((f) => fs.readFile(f)));
  const start = performance.now();
  for (const [i, b] of buffers.entries()) await fs.writeFile(path.join(dir, `${i}`), b);
  return { seconds: (performance.now() - start) / 1000, bytes: buffers.reduce((a, b) => a + b.length, 0) };
}

/**
 * The upload's own ceiling on this machine: the server's check (header, then one decode of every file, from
 * the bytes in memory as the server has them), four at once as the server runs it, with nothing else: no
 * HTTP, hashing, writes or database. Its CPU time (every thread of this process) is the decode's cost.
 */
async function checkOnlyRate(files: string[]): Promise<{ seconds: number; cpuMs: number }> {
  const buffers = await Promise.all(files.map((f) => fs.readFile(f)));
  let next = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < buffers.length) await probeImage(buffers[next++], 100_000_000);
    }),
  );
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - start) / 1000, cpuMs: (used.user + used.system) / 1000 };
}

/** CPU milliseconds a process has used (user + system), from /proc. */
async function processCpuMs(pid: number): Promise<number> {
  const fields = (await fs.readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

/** CPU milliseconds of each running PostgreSQL process (the embedded server and its backends), by pid. */
async function postgresCpuMs(): Promise<Map<string, number>> {
  const byPid = new Map<string, number>();
  for (const pid of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const comm = await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    const ms = comm.startsWith('postgres')
      ? await processCpuMs(Number(pid)).catch(() => undefined)
      : undefined;
    if (ms !== undefined) byPid.set(pid, ms);
  }
  return byPid;
}

/** What PostgreSQL used between two readings; a backend that ended meanwhile is not counted. */
function postgresDelta(before: Map<string, number>, after: Map<string, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

async function seedExportProject(url: string, projectId: number, categoryId: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const masks = [0, 1, 2].map((k) => {
    const mask = new Uint8Array(480 * 640);
    for (let y = 40 + k * 100; y < 120 + k * 100; y++)
      for (let x = 50 + k * 150; x < 170 + k * 150; x++) mask[y * 640 + x] = 1;
    return compress(encode(mask, 480, 640)).counts;
  });
  await client.query(
    `insert into images (project_id, sha256, file_name, mime_type, bytes, width, height, split, pool_state)
     select $1, md5(g::text) || md5((g+1)::text), 'img-' || g || '.jpg', 'image/jpeg', 100000, 640, 480, 'train', 'labeled'
     from generate_series(1, $2) g`,
    [projectId, EXPORT_IMAGES],
  );
  await client.query(
    `insert into labels (project_id, image_id, category_id, rle, height, width, bbox, area, iscrowd, source, provenance)
     select $1, i.id, $2, ($3::text[])[1 + (g % 3)], 480, 640, array[50, 40, 120, 80]::float8[], 9600, false, 'import', '{}'
     from images i cross join generate_series(0, $4 - 1) g where i.project_id = $1`,
    [projectId, categoryId, masks, EXPORT_INSTANCES / EXPORT_IMAGES],
  );
  // What the COCO import does after a bulk import (and autovacuum within a minute): without it every keyset
  // page is planned as if the tables were empty, a hash join and sort of the whole project per page.
  await client.query('analyze images, labels');
  await client.end();
}

async function main() {
  const loadAtStart = os.loadavg();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-loop-bench-'));
  await fs.chmod(work, 0o755);
  const pgServer = await startEmbeddedPostgres({
    dataDir: path.join(work, 'pg'),
    port: 57000 + Math.floor(Math.random() * 1000),
  });
  const databaseUrl = await ensureDatabase(pgServer.url, 'bench');
  const env = {
    DATABASE_URL: databaseUrl,
    VLM_LOOP_DATA_DIR: path.join(work, 'data'),
    VLM_LOOP_ADMIN_KEY: ADMIN,
    PORT: '0',
  };
  let server = await spawnServer(env);
  try {
    const api = new ApiClient(server.url, ADMIN);
    process.stderr.write('making 500 JPEGs...\n');
    await fs.mkdir(path.join(work, 'jpegs'));
    const files = await makeJpegs(path.join(work, 'jpegs'));
    const diskBefore = await rawDiskRate(files, path.join(work, 'raw-copy-before'));
    const check = await checkOnlyRate(files);
    const project = await unwrap(
      api.typed.POST('/v1/projects', { body: { name: 'bench', categories: [{ name: 'box' }] } }),
    );
    // Where the upload's CPU goes: the server, PostgreSQL, and this process (the client).
    const cpuBefore = { server: await processCpuMs(server.pid), postgres: await postgresCpuMs() };
    const clientCpu = process.cpuUsage();
    const t0 = performance.now();
    const up = await api.uploadImages(project.id, files, { batch: 50, concurrency: 2 });
    const uploadSeconds = (performance.now() - t0) / 1000;
    const clientUsed = process.cpuUsage(clientCpu);
    // The page cache's write rate moves with the host (112 to 637 MB/s on idle runs of one day): measured
    // right before and right after the upload, the anchor is the rate of both copies together.
    const diskAfter = await rawDiskRate(files, path.join(work, 'raw-copy-after'));
    const disk = { bytes: diskBefore.bytes, seconds: (diskBefore.seconds + diskAfter.seconds) / 2 };
    const cpuMsPerImage = {
      server: ((await processCpuMs(server.pid)) - cpuBefore.server) / UPLOADS,
      postgres: postgresDelta(cpuBefore.postgres, await postgresCpuMs()) / UPLOADS,
      client: (clientUsed.user + clientUsed.system) / 1000 / UPLOADS,
      checkAlone: check.cpuMs / UPLOADS,
    };
    if (up.created !== UPLOADS) throw new Error(`expected ${UPLOADS} new images, got ${up.created}`);

    process.stderr.write('seeding the export project...\n');
    const exportProject = await unwrap(
      api.typed.POST('/v1/projects', { body: { name: 'export', categories: [{ name: 'box' }] } }),
    );
    await seedExportProject(databaseUrl, exportProject.id, exportProject.categories[0].id);
    // A fresh server process, so its peak memory is the export's and not the uploads'.
    await server.stop();
    server = await spawnServer(env);
    const rssBefore = await server.peakRssMiB();
    const t1 = performance.now();
    const res = await new ApiClient(server.url, ADMIN).request(
      'GET',
      `/v1/projects/${exportProject.id}/coco-export`,
    );
    let exportBytes = 0;
    for await (const chunk of res.body!) exportBytes += (chunk as Uint8Array).length;
    const exportSeconds = (performance.now() - t1) / 1000;
    const peak = await server.peakRssMiB();

    const mb = disk.bytes / 1e6;
    const loadAtEnd = os.loadavg();
    const figures = {
      // Other agents load this machine; the upload's share of the same run's disk rate is what counts.
      loadAverage: { start: loadAtStart, end: loadAtEnd },
      upload: {
        images: UPLOADS,
        megabytes: mb,
        seconds: uploadSeconds,
        imagesPerSecond: UPLOADS / uploadSeconds,
        megabytesPerSecond: mb / uploadSeconds,
        rawDiskMegabytesPerSecond: mb / disk.seconds,
        rawDiskBeforeAndAfterMegabytesPerSecond: [mb / diskBefore.seconds, mb / diskAfter.seconds],
        shareOfDiskRate: mb / uploadSeconds / (mb / disk.seconds),
        checkOnlyMegabytesPerSecond: mb / check.seconds,
        checkOnlyShareOfDiskRate: disk.seconds / check.seconds,
        clientRequestsInFlight: 2,
        cpuMsPerImage,
        // What 25 % of the disk rate leaves per image on this machine's cores, for client, server and database.
        goalCpuMsPerImage: (os.cpus().length * 1000) / ((0.25 * (mb / disk.seconds)) / (mb / UPLOADS)),
      },
      export: {
        images: EXPORT_IMAGES,
        instances: EXPORT_INSTANCES,
        seconds: exportSeconds,
        megabytes: exportBytes / 1e6,
        serverPeakRssMiB: peak,
        serverPeakRssBeforeExportMiB: rssBefore,
        limitMiB: 300,
        withinLimit: peak < 300,
      },
    };
    const table = [
      '| measure | value |',
      '|---|---|',
      `| upload: 500 JPEGs 640x480 (${fmt(mb)} MB), 10 multipart requests of 50, 2 in flight | ${fmt(uploadSeconds, 2)} s |`,
      `| upload rate | ${fmt(figures.upload.imagesPerSecond)} images/s, ${fmt(figures.upload.megabytesPerSecond)} MB/s |`,
      `| raw disk write rate, same bytes, same run (right before / after the upload) | ${fmt(figures.upload.rawDiskMegabytesPerSecond)} MB/s (${figures.upload.rawDiskBeforeAndAfterMegabytesPerSecond.map((r) => fmt(r)).join(' / ')}) |`,
      `| COCO export, ${EXPORT_IMAGES} images / ${EXPORT_INSTANCES} instances (${fmt(exportBytes / 1e6)} MB) | ${fmt(exportSeconds, 2)} s |`,
      `| server peak RSS (VmHWM) after export (limit 300 MiB) | ${fmt(peak)} MiB (before export: ${fmt(rssBefore)} MiB) |`,
      `| upload's share of the raw disk rate | ${fmt(figures.upload.shareOfDiskRate * 100)} % |`,
      `| the check alone (header + one decode per file from memory, 4 at once, nothing else), same files | ${fmt(figures.upload.checkOnlyMegabytesPerSecond)} MB/s, ${fmt(figures.upload.checkOnlyShareOfDiskRate * 100)} % of the disk rate: the upload's ceiling here |`,
      `| upload CPU per image: server / PostgreSQL / client; the check alone | ${fmt(cpuMsPerImage.server, 2)} / ${fmt(cpuMsPerImage.postgres, 2)} / ${fmt(cpuMsPerImage.client, 2)} ms; ${fmt(cpuMsPerImage.checkAlone, 2)} ms |`,
      `| CPU per image that 25 % of the disk rate allows on ${os.cpus().length} cores, all processes together | ${fmt(figures.upload.goalCpuMsPerImage, 2)} ms |`,
      `| load average (1/5/15 min), start / end | ${loadAtStart.map((l) => fmt(l, 2)).join(' / ')} ; ${loadAtEnd.map((l) => fmt(l, 2)).join(' / ')} on ${os.cpus().length} CPUs (shared with other agents) |`,
    ].join('\n');
    await writeResults('foundation', 'node --import tsx bench/foundation.bench.ts', figures, table);
    process.stdout.write(`${table}\n`);
    if (!figures.export.withinLimit) process.exitCode = 1;
  } finally {
    await server.stop();
    await pgServer.stop();
    await fs.rm(work, { recursive: true, force: true });
  }
}

await main();
