import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { cvatConnections, cvatImports, images as imagesTable } from '../../db/schema/index.ts';
import { AppError, notFound, validationError } from '../../errors/problem.ts';
import { checkUrl, TargetRefusedError } from '../../net/guarded-fetch.ts';
import type { Queue } from '../../queue/queue.ts';
import type { CocoService } from '../datasets/coco.service.ts';
import type { UrlImportService } from '../datasets/url-import.service.ts';
import type { ProjectService } from '../projects/project.service.ts';
import { PRESETS, type Preset, type TrainingService, type WarmStart } from '../training/training.service.ts';
import { CvatClient } from './cvat-client.ts';

/** What a completed CVAT job starts after its annotations are in. */
export interface OnJobCompleted {
  train: boolean;
  preset?: Preset;
  hyper?: Record<string, unknown>;
  warmStart?: WarmStart;
}

export interface CvatConnectionInput {
  baseUrl: string;
  authHeader?: { name: string; value: string } | null;
  onJobCompleted?: OnJobCompleted;
}

export interface CvatConnection {
  projectId: number;
  baseUrl: string;
  /** The header's name and the last 4 characters of its value; the value itself is never shown again. */
  authHeader: { name: string; hint: string } | null;
  onJobCompleted: OnJobCompleted;
  createdAt: Date;
  updatedAt: Date;
}

export type CvatImport = typeof cvatImports.$inferSelect;

/** What the receiver made of one webhook request. */
export type WebhookOutcome =
  | { action: 'pong' }
  | { action: 'ignored'; reason: string }
  | { action: 'queued'; importId: number };

/** The parts of CVAT's webhook payload the receiver reads. */
interface CvatWebhookPayload {
  event?: string;
  job?: { id?: unknown; state?: string };
  before_update?: { state?: string };
}

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/**
 * A project's CVAT server: its connection (REST API and webhook secret), the webhook receiver, and the
 * import of a completed job's annotations as `human` labels, followed by training when configured.
 */
export class CvatService {
  constructor(
    private readonly db: Db,
    private readonly queue: Queue,
    private readonly projects: ProjectService,
    private readonly urlImports: UrlImportService,
    private readonly coco: CocoService,
    private readonly training: TrainingService,
    private readonly clientOptions: { pollMs?: number; exportWaitMs?: number } = {},
  ) {}

  /** Creates or replaces the connection; answers the new webhook secret, shown this once. */
  async connect(
    projectId: number,
    input: CvatConnectionInput,
  ): Promise<CvatConnection & { webhookSecret: string }> {
    await this.projects.get(projectId);
    await checkUrl(input.baseUrl, await this.urlImports.allowList(projectId)).catch((err) => {
      if (err instanceof TargetRefusedError) throw validationError('baseUrl', err.message);
      throw err;
    });
    const onJobCompleted = input.onJobCompleted ?? { train: false };
    if (onJobCompleted.preset !== undefined && !PRESETS.includes(onJobCompleted.preset))
      throw validationError('onJobCompleted.preset', `must be one of ${PRESETS.join(', ')}`);
    const webhookSecret = randomBytes(32).toString('hex');
    const values = {
      projectId,
      baseUrl: input.baseUrl,
      authHeaderName: input.authHeader?.name ?? null,
      authHeaderValue: input.authHeader?.value ?? null,
      webhookSecret,
      onJobCompleted: { ...onJobCompleted },
      updatedAt: new Date(),
    };
    const [row] = await this.db
      .insert(cvatConnections)
      .values(values)
      .onConflictDoUpdate({ target: cvatConnections.projectId, set: values })
      .returning();
    return { ...toConnection(row), webhookSecret };
  }

  async get(projectId: number): Promise<CvatConnection> {
    return toConnection(await this.row(projectId));
  }

  async disconnect(projectId: number): Promise<void> {
    await this.row(projectId);
    await this.db.delete(cvatConnections).where(eq(cvatConnections.projectId, projectId));
  }

  /**
   * CVAT's webhook request: `X-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>` with the
   * project's secret, compared in constant time before the body is even parsed. A project without a
   * connection answers like a bad signature, so the receiver tells an outsider nothing.
   */
  async receiveWebhook(
    projectId: number,
    rawBody: Buffer,
    signature: string | undefined,
  ): Promise<WebhookOutcome> {
    const [row] = await this.db
      .select()
      .from(cvatConnections)
      .where(eq(cvatConnections.projectId, projectId));
    if (!row || !verifySignature(row.webhookSecret, rawBody, signature))
      throw new AppError('unauthorized', "X-Signature-256 does not match this project's CVAT webhook secret");
    let payload: CvatWebhookPayload;
    try {
      payload = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw validationError('body', 'is not JSON');
    }
    if (payload.event === 'ping') return { action: 'pong' };
    if (payload.event !== 'update:job') return { action: 'ignored', reason: `event ${payload.event}` };
    const job = payload.job ?? {};
    const jobId = job.id;
    if (typeof jobId !== 'number' || !Number.isSafeInteger(jobId) || jobId < 1)
      throw validationError('job.id', 'must be a positive integer');
    // `before_update` holds only the fields that changed: a job saved while already completed is no news.
    if (job.state !== 'completed' || payload.before_update?.state === undefined)
      return { action: 'ignored', reason: `job ${jobId} is ${job.state}, not newly completed` };
    const [created] = await this.db
      .insert(cvatImports)
      .values({ projectId, cvatJobId: jobId })
      .returning({ id: cvatImports.id });
    await this.queue.send('cvat.import', { importId: created.id });
    return { action: 'queued', importId: created.id };
  }

  async listImports(projectId: number): Promise<CvatImport[]> {
    await this.projects.get(projectId);
    return this.db
      .select()
      .from(cvatImports)
      .where(eq(cvatImports.projectId, projectId))
      .orderBy(desc(cvatImports.id))
      .limit(100);
  }

