import type { Readable } from 'node:stream';
import { type BlobStore, BlobTooLargeError, type StagedBlob } from '../../blob/blob-store.ts';
import type { IncomingFile } from '../../blob/incoming-file.ts';
import type { Db, Executor } from '../../db/database.ts';
import { decodeCursor, type Page, type PageRequest, pageLimit, toPage } from '../../db/pagination.ts';
import { AppError, type InvalidParam, notFound, validationError } from '../../errors/problem.ts';
import type { EventBus } from '../../events/event-bus.ts';
import { createLimiter } from '../judging/limiter.ts';
import type { ProjectService } from '../projects/project.service.ts';
import { storedFileName } from './file-name.ts';
import type { ImageFilter, ImageRow, NewImage, PoolState, Split } from './image.repository.ts';
import * as imageRepo from './image.repository.ts';
import { ImageRejectedError, probeImage } from './image-probe.ts';
import { pngHeaderProblem } from './png-header.ts';
import * as poolRepo from './pool.repository.ts';

/** An image as the services hand it out (REST, GraphQL), with the types that describe it. */
export type Image = ImageRow;
export type { ImageFilter, LabelSource, PoolState, Split } from './image.repository.ts';

export interface UploadResult {
  images: (ImageRow & { existed: boolean })[];
  created: number;
  existing: number;
}

export interface StagedImages {
  size: number;
  rows: NewImage[];
  /** Upserts the rows in `tx`; the blobs stay staged until commitBlobs. */
  record(tx: Executor): Promise<UploadResult>;
  /**
   * Moves the blobs into place: the last step inside the caller's transaction, after everything that may
   * still refuse the request, so a refusal leaves no blob behind and a failed move leaves no row.
   */
  commitBlobs(): Promise<void>;
  discard(): Promise<void>;
}

const COMMIT_CONCURRENCY = 8;

export interface UploadLimits {
  maxFileBytes: number;
  maxPixels: number;
}

/** Files of one upload checked at once (sharp decodes on libuv's thread pool, 4 threads by default). */
const CHECKS_AT_ONCE = 4;

/**
 * Files up to this size are checked from memory, not from their staged file: a photo's check then reads
 * no file (libvips would read it twice, header then pixels). Larger ones are checked from their file.
 */
const CHECK_IN_MEMORY_BYTES = 16 * 1024 * 1024;
/** What one upload's waiting checks may hold in memory at once; past it they read their staged files. */
const CHECK_MEMORY_BYTES = 64 * 1024 * 1024;

