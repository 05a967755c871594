import type { Readable } from 'node:stream';
import { and, asc, eq, gt } from 'drizzle-orm';
import type { BlobStore } from '../../blob/blob-store.ts';
import type { Db } from '../../db/database.ts';
import { decodeCursor, type Page, type PageRequest, pageLimit, toPage } from '../../db/pagination.ts';
import { exportsTable } from '../../db/schema/index.ts';
import { notFound } from '../../errors/problem.ts';
import type { EventBus } from '../../events/event-bus.ts';
import type { Queue } from '../../queue/queue.ts';
import type { CocoService } from '../datasets/coco.service.ts';
import type { ImageFilter, LabelSource, Split } from '../datasets/image.repository.ts';
import type { ProjectService } from '../projects/project.service.ts';
import { exportStream } from './export-stream.ts';

export type ExportRow = typeof exportsTable.$inferSelect;
export interface ExportFilter {
  split?: Split;
  poolState?: ImageFilter['poolState'];
  source?: LabelSource;
}

/**
 * COCO exports written in the background: the same stream as GET .../coco-export, kept in the blob store
 * and announced by `export.ready`, for datasets too large to wait on and for systems that react to events.
 */
export class ExportService {
  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly queue: Queue,
    private readonly projects: ProjectService,
    private readonly coco: CocoService,
    private readonly events: EventBus,
  ) {}

  async create(projectId: number, filter: ExportFilter): Promise<ExportRow> {
    await this.projects.get(projectId);
    const [row] = await this.db
      .insert(exportsTable)
      .values({ projectId, format: 'coco', filter: { ...filter }, status: 'queued' })
      .returning();
    await this.queue.send('export.coco', { exportId: row.id });
    return row;
  }

  async get(projectId: number, id: number): Promise<ExportRow> {
    const [row] = await this.db
      .select()
      .from(exportsTable)
      .where(and(eq(exportsTable.projectId, projectId), eq(exportsTable.id, id)));
    if (!row) throw notFound('export', id);
    return row;
  }

  async list(projectId: number, page: PageRequest): Promise<Page<ExportRow>> {
    await this.projects.get(projectId);
    const limit = pageLimit(page.limit);
    const rows = await this.db
      .select()
      .from(exportsTable)
      .where(and(eq(exportsTable.projectId, projectId), gt(exportsTable.id, decodeCursor(page.cursor))))
      .orderBy(asc(exportsTable.id))
      .limit(limit + 1);
    return toPage(rows, limit);
  }

  async download(projectId: number, id: number): Promise<{ row: ExportRow; stream: Readable }> {
    const row = await this.get(projectId, id);
    if (row.status !== 'ready' || !row.sha256) throw notFound('ready export', id);
    return { row, stream: this.blobs.stream(row.sha256) };
  }

  /** Worker side. Idempotent: a ready or failed export is left alone; a rerun writes the same bytes again. */
  async run(exportId: number): Promise<void> {
    const [row] = await this.db.select().from(exportsTable).where(eq(exportsTable.id, exportId));
    if (row?.status !== 'queued') return;
    try {
      const stored = await this.blobs.put(
        exportStream(this.coco.export(row.projectId, row.filter as ExportFilter)),
      );
      const done = await this.finish(row.id, { status: 'ready', sha256: stored.sha256, bytes: stored.bytes });
      if (done)
        await this.events.publish('export.ready', {
          projectId: row.projectId,
          exportId: row.id,
          format: row.format,
          bytes: stored.bytes,
        });
    } catch (err) {
      await this.finish(row.id, {
        status: 'failed',
        error: { code: 'export_failed', message: (err as Error).message },
      });
    }
  }

  private async finish(id: number, values: Partial<ExportRow>): Promise<boolean> {
    const rows = await this.db
      .update(exportsTable)
      .set({ ...values, finishedAt: new Date() })
      .where(and(eq(exportsTable.id, id), eq(exportsTable.status, 'queued')))
      .returning({ id: exportsTable.id });
    return rows.length > 0;
  }
}
