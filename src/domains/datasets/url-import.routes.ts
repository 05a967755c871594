import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import { component, DateTime, ProjectParams, ref, responses, uploadResponses } from '../../http/schemas.ts';
import { PoolStateSchema, SplitSchema } from './dataset.schemas.ts';
import { ImageUploadResult } from './image.routes.ts';

const MAX_URLS = 500;

const UrlCredential = component(
  Type.Object(
    {
      urlPrefix: Type.String({
        format: 'uri',
        maxLength: 2048,
        description: 'Sent with URLs of the same origin whose path starts with this one',
      }),
      header: Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", maxLength: 100 }),
      value: Type.String({ maxLength: 8192 }),
    },
    {
      $id: 'UrlCredential',
      additionalProperties: false,
      description: 'A header (e.g. Authorization) for one source; used for this request only, never stored',
    },
  ),
);

const UrlAllowList = component(
  Type.Object(
    { data: Type.Array(Type.Object({ entry: Type.String(), createdAt: DateTime })) },
    {
      $id: 'UrlAllowList',
      description:
        "Private hosts and networks the project's URL imports and CVAT connection may reach on purpose",
    },
  ),
);

export const urlImportRoutes = (ctx: AppContext) => async (app: App) => {
  const service = ctx.services.urlImports;
  app.post(
    '/projects/:projectId/images/from-urls',
    {
      schema: {
        operationId: 'importImagesFromUrls',
        tags: ['images'],
        summary: 'Import images by URL into the project (the unlabelled pool by default)',
        description:
          'Every URL is checked before anything is fetched: http(s) only, and every address its host resolves ' +
          "to must be global unicast unless the project's URL allow-list names the host or its network. " +
          'Fetched bytes go through the upload path (image proof, limits, dedup): all URLs are stored, or none.',
        params: ProjectParams,
        body: Type.Object(
          {
            urls: Type.Array(Type.String({ maxLength: 4096 }), { minItems: 1, maxItems: MAX_URLS }),
            credentials: Type.Optional(Type.Array(ref(UrlCredential), { maxItems: 50 })),
            split: Type.Optional(SplitSchema),
            poolState: Type.Optional(PoolStateSchema),
          },
          { additionalProperties: false },
        ),
        response: uploadResponses({ 201: ref(ImageUploadResult) }),
      },
    },
    async (request, reply) => {
      const result = await service.import(request.params.projectId, request.body);
      return reply.status(201).send({
        data: result.images.map(({ existed, ...image }) => ({ ...image, duplicate: existed })),
        created: result.created,
        existing: result.existing,
      });
    },
  );
  app.get(
    '/projects/:projectId/url-allow-list',
    {
      schema: {
        operationId: 'getUrlAllowList',
        tags: ['integrations'],
        summary: "The project's URL allow-list",
        params: ProjectParams,
        response: responses({ 200: ref(UrlAllowList) }),
      },
    },
    async (request) => ({ data: await service.listAllowEntries(request.params.projectId) }),
  );
  app.put(
    '/projects/:projectId/url-allow-list',
    {
      schema: {
        operationId: 'replaceUrlAllowList',
        tags: ['integrations'],
        summary: "Replace the project's URL allow-list (admin key)",
        description:
          'Entries: a host name (`cvat.internal`), a wildcard host (`*.corp.example`), an address or a CIDR ' +
          '(`10.0.0.0/8`, at most as wide as /8 for IPv4 and /7 for IPv6). An admin key is needed: the list ' +
          "opens the server's network to the project's requests.",
        params: ProjectParams,
        body: Type.Object(
          { entries: Type.Array(Type.String({ maxLength: 300 }), { maxItems: 100 }) },
          { additionalProperties: false },
        ),
        response: responses({ 200: ref(UrlAllowList) }),
      },
    },
    async (request) => {
      ctx.services.auth.assertAdmin(request.principal);
      return { data: await service.replaceAllowEntries(request.params.projectId, request.body.entries) };
    },
  );
};
