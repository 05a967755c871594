/**
 * The import rules of docs/architecture.md, checked by `npm run lint:deps` (part of `npm test`).
 * Imports flow one way: routes / resolvers / job handlers -> services -> repositories and adapters -> db,
 * and the pure cores import no domain code. Type-only imports count: a type is a dependency too.
 */

/** Pure cores: geometry, COCOeval, overlays, inference, plots, the synthetic dataset, text tables. */
const CORES = '^src/(coco|eval|overlay|inference|plots|dataset|text)/';

/** Everything above the cores: the domain and its front ends. */
const DOMAIN =
  '^src/(services|repositories|routes|graphql|worker|cli|experiment|judges|events|queue|db|client|adapters|blob|http)/|^src/(app|server|context|config|openapi)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle in src/, type-only imports included: move the shared part down instead.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'cores-are-pure',
      severity: 'error',
      comment:
        'The pure cores import each other, node and libraries only: never domain code. What a core needs from ' +
        'the domain moves down into a core.',
      from: { path: CORES },
      to: { path: DOMAIN },
    },
    {
      name: 'cores-know-no-infrastructure',
      severity: 'error',
      comment: 'Nor do the cores talk to the database, the queue, HTTP or a VLM: they compute.',
      from: { path: CORES },
      to: {
        path: 'node_modules/(fastify|@fastify/[^/]+|fastify-plugin|mercurius|graphql|pg|pg-boss|drizzle-orm|openai)/',
      },
    },
    {
      name: 'judges-below-services',
      severity: 'error',
      comment:
        'Judges (VLM, oracle, simulated) judge one image given to them: they may use the cores, never the ' +
        'services, the database or the layers above.',
      from: { path: '^src/judges/' },
      to: {
        path: [
          '^src/(services|repositories|routes|graphql|worker|cli|experiment|db|queue|events)/',
          '^src/(app|server|context)\\.ts$',
        ],
      },
    },
    {
      name: 'experiment-through-the-api',
      severity: 'error',
      comment:
        'The experiment drives runs through the HTTP API client, like any user: never a service, a ' +
        'repository or the database directly; and the CLI drives it, not the other way round.',
      from: { path: '^src/experiment/' },
      to: {
        path: [
          '^src/(services|repositories|db|queue|worker|routes|graphql|cli)/',
          '^src/(app|context)\\.ts$',
        ],
      },
    },
    {
      name: 'services-know-no-framework',
      severity: 'error',
      comment:
        'Services hold the rules; REST, GraphQL, the CLI and the worker call them. No Fastify, no Mercurius, ' +
        'nothing of the layers above.',
      from: { path: '^src/services/' },
      to: {
        path: [
          '^src/(routes|graphql|cli|worker|experiment|http)/',
          '^src/(app|server|context|openapi)\\.ts$',
          'node_modules/(fastify|@fastify/[^/]+|fastify-plugin|mercurius|graphql)/',
        ],
      },
    },
    {
      name: 'repositories-below-services',
      severity: 'error',
      comment:
        'Repositories hold SQL for the services; they import the db, never a service or a layer above.',
      from: { path: '^src/repositories/' },
      to: {
        path: [
          '^src/(services|routes|graphql|cli|worker|experiment|http|judges|adapters|queue)/',
          '^src/(app|server|context|openapi)\\.ts$',
        ],
      },
    },
    {
      name: 'pg-boss-in-queue-only',
      severity: 'error',
      comment:
        "pg-boss and its tables are the queue module's: everything else sends and reads jobs through it.",
      from: { path: '^src/', pathNot: '^src/queue/' },
      to: { path: 'node_modules/pg-boss/' },
    },
    {
      name: 'front-ends-use-services',
      severity: 'error',
      comment:
        'GraphQL resolvers and job handlers call services and see their types, never a repository or the db ' +
        'directly.',
      from: { path: '^src/(graphql|worker)/' },
      to: { path: '^src/(repositories|db)/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    includeOnly: ['^src/', 'node_modules'],
    reporterOptions: { text: { highlightFocused: true } },
  },
};
