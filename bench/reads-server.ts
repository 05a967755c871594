/**
 * The server side of bench/reads.bench.ts, as its own process, with the two anchors the real routes are
 * measured against, all in this one process so they share its CPU:
 * - the real vlm-loop server (`url`);
 * - bare Fastify returning a constant JSON body of a requested size (`bareUrl`): the ceiling;
 * - a minimal Fastify + `pg` handler per read (`minimalUrl`) running the same SQL by hand, with no ORM,
 *   auth or schema layer, serialising with JSON.stringify: the stack's own limit.
 * Prints one line `{"url", "bareUrl", "minimalUrl"}` when all listen; stops on SIGTERM.
 */
import Fastify from 'fastify';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/server.ts';

const config = loadConfig(process.env, { port: 0, inProcessWorker: false });
const server = await startServer(config, { logger: false });

const constants = new Map<number, string>();
/** Exactly `bytes` bytes of JSON. */
function constant(bytes: number): string {
  let body = constants.get(bytes);
  if (!body) {
    body = `{"data":"${'x'.repeat(Math.max(0, bytes - 11))}"}`;
    constants.set(bytes, body);
  }
  return body;
}
const bare = Fastify({ logger: false });
bare.get<{ Params: { bytes: string } }>('/constant/:bytes', (request, reply) =>
  reply.type('application/json; charset=utf-8').send(constant(Number(request.params.bytes))),
);

// The same pool size as the app's (src/db/database.ts).
// Ids are bigint: parsed to numbers as the app does, on this pool only (the app shares the pg module).
const types = {
  getTypeParser: ((oid: number, format?: 'text') =>
    oid === pg.types.builtins.INT8
      ? Number
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10, types });
const send = (reply: { type(t: string): { send(b: string): unknown } }, body: unknown) =>
  reply.type('application/json; charset=utf-8').send(JSON.stringify(body));

async function project(id: number) {
  const [p, c] = await Promise.all([
    pool.query(
      'select id, name, description, created_at as "createdAt", updated_at as "updatedAt" from projects where id = $1',
      [id],
    ),
    pool.query(
      'select id, name, supercategory, color from categories where project_id = any($1) order by id',
      [[id]],
    ),
  ]);
  return { ...p.rows[0], categories: c.rows };
}

const IMAGE_COLUMNS = `id, project_id as "projectId", sha256, file_name as "fileName", mime_type as "mimeType",
  bytes, width, height, split, pool_state as "poolState", label_source_of_record as "labelSourceOfRecord",
  created_at as "createdAt"`;

const minimal = Fastify({ logger: false });
type P = { Params: { id: string }; Querystring: { limit?: string } };
minimal.get<P>('/projects/:id', async (request, reply) =>
  send(reply, await project(Number(request.params.id))),
);
minimal.get<P>('/projects/:id/images', async (request, reply) => {
  const limit = Number(request.query.limit ?? 50);
  const { rows } = await pool.query(
    `select ${IMAGE_COLUMNS} from images where project_id = $1 and id > $2 order by id limit $3`,
    [Number(request.params.id), 0, limit + 1],
  );
  return send(reply, { data: rows.slice(0, limit), nextCursor: null });
});
minimal.get<P>('/projects/:id/labels', async (request, reply) => {
  const limit = Number(request.query.limit ?? 50);
  const { rows } = await pool.query(
    `select id, project_id as "projectId", image_id as "imageId", category_id as "categoryId", rle, height,
      width, bbox, area, iscrowd, source, provenance, created_at as "createdAt"
     from labels where project_id = $1 and id > $2 order by id limit $3`,
    [Number(request.params.id), 0, limit + 1],
  );
  const data = rows.slice(0, limit).map(({ rle, ...l }) => ({
    ...l,
    segmentation: { size: [l.height, l.width], counts: rle },
  }));
  return send(reply, { data, nextCursor: null });
});
/** The GraphQL dataset-state query's data: project, categories, first 50 images, label counts by source. */
minimal.get<P>('/state/:id', async (request, reply) => {
  const id = Number(request.params.id);
  const [p, images] = await Promise.all([
    project(id),
    pool.query(
      `select id, file_name as "fileName", split, pool_state as "poolState" from images
       where project_id = $1 and id > $2 order by id limit $3`,
      [id, 0, 51],
    ),
  ]);
  const ids = images.rows.slice(0, 50).map((i) => i.id);
  const counts = await pool.query(
    'select image_id, source, count(*)::int as n from labels where image_id = any($1) group by image_id, source',
    [ids],
  );
  const byImage = new Map<number, Record<string, number>>();
  for (const r of counts.rows) byImage.set(r.image_id, { ...byImage.get(r.image_id), [r.source]: r.n });
  const edges = images.rows.slice(0, 50).map((i) => {
    const n = byImage.get(i.id) ?? {};
    const [imp, human, ap] = [n.import ?? 0, n.human ?? 0, n.approved_prediction ?? 0];
    return {
      node: {
        id: String(i.id),
        fileName: i.fileName,
        split: i.split,
        poolState: i.poolState,
        labelCounts: { total: imp + human + ap, import: imp, human, approvedPrediction: ap },
      },
    };
  });
  const categories = p.categories.map((c: { id: number; name: string }) => ({
    id: String(c.id),
    name: c.name,
  }));
  return send(reply, {
    data: { project: { id: String(p.id), name: p.name, categories, images: { edges } } },
  });
});

const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });
const minimalUrl = await minimal.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${JSON.stringify({ url: server.url, bareUrl, minimalUrl })}\n`);

process.once('SIGTERM', async () => {
  await Promise.all([bare.close(), minimal.close(), server.close()]);
  await pool.end();
  process.exit(0);
});
