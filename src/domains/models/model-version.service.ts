import type { Readable } from 'node:stream';
import type { BlobStore } from '../../blob/blob-store.ts';
import type { Db } from '../../db/database.ts';
import { decodeCursor, type Page, type PageRequest, pageLimit, toPage } from '../../db/pagination.ts';
import { notFound } from '../../errors/problem.ts';
import type { EventBus } from '../../events/event-bus.ts';
import type { ProjectService } from '../projects/project.service.ts';
import type { LineageEntry, ModelVersionRow } from './model-version.repository.ts';
import * as repo from './model-version.repository.ts';

/** A version as listed: everything but the (large) ONNX metadata. */
export type ModelVersionSummary = Omit<ModelVersionRow, 'metadata'>;
export type ModelVersion = ModelVersionRow & { lineage: LineageEntry[] };

export class ModelVersionService {
  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly projects: ProjectService,
    private readonly events: EventBus,
  ) {}

  async list(projectId: number, page: PageRequest): Promise<Page<ModelVersionSummary>> {
    await this.projects.get(projectId);
    const limit = pageLimit(page.limit);
    const rows = await repo.listModelVersions(this.db, projectId, {
      afterId: decodeCursor(page.cursor),
      limit: limit + 1,
    });
    const result = toPage(rows, limit);
    return { nextCursor: result.nextCursor, data: result.data.map(({ metadata: _m, ...rest }) => rest) };
  }

  /** With its lineage: the chain of versions it was warm-started from, nearest first. */
  async get(projectId: number, id: number): Promise<ModelVersion> {
    const row = await this.find(projectId, id);
    return { ...row, lineage: await repo.lineage(this.db, id) };
  }

  async activate(projectId: number, id: number): Promise<ModelVersion> {
    await this.find(projectId, id);
    const previous = await repo.findActiveModelVersion(this.db, projectId);
    await this.db.transaction((tx) => repo.activate(tx, projectId, id));
    if (previous?.id !== id)
      await this.events
        .publish('model.activated', {
          projectId,
          modelVersionId: id,
          previousModelVersionId: previous?.id ?? null,
        })
        .catch((err: Error) => process.stderr.write(`event model.activated not published: ${err.message}\n`));
    return this.get(projectId, id);
  }

  async active(projectId: number): Promise<ModelVersionRow | undefined> {
    return repo.findActiveModelVersion(this.db, projectId);
  }

  /** Versions by id in one query, whatever their project: for batch loaders below an authorised parent. */
  byIds(ids: number[]): Promise<ModelVersionRow[]> {
    return repo.findModelVersionsByIds(this.db, ids);
  }

  /** The model as a stream, or a presigned URL of it when the blob store hands those out. */
  async onnx(
    projectId: number,
    id: number,
  ): Promise<
    | { version: ModelVersionRow; stream: Readable; url?: never }
    | { version: ModelVersionRow; stream?: never; url: string }
  > {
    const version = await this.find(projectId, id);
    const url = await this.blobs.downloadUrl(version.onnxSha256, {
      contentType: 'application/octet-stream',
      fileName: onnxFileName(version.id),
    });
    return url ? { version, url } : { version, stream: this.blobs.stream(version.onnxSha256) };
  }

  /** A local path of the version's best checkpoint, to warm-start a new training from. */
  async checkpointPath(version: Pick<ModelVersionRow, 'checkpointSha256'>): Promise<string> {
    // Uploaded models come without a PyTorch checkpoint; their preset never matches a training preset.
    if (!version.checkpointSha256) throw new Error('this model version has no checkpoint to warm-start from');
    return this.blobs.localPath(version.checkpointSha256);
  }

  async find(projectId: number, id: number): Promise<ModelVersionRow> {
    const row = await repo.findModelVersion(this.db, projectId, id);
    if (!row) throw notFound('model version', id);
    return row;
  }
}

/** The file name an ONNX download is saved under. */
export const onnxFileName = (versionId: number) => `model-v${versionId}.onnx`;
