import { validationError } from '../../errors/problem.ts';
import { connection, pageArgs, principalOf, projectAccess, toId } from '../../graphql/context.ts';
import {
  type Args,
  definedOnly,
  given,
  orNull,
  type Paging,
  type Resolver,
} from '../../graphql/resolver-kit.ts';
import type { CategoryInput } from './project.service.ts';

export const projectResolvers = {
  Query: {
    projects: ((_root, args: Paging, c) => {
      const scope = principalOf(c).projectId;
      return c.services.projects.list(pageArgs(args), scope === null ? undefined : [scope]).then(connection);
    }) as Resolver,
    project: ((_root, { id }, c) => orNull(c.services.projects.get(projectAccess(c, id)))) as Resolver,
  },
  Mutation: {
    createProject: ((_root, { input }, c) => {
      c.services.auth.assertAdmin(principalOf(c));
      checkName(input.name, 'input.name');
      return c.services.projects.create({
        name: input.name,
        description: input.description ?? null,
        categories: categoriesInput(input.categories ?? [], 'input.categories'),
      });
    }) as Resolver,
    updateProject: ((_root, { id, input }, c) => {
      if (input.name != null) checkName(input.name, 'input.name');
      return c.services.projects.update(projectAccess(c, id), {
        ...definedOnly({ name: input.name }),
        ...given(input, 'description'),
      });
    }) as Resolver,
    deleteProject: (async (_root, { id }, c) => {
      c.services.auth.assertAdmin(principalOf(c));
      await c.services.projects.delete(toId(id, 'id'));
      return true;
    }) as Resolver,
    addCategories: ((_root, { projectId, categories }, c) =>
      c.services.projects.addCategories(
        projectAccess(c, projectId),
        categoriesInput(categories, 'categories'),
      )) as Resolver,
    updateCategory: ((_root, { projectId, id, input }, c) => {
      if (input.name != null) checkName(input.name, 'input.name');
      if (input.color != null) checkColor(input.color, 'input.color');
      return c.services.projects.updateCategory(projectAccess(c, projectId), toId(id, 'id'), {
        ...definedOnly({ name: input.name }),
        ...given(input, 'supercategory', 'color'),
      });
    }) as Resolver,
    deleteCategory: (async (_root, { projectId, id }, c) => {
      await c.services.projects.deleteCategory(projectAccess(c, projectId), toId(id, 'id'));
      return true;
    }) as Resolver,
  },
};

function checkName(name: string, field: string): void {
  if (name.length < 1 || name.length > 200) throw validationError(field, 'must be 1 to 200 characters');
}

function checkColor(color: string, field: string): void {
  if (!/^#[0-9a-fA-F]{6}$/.test(color)) throw validationError(field, 'must be #rrggbb');
}

/** The checks REST's schema makes on categories. */
function categoriesInput(input: Args[], field: string): CategoryInput[] {
  if (input.length > 1000) throw validationError(field, 'at most 1000 categories');
  return input.map((c, i) => {
    checkName(c.name, `${field}[${i}].name`);
    if (c.color != null) checkColor(c.color, `${field}[${i}].color`);
    return { name: c.name, supercategory: c.supercategory ?? null, color: c.color ?? null };
  });
}
