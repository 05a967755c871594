/**
 * The import rules of docs/architecture.md, checked by `npm run lint:deps` (part of `npm test`).
 *
 * The code is one folder per domain (`src/domains/<domain>/`) over platform pieces (db, queue, events, blob,
 * http, config) and pure cores. Inside a domain a file's role is its suffix: `*.routes.ts`, `*.resolvers.ts`
 * and `*.jobs.ts` are front ends, `*.repository.ts` holds SQL, `*.schemas.ts` the API's shapes, and every
 * other file is a service (the rules). Imports flow one way: front ends -> services -> repositories and
 * adapters -> db, and the cores import nothing above them. Type-only imports count: a type is a dependency.
 */

/** Pure cores: geometry, COCOeval, overlays, inference, plots, the synthetic dataset, text tables, problems. */
const CORES = '^src/(coco|eval|overlay|inference|plots|dataset|text|errors)/';

/** Platform pieces every domain may use; they know no domain. */
const PLATFORM = '^src/(db|queue|events|blob|http|net)/|^src/config\\.ts$';

/** The composition and the front doors: what wires the domains together or drives them from outside. */
const TOP = '^src/(cli|experiment|graphql|worker|client)/|^src/(app|server|context|openapi|routes)\\.ts$';

const FRONT_FILE = '^src/domains/[^/]+/.*\\.(routes|resolvers|jobs)\\.ts$';
const REPOSITORY_FILE = '^src/domains/[^/]+/.*\\.repository\\.ts$';
const SCHEMAS_FILE = '^src/domains/[^/]+/.*\\.schemas\\.ts$';
const FRAMEWORK = 'node_modules/(fastify|@fastify/[^/]+|fastify-plugin|mercurius|graphql)/';

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
      name: 'native-libraries-on-first-use',
      severity: 'error',
      comment:
        'sharp (libvips), onnxruntime-node and the AWS SDK are imported where they are used, with import(): an ' +
        'API-only process never loads them (test/fault/native-on-demand.test.ts, bench/results/foundation.md). ' +
        'Type-only imports are free.',
      from: { path: '^src/', pathNot: '^src/blob/s3-blob-store\\.ts$' },
      to: {
        path: ['node_modules/(sharp|onnxruntime-node|@aws-sdk/[^/]+)/', '^src/blob/s3-blob-store\\.ts$'],
        dynamic: false,
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'cores-are-pure',
      severity: 'error',
      comment:
        'The pure cores import each other, node and libraries only: never a domain, the platform or the top. ' +
        'What a core needs from above moves down into a core.',
      from: { path: CORES },
      to: { path: ['^src/domains/', PLATFORM, TOP] },
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
      name: 'platform-knows-no-domain',
      severity: 'error',
      comment:
        'db, queue, events, blob, http and config serve every domain and know none of them (nor the top).',
      from: { path: PLATFORM },
      to: { path: ['^src/domains/', TOP] },
    },
    {
      name: 'domains-below-the-top',
      severity: 'error',
      comment:
        'A domain never imports the composition root, the CLI, the experiment or the worker runtime. Resolvers ' +
        'may use the GraphQL plumbing (context, loaders, scalars) of src/graphql/; job handlers the worker types.',
      from: { path: '^src/domains/' },
      to: {
        path: TOP,
        pathNot: [
          '^src/graphql/(context|loaders|scalars|graphql-js|resolver-kit)\\.ts$',
          '^src/worker/worker\\.ts$',
          // Front ends get the composition root's services by type.
          '^src/context\\.ts$',
        ],
      },
    },
    {
      name: 'graphql-plumbing-for-resolvers-only',
      severity: 'error',
      comment: 'Only resolvers (and the GraphQL module itself) see the GraphQL plumbing.',
      from: { path: '^src/domains/', pathNot: '\\.resolvers\\.ts$' },
      to: { path: '^src/graphql/' },
    },
    {
      name: 'worker-types-for-jobs-only',
      severity: 'error',
      comment: "Only job handlers see the worker runtime's types.",
      from: { path: '^src/domains/', pathNot: '\\.jobs\\.ts$' },
      to: { path: '^src/worker/' },
    },
    {
      name: 'judging-below-services',
      severity: 'error',
      comment:
        'Judges (VLM, oracle, simulated) judge one image given to them: they may use the cores and config, ' +
        'never another domain, the database or the queue.',
      from: { path: '^src/domains/judging/' },
      to: {
        path: ['^src/domains/(?!judging/)', '^src/(db|queue|events|blob)/'],
      },
    },
    {
      name: 'experiment-through-the-api',
      severity: 'error',
      comment:
        'The experiment drives runs through the HTTP API client, like any user: never a domain, the database ' +
        'or the queue directly; and the CLI drives it, not the other way round.',
      from: { path: '^src/experiment/' },
      to: {
        path: ['^src/domains/', '^src/(db|queue|worker|graphql|cli)/', '^src/(app|context|routes)\\.ts$'],
      },
    },
    {
      name: 'services-know-no-framework',
      severity: 'error',
      comment:
        'Services hold the rules; REST, GraphQL, the CLI and the worker call them. No Fastify, no Mercurius, ' +
        'no route, resolver or job handler. They may use the API shapes (`*.schemas.ts`, src/http/schemas.ts).',
      from: { path: '^src/domains/', pathNot: [FRONT_FILE, REPOSITORY_FILE] },
      to: {
        path: [FRONT_FILE, '^src/http/(?!schemas\\.ts$|ids\\.ts$)', FRAMEWORK],
      },
    },
    {
      name: 'repositories-below-services',
      severity: 'error',
      comment:
        'Repositories hold SQL for the services: they import the db, cores, API shapes and other repositories, ' +
        'never a service, a front end or an adapter.',
      from: { path: REPOSITORY_FILE },
      to: {
        path: '^src/domains/',
        pathNot: [REPOSITORY_FILE, SCHEMAS_FILE],
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
        'Routes, GraphQL resolvers and job handlers call services and see their types, never a repository or ' +
        'the db directly.',
      from: { path: [FRONT_FILE, '^src/(graphql|worker)/'] },
      to: { path: [REPOSITORY_FILE, '^src/db/'], pathNot: '^src/db/pagination\\.ts$' },
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
