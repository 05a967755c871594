import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import { PageQuery, ProjectParams, page, ref, responses } from '../../http/schemas.ts';
import { CategoryInput, ProjectSchema } from './project.schemas.ts';

const ProjectRef = ref(ProjectSchema);
const ProjectPage = page('ProjectPage', ProjectRef);

export const projectRoutes = (ctx: AppContext) => async (app: App) => {
  const projects = ctx.services.projects;
  app.post(
    '/projects',
    {
      schema: {
        operationId: 'createProject',
        tags: ['projects'],
        summary: 'Create a project with its categories (admin)',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 200 }),
            description: Type.Optional(Type.Union([Type.String({ maxLength: 5000 }), Type.Null()])),
            categories: Type.Optional(Type.Array(ref(CategoryInput), { maxItems: 1000 })),
          },
          { additionalProperties: false },
        ),
        response: responses({ 201: ProjectRef }),
      },
    },
    async (request, reply) => {
      ctx.services.auth.assertAdmin(request.principal);
      return reply.status(201).send(await projects.create(request.body));
    },
  );
  app.get(
    '/projects',
    {
      schema: {
        operationId: 'listProjects',
        tags: ['projects'],
        summary: 'List the projects this key may see',
        querystring: Type.Object(PageQuery),
        response: responses({ 200: ref(ProjectPage) }),
      },
    },
    async (request) => {
      const scope = request.principal.projectId;
      return projects.list(request.query, scope === null ? undefined : [scope]);
    },
  );
  app.get(
    '/projects/:projectId',
    {
      schema: {
        operationId: 'getProject',
        tags: ['projects'],
        summary: 'Get a project',
        params: ProjectParams,
        response: responses({ 200: ProjectRef }),
      },
    },
    async (request) => projects.get(request.params.projectId),
  );
  app.patch(
    '/projects/:projectId',
    {
      schema: {
        operationId: 'updateProject',
        tags: ['projects'],
        summary: 'Rename or describe a project',
        params: ProjectParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            description: Type.Optional(Type.Union([Type.String({ maxLength: 5000 }), Type.Null()])),
          },
          { additionalProperties: false },
        ),
        response: responses({ 200: ProjectRef }),
      },
    },
    async (request) => projects.update(request.params.projectId, request.body),
  );
  app.delete(
    '/projects/:projectId',
    {
      schema: {
        operationId: 'deleteProject',
        tags: ['projects'],
        summary: 'Delete a project and everything in it (admin)',
        params: ProjectParams,
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      ctx.services.auth.assertAdmin(request.principal);
      await projects.delete(request.params.projectId);
      return reply.status(204).send(null);
    },
  );
};
