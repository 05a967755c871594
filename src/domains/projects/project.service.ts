import type { Db } from '../../db/database.ts';
import { decodeCursor, type Page, type PageRequest, pageLimit, toPage } from '../../db/pagination.ts';
import { conflict, notFound, validationError } from '../../errors/problem.ts';
import type { CategoryRow, NewCategory, ProjectRow } from './project.repository.ts';
import * as repo from './project.repository.ts';

export type Project = ProjectRow & { categories: CategoryRow[] };

export interface CategoryInput {
  name: string;
  supercategory?: string | null;
  color?: string | null;
}

export class ProjectService {
  constructor(private readonly db: Db) {}

  async create(input: {
    name: string;
    description?: string | null;
    categories?: CategoryInput[];
  }): Promise<Project> {
    assertUniqueNames(input.categories ?? []);
    return this.db.transaction(async (tx) => {
      const project = await repo.insertProject(tx, {
        name: input.name,
        description: input.description ?? null,
      });
      const categories = await repo.insertCategories(
        tx,
        project.id,
        (input.categories ?? []).map(toNewCategory),
      );
      return { ...project, categories };
    });
  }

  /** `visibleIds` restricts the listing to the projects a project-scoped key may see. */
  async list(page: PageRequest, visibleIds?: number[]): Promise<Page<Project>> {
    const limit = pageLimit(page.limit);
    const rows = await repo.listProjects(this.db, {
      afterId: decodeCursor(page.cursor),
      limit: limit + 1,
      onlyIds: visibleIds,
    });
    const result = toPage(rows, limit);
    const categories = await repo.listCategories(
      this.db,
      result.data.map((p) => p.id),
    );
    return {
      nextCursor: result.nextCursor,
      data: result.data.map((p) => ({ ...p, categories: categories.filter((c) => c.projectId === p.id) })),
    };
  }

  async get(id: number): Promise<Project> {
    // Both at once: the categories of a missing project are an empty list, and then unused.
    const [project, categories] = await Promise.all([
      repo.findProject(this.db, id),
      repo.listCategories(this.db, [id]),
    ]);
    if (!project) throw notFound('project', id);
    return { ...project, categories };
  }

  /** Throws 404 unless the project exists: one query, for callers that need nothing of it. */
  async assertExists(id: number): Promise<void> {
    if (!(await repo.findProject(this.db, id))) throw notFound('project', id);
  }

  /** The categories of many projects in one query. */
  categoriesOf(projectIds: number[]): Promise<CategoryRow[]> {
    return repo.listCategories(this.db, projectIds);
  }

  async update(id: number, values: { name?: string; description?: string | null }): Promise<Project> {
    const row = await repo.updateProject(this.db, id, values);
    if (!row) throw notFound('project', id);
    return this.get(id);
  }

  async delete(id: number): Promise<void> {
    if (!(await repo.deleteProject(this.db, id))) throw notFound('project', id);
  }

  async addCategories(projectId: number, input: CategoryInput[]): Promise<CategoryRow[]> {
    const project = await this.get(projectId);
    assertUniqueNames([...project.categories, ...input]);
    return repo.insertCategories(this.db, projectId, input.map(toNewCategory));
  }

  async updateCategory(projectId: number, id: number, input: Partial<CategoryInput>): Promise<CategoryRow> {
    const project = await this.get(projectId);
    if (input.name !== undefined && project.categories.some((c) => c.name === input.name && c.id !== id))
      throw conflict(`category "${input.name}" already exists`, 'name');
    const row = await repo.updateCategory(this.db, projectId, id, input);
    if (!row) throw notFound('category', id);
    return row;
  }

  async deleteCategory(projectId: number, id: number): Promise<void> {
    try {
      if (!(await repo.deleteCategory(this.db, projectId, id))) throw notFound('category', id);
    } catch (err) {
      if (
        (err as { cause?: { code?: string } }).cause?.code === '23503' ||
        (err as { code?: string }).code === '23503'
      )
        throw conflict(`category ${id} still has labels; delete them first`);
      throw err;
    }
  }
}

function toNewCategory(c: CategoryInput): NewCategory {
  return { name: c.name, supercategory: c.supercategory ?? null, color: c.color ?? null };
}

function assertUniqueNames(categories: { name: string }[]): void {
  const seen = new Set<string>();
  categories.forEach((c, i) => {
    if (seen.has(c.name)) throw validationError(`categories[${i}].name`, `"${c.name}" appears twice`);
    seen.add(c.name);
  });
}