  async getImport(projectId: number, id: number): Promise<CvatImport> {
    const [row] = await this.db
      .select()
      .from(cvatImports)
      .where(and(eq(cvatImports.projectId, projectId), eq(cvatImports.id, id)));
    if (!row) throw notFound('CVAT import', id);
    return row;
  }

  /**
   * Worker side of `cvat.import`: pulls the job's COCO 1.0 export through CVAT's REST API, imports its
   * annotations on the project's images of the same file name as `human` labels, then starts training
   * when the connection says so. Idempotent: only a queued import runs; a rerun of the same job's import
   * replaces its labels (the COCO import replaces labels of the same source on the same images).
   */
  async runImport(importId: number): Promise<void> {
    const claimed = await this.db
      .update(cvatImports)
      .set({ status: 'running' })
      .where(and(eq(cvatImports.id, importId), eq(cvatImports.status, 'queued')))
      .returning();
    if (claimed.length === 0) return;
    const row = claimed[0];
    try {
      const result = await this.importJob(row.projectId, row.cvatJobId);
      await this.finish(importId, { status: 'succeeded', result });
    } catch (err) {
      const e = err as Error & { kind?: string; invalidParams?: unknown[] };
      await this.finish(importId, {
        status: 'failed',
        error: { code: e instanceof AppError ? e.kind : 'cvat_import_failed', message: e.message },
        result: e instanceof AppError && e.invalidParams.length > 0 ? { problems: e.invalidParams } : null,
      });
    }
  }

  private async importJob(projectId: number, jobId: number): Promise<Record<string, unknown>> {
    const connection = await this.row(projectId);
    const client = new CvatClient({
      baseUrl: connection.baseUrl,
      authHeader: connection.authHeaderName
        ? { name: connection.authHeaderName, value: connection.authHeaderValue ?? '' }
        : null,
      allow: await this.urlImports.allowList(projectId),
      ...this.clientOptions,
    });
    const exported = await client.exportJobCoco(jobId);
    const { coco, skipped } = await this.onlyKnownImages(projectId, exported);
    const imported = await this.coco.import(projectId, coco, { source: 'human' });
    const result: Record<string, unknown> = {
      cvatJobId: jobId,
      images: imported.images,
      annotations: imported.annotations,
      replacedLabels: imported.replacedLabels,
      skippedImages: skipped,
    };
    const plan = connection.onJobCompleted as unknown as OnJobCompleted;
    if (!plan.train) return result;
    try {
      const job = await this.training.create(projectId, {
        preset: plan.preset ?? 'small',
        hyper: plan.hyper,
        warmStart: plan.warmStart,
      });
      return { ...result, trainingJobId: job.id };
    } catch (err) {
      // The labels are in either way; a training that cannot start yet (no val labels) is reported.
      return { ...result, trainingError: (err as Error).message };
    }
  }

  /**
   * CVAT names frames by their file name (with the folder they were uploaded in); our images carry the
   * upload's name. Annotations of frames this project does not have are left out and listed.
   */
  private async onlyKnownImages(
    projectId: number,
    exported: unknown,
  ): Promise<{ coco: Record<string, unknown>; skipped: string[] }> {
    const file = exported as {
      images?: { id: unknown; file_name?: unknown }[];
      annotations?: { image_id: unknown }[];
    };
    if (!Array.isArray(file?.images) || !Array.isArray(file.annotations))
      throw new AppError('validation', "CVAT's export is not a COCO instances file");
    const names = new Set(
      (
        await this.db
          .select({ fileName: imagesTable.fileName })
          .from(imagesTable)
          .where(eq(imagesTable.projectId, projectId))
      ).map((r) => r.fileName),
    );
    const base = (n: unknown) =>
      String(n ?? '')
        .split(/[\\/]/)
        .pop() ?? '';
    const kept = file.images.filter((i) => names.has(base(i.file_name)));
    const keptIds = new Set(kept.map((i) => i.id));
    return {
      coco: {
        ...(exported as object),
        images: kept.map((i) => ({ ...i, file_name: base(i.file_name) })),
        annotations: file.annotations.filter((a) => keptIds.has(a.image_id)),
      },
      skipped: file.images.filter((i) => !keptIds.has(i.id)).map((i) => String(i.file_name)),
    };
  }

  private async finish(id: number, values: Partial<CvatImport>): Promise<void> {
    await this.db
      .update(cvatImports)
      .set({ ...values, finishedAt: new Date() })
      .where(eq(cvatImports.id, id));
  }

  private async row(projectId: number) {
    await this.projects.get(projectId);
    const [row] = await this.db
      .select()
      .from(cvatConnections)
      .where(eq(cvatConnections.projectId, projectId));
    if (!row) throw new AppError('not-found', `project ${projectId} has no CVAT connection`);
    return row;
  }
}

/** `sha256=<hex>` of HMAC-SHA256(secret, body), compared in constant time. */
export function verifySignature(secret: string, body: Buffer, header: string | undefined): boolean {
  const match = header?.trim().match(SIGNATURE);
  if (!match) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(match[1], 'hex'));
}

/** What CVAT's webhook sends: for a test's fake CVAT, and the docs. */
export const signCvatBody = (secret: string, body: Buffer): string =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

function toConnection(row: typeof cvatConnections.$inferSelect): CvatConnection {
  return {
    projectId: row.projectId,
    baseUrl: row.baseUrl,
    authHeader: row.authHeaderName
      ? { name: row.authHeaderName, hint: `…${(row.authHeaderValue ?? '').slice(-4)}` }
      : null,
    onJobCompleted: row.onJobCompleted as unknown as OnJobCompleted,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