export class ImageService {
  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly projects: ProjectService,
    private readonly limits: UploadLimits,
    private readonly events?: EventBus,
  ) {}

  /**
   * Streams each file to the blob store, proves it is an image, and records all of them in one
   * transaction. Any bad file rejects the whole request, naming every bad file; same bytes twice
   * return the existing image, so a retried upload is harmless.
   */
  async upload(
    projectId: number,
    files: AsyncIterable<IncomingFile>,
    options: { split?: Split; poolState?: PoolState } = {},
  ): Promise<UploadResult> {
    await this.projects.get(projectId);
    const batch = await this.stage(projectId, files, options);
    let result: UploadResult;
    try {
      if (batch.size === 0) throw validationError('files', 'no file in the request');
      result = await this.db.transaction(async (tx) => {
        const recorded = await batch.record(tx);
        await batch.commitBlobs();
        return recorded;
      });
    } finally {
      await batch.discard();
    }
    await this.announce(projectId, result, options);
    return result;
  }

  /**
   * `images.uploaded` after the commit, when something is new. The images are stored whatever happens
   * here, so a failed publish is logged, not thrown: the client's retry would find only duplicates.
   */
  private async announce(
    projectId: number,
    result: UploadResult,
    options: { split?: Split; poolState?: PoolState },
  ): Promise<void> {
    if (!this.events || result.created === 0) return;
    const imageIds = [...new Set(result.images.filter((i) => !i.existed).map((i) => i.id))];
    await this.events
      .publish('images.uploaded', {
        projectId,
        imageIds,
        created: result.created,
        existing: result.existing,
        split: options.split ?? 'train',
        poolState: options.poolState ?? 'unlabeled',
      })
      .catch((err) =>
        console.error(`images.uploaded for project ${projectId} not published: ${err.message}`),
      );
  }

  /**
   * Stages every file and proves each is an image, without recording anything yet, so a caller can
   * record them in its own transaction (COCO import with images). Throws naming every bad file.
   */
  async stage(
    projectId: number,
    files: AsyncIterable<IncomingFile>,
    options: { split?: Split; poolState?: PoolState } = {},
  ): Promise<StagedImages> {
    const blobs: StagedBlob[] = [];
    const checks: Promise<{ row: NewImage } | { reason: string }>[] = [];
    const names: { field: string; fileName: string }[] = [];
    const discard = () => Promise.all(blobs.map((blob) => blob.discard())).then(() => undefined);
    // Decoding runs on libuv's threads: each file is checked while the next one streams in, a few at once.
    const checking = createLimiter(CHECKS_AT_ONCE);
    const inMemory = new MemoryBudget(CHECK_MEMORY_BYTES);
    const staged: { blob: StagedBlob; row: NewImage }[] = [];
    const invalid: InvalidParam[] = [];
    try {
      for await (const file of files) {
        const blob = await this.stageBlob(file);
        // Only a waiting check holds the bytes, and only within the budget: files stream in faster than they
        // decode, and the staged blobs live until the transaction ends.
        const contents = inMemory.take(blob.contents);
        blob.contents = undefined;
        blobs.push(blob);
        names.push({ field: file.field, fileName: file.fileName });
        const check = checking(() =>
          this.check(projectId, file.fileName, blob, contents ?? blob.tempPath, options).finally(() =>
            inMemory.give(contents),
          ),
        );
        check.catch(() => {}); // awaited below; this keeps an early failure from going unhandled meanwhile
        checks.push(check);
      }
      const results = await Promise.all(checks);
      for (const [i, result] of results.entries()) {
        if ('reason' in result)
          invalid.push({ name: names[i].field, reason: `${names[i].fileName}: ${result.reason}` });
        else staged.push({ blob: blobs[i], row: result.row });
      }
      if (invalid.length > 0)
        throw new AppError('validation', 'some files are not acceptable images', invalid);
    } catch (err) {
      await Promise.allSettled(checks);
      await discard();
      throw err;
    }
    return {
      size: staged.length,
      rows: staged.map((s) => s.row),
      discard,
      commitBlobs: async () => {
        // A few at a time: with S3 each commit is an upload, and the caller's transaction waits for them.
        for (let i = 0; i < staged.length; i += COMMIT_CONCURRENCY)
          await Promise.all(staged.slice(i, i + COMMIT_CONCURRENCY).map(({ blob }) => blob.commit()));
      },
      record: async (tx) => {
        const rows = await imageRepo.upsertImages(tx, dedupe(staged.map((s) => s.row)));
        const images = staged.map((s) => rows.get(s.row.sha256)!);
        const created = new Set(images.filter((i) => !i.existed).map((i) => i.id)).size;
        return { images, created, existing: images.length - created };
      },
    };
  }

  /** Streams one file to a staged blob, hashing it on the way; refuses it past the size limit. */
  private async stageBlob(file: IncomingFile): Promise<StagedBlob> {
    try {
      return await this.blobs.stage(file.stream, {
        maxBytes: this.limits.maxFileBytes,
        keepBytes: CHECK_IN_MEMORY_BYTES,
      });
    } catch (err) {
      file.stream.resume();
      if (err instanceof BlobTooLargeError || (err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE')
        throw new AppError(
          'payload-too-large',
          `${file.field}: larger than ${this.limits.maxFileBytes} bytes`,
          [{ name: file.field, reason: `larger than ${this.limits.maxFileBytes} bytes` }],
        );
      throw err;
    }
  }

  /**
   * Proves a staged file is an image (header, then one decode) from its bytes in memory or its staged
   * file, and makes its row; or says why not.
   */
  private async check(
    projectId: number,
    fileName: string,
    blob: StagedBlob,
    bytes: Buffer | string,
    options: { split?: Split; poolState?: PoolState },
  ): Promise<{ row: NewImage } | { reason: string }> {
    if (blob.bytes === 0) return { reason: 'is empty (0 bytes)' };
    try {
      const headerProblem = await pngHeaderProblem(bytes);
      if (headerProblem) throw new ImageRejectedError(headerProblem);
      const probed = await probeImage(bytes, this.limits.maxPixels);
      return {
        row: {
          projectId,
          sha256: blob.sha256,
          fileName: storedFileName(fileName, 'unnamed'),
          bytes: blob.bytes,
          ...probed,
          split: options.split ?? 'train',
          poolState: options.poolState ?? 'unlabeled',
        },
      };
    } catch (err) {
      if (err instanceof ImageRejectedError) return { reason: err.message };
      throw err;
    }
  }

  async list(projectId: number, filter: ImageFilter, page: PageRequest): Promise<Page<ImageRow>> {
    const limit = pageLimit(page.limit);
    const rows = await imageRepo.listImages(this.db, projectId, filter, {
      afterId: decodeCursor(page.cursor),
      limit: limit + 1,
    });
    // A row proves the project exists (rows reference it): only an empty page needs asking.
    if (rows.length === 0) await this.projects.assertExists(projectId);
    return toPage(rows, limit);
  }

  async get(projectId: number, imageId: number): Promise<ImageRow> {
    const row = await imageRepo.findImage(this.db, projectId, imageId);
    if (!row) throw notFound('image', imageId);
    return row;
  }

  async count(projectId: number, filter: ImageFilter): Promise<number> {
    return imageRepo.countImages(this.db, projectId, filter);
  }

  /** Images by id in one query, whatever their project: for batch loaders below an authorised parent. */
  byIds(ids: number[]): Promise<ImageRow[]> {
    return imageRepo.findImagesByIdsAnywhere(this.db, ids);
  }

  /** The bytes as a stream, or a presigned URL of them when the blob store hands those out. */
  async original(
    projectId: number,
    imageId: number,
  ): Promise<
    { image: ImageRow; stream: Readable; url?: never } | { image: ImageRow; stream?: never; url: string }
  > {
    const image = await this.get(projectId, imageId);
    const url = await this.blobs.downloadUrl(image.sha256, { contentType: image.mimeType });
    return url ? { image, url } : { image, stream: this.blobs.stream(image.sha256) };
  }

  /** Sets split and/or pool state on many images at once; all ids must belong to the project. */
  async updateMany(
    projectId: number,
    ids: number[],
    values: { split?: Split; poolState?: PoolState },
  ): Promise<ImageRow[]> {
    if (values.split === undefined && values.poolState === undefined)
      throw validationError('split', 'give split, poolState or both');
    const unique = [...new Set(ids)];
    return this.db.transaction(async (tx) => {
      let rows: ImageRow[] = [];
      if (values.split !== undefined) rows = await imageRepo.updateSplit(tx, projectId, unique, values.split);
      if (values.poolState !== undefined)
        rows = await poolRepo.setPoolState(tx, projectId, unique, values.poolState);
      if (rows.length !== unique.length) {
        const found = new Set(rows.map((r) => r.id));
        const missing = unique.findIndex((id) => !found.has(id));
        throw validationError(
          `ids[${ids.indexOf(unique[missing])}]`,
          `image ${unique[missing]} is not in project ${projectId}`,
        );
      }
      return rows.sort((a, b) => a.id - b.id);
    });
  }
}

/** The same bytes twice in one request are one image. */
function dedupe(rows: NewImage[]): NewImage[] {
  const seen = new Map<string, NewImage>();
  for (const row of rows) if (!seen.has(row.sha256)) seen.set(row.sha256, row);
  return [...seen.values()];
}

/** Bytes held for waiting checks: a buffer is taken only while the total stays within the limit. */
export class MemoryBudget {
  private held = 0;
  constructor(private readonly limit: number) {}

  take(bytes: Buffer | undefined): Buffer | undefined {
    if (!bytes || this.held + bytes.length > this.limit) return undefined;
    this.held += bytes.length;
    return bytes;
  }

  give(bytes: Buffer | undefined): void {
    if (bytes) this.held -= bytes.length;
  }
}
