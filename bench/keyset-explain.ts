/**
 * EXPLAIN ANALYZE of the keyset-cursor lists (images and labels of a project, `id > cursor order by id`)
 * without and with the (project_id, id) indexes of migration 0014, on a database where a small project's
 * rows all come after a large one's (the newest 10,000 of 100,000 images, 30,000 of 300,000 labels): the
 * planner, expecting the project's rows spread over the ids, walks the primary key past every older row.
 * Run: node --import tsx bench/keyset-explain.ts
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ensureDatabase, openDatabase } from '../src/db/database.ts';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { fmt, writeResults } from './lib.ts';

const IMAGES = 100_000;
const LABELS_PER_IMAGE = 3;

const QUERIES = {
  images: 'select * from images where project_id = $1 and id > $2 order by id limit 51',
  labels: 'select * from labels where project_id = $1 and id > $2 order by id limit 501',
};

async function seed(client: pg.Client) {
  await client.query(
    `insert into projects (id, name) overriding system value values (1, 'large'), (2, 'small')`,
  );
  await client.query(
    `insert into categories (id, project_id, name) overriding system value values (1, 1, 'a'), (2, 2, 'a')`,
  );
  // The newest 10 % of the images belong to the second project, as when a project is created later.
  await client.query(
    `insert into images (id, project_id, sha256, file_name, mime_type, bytes, width, height) overriding system value
     select i, case when i > $1 * 0.9 then 2 else 1 end, md5(i::text), i || '.jpg', 'image/jpeg', 1, 8, 8
     from generate_series(1, $1) i`,
    [IMAGES],
  );
  await client.query(
    `insert into labels (project_id, image_id, category_id, rle, height, width, bbox, area, source)
     select im.project_id, im.id, im.project_id, '1', 8, 8, '{0,0,1,1}', 1, 'human'
     from images im, generate_series(1, $1) k order by im.id, k`,
    [LABELS_PER_IMAGE],
  );
  await client.query('analyze');
}

async function explain(client: pg.Client, sql: string, params: unknown[]) {
  const { rows } = await client.query(`explain (analyze, buffers, format json) ${sql}`, params);
  const plan = rows[0]['QUERY PLAN'][0];
  const node = plan.Plan.Plans?.[0] ?? plan.Plan;
  return {
    ms: plan['Execution Time'] as number,
    node: `${node['Node Type']} on ${node['Index Name'] ?? node['Relation Name']}`,
  };
}

async function main() {
  const load = os.loadavg();
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'vlm-loop-explain-'));
  await fs.chmod(work, 0o755);
  const server = await startEmbeddedPostgres({
    dataDir: path.join(work, 'pg'),
    port: 57000 + Math.floor(Math.random() * 1000),
  });
  const url = await ensureDatabase(server.url, 'explain');
  const database = await openDatabase({ databaseUrl: url, dataDir: work, embeddedPgPort: 0 });
  await database.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await seed(client);
    const rows: string[] = [];
    const figures: Record<string, unknown> = {};
    for (const [withIndexes, how] of [
      [false, 'without'],
      [true, 'with'],
    ] as const) {
      await client.query('begin');
      if (!withIndexes) await client.query('drop index images_project_id; drop index labels_project_id');
      for (const [name, sql] of Object.entries(QUERIES))
        for (const [project, label] of [
          [2, 'newer project (10 %)'],
          [1, 'older project (90 %)'],
        ] as const) {
          // The first page and one from the middle of the project's ids.
          // The first page, and a later one: a cursor is the last id of the project's previous page.
          const ids = await client.query(
            `select min(id)::int + 1000 as mid from ${name} where project_id = $1`,
            [project],
          );
          for (const cursor of [0, ids.rows[0].mid as number]) {
            const r = await explain(client, sql, [project, cursor]);
            figures[`${name}/${label}/${cursor}/${how}`] = r;
            rows.push(`| ${name} | ${label} | ${cursor} | ${how} | ${r.node} | ${fmt(r.ms, 2)} |`);
          }
        }
      await client.query('rollback');
    }
    const table = [
      `${IMAGES.toLocaleString('en')} images, ${(IMAGES * LABELS_PER_IMAGE).toLocaleString('en')} labels; the newest 10 % (and their labels) belong to a second project.`,
      '',
      '| list | project | cursor (id >) | (project_id, id) index | scan | execution ms |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
      `Load average (1/5/15 min) ${load.map((l) => fmt(l, 2)).join(' / ')} on ${os.cpus().length} CPUs (a machine shared with other agents).`,
    ].join('\n');
    await writeResults(
      'keyset-explain',
      'node --import tsx bench/keyset-explain.ts',
      { load, figures },
      table,
    );
    process.stdout.write(`${table}\n`);
  } finally {
    await client.end();
    await server.stop();
    await fs.rm(work, { recursive: true, force: true });
  }
}

await main();
