import { and, asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/database.ts';
import { labelStudioIntegrations, labels, passImages } from '../../db/schema/index.ts';

export type LabelStudioIntegrationRow = typeof labelStudioIntegrations.$inferSelect;

export async function findIntegration(
  ex: Executor,
  projectId: number,
): Promise<LabelStudioIntegrationRow | undefined> {
  const [row] = await ex
    .select()
    .from(labelStudioIntegrations)
    .where(eq(labelStudioIntegrations.projectId, projectId));
  return row;
}

export async function upsertIntegration(
  ex: Executor,
  row: Pick<LabelStudioIntegrationRow, 'projectId' | 'url' | 'token' | 'settings'>,
): Promise<LabelStudioIntegrationRow> {
  const [saved] = await ex
    .insert(labelStudioIntegrations)
    .values(row)
    .onConflictDoUpdate({
      target: labelStudioIntegrations.projectId,
      set: { url: row.url, token: row.token, settings: row.settings, updatedAt: sql`now()` },
    })
    .returning();
  return saved;
}

export async function deleteIntegration(ex: Executor, projectId: number): Promise<boolean> {
  const rows = await ex
    .delete(labelStudioIntegrations)
    .where(eq(labelStudioIntegrations.projectId, projectId))
    .returning({ projectId: labelStudioIntegrations.projectId });
  return rows.length > 0;
}

/** Removes the labels an image got from Label Studio (human labels with a `labelStudio` provenance). */
export async function deleteLabelStudioLabels(
  ex: Executor,
  projectId: number,
  imageId: number,
): Promise<number> {
  const rows = await ex
    .delete(labels)
    .where(
      and(
        eq(labels.projectId, projectId),
        eq(labels.imageId, imageId),
        eq(labels.source, 'human'),
        sql`${labels.provenance} ? 'labelStudio'`,
      ),
    )
    .returning({ id: labels.id });
  return rows.length;
}

/** The images of a pass with the judge's verdict on each (for an export with pre-annotations). */
export function passImagesWithVerdicts(
  ex: Executor,
  passId: number,
): Promise<{ imageId: number; judgeVerdict: Record<string, unknown> | null }[]> {
  return ex
    .select({ imageId: passImages.imageId, judgeVerdict: passImages.judgeVerdict })
    .from(passImages)
    .where(eq(passImages.passId, passId))
    .orderBy(asc(passImages.imageId));
}
