import { Type } from 'typebox';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app-type.ts';
import { Id, ProjectParams, ref, responses } from '../../http/schemas.ts';
import { CategoryInput, CategorySchema } from './project.schemas.ts';

const CategoryRef = ref(CategorySchema);
const CategoryParams = Type.Object({ projectId: Id, categoryId: Id });

export const categoryRoutes = (ctx: AppContext) => async (app: App) => {
  const projects = ctx.services.projects;
  app.post(
    '/projects/:projectId/categories',
    {
      schema: {
        operationId: 'createCategories',
        tags: ['categories'],
        summary: 'Add categories to a project',
        params: ProjectParams,
        body: Type.Object({ categories: Type.Array(ref(CategoryInput), { minItems: 1, maxItems: 1000 }) }),
        response: responses({ 201: Type.Array(CategoryRef) }),
      },
    },
    async (request, reply) =>
      reply.status(201).send(await projects.addCategories(request.params.projectId, request.body.categories)),
  );
  app.patch(
    '/projects/:projectId/categories/:categoryId',
    {
      schema: {
        operationId: 'updateCategory',
        tags: ['categories'],
        summary: 'Change a category',
        params: CategoryParams,
        body: Type.Partial(CategoryInput),
        response: responses({ 200: CategoryRef }),
      },
    },
    async (request) =>
      projects.updateCategory(request.params.projectId, request.params.categoryId, request.body),
  );
  app.delete(
    '/projects/:projectId/categories/:categoryId',
    {
      schema: {
        operationId: 'deleteCategory',
        tags: ['categories'],
        summary: 'Delete a category without labels',
        params: CategoryParams,
        response: responses({ 204: Type.Null() }),
      },
    },
    async (request, reply) => {
      await projects.deleteCategory(request.params.projectId, request.params.categoryId);
      return reply.status(204).send(null);
    },
  );
};
