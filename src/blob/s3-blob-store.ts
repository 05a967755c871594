import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Config } from '../config.ts';
import {
  type BlobInfo,
  BlobIntegrityError,
  type BlobStore,
  type StagedBlob,
  type StageOptions,
} from './blob-store.ts';
import { FsBlobStore } from './fs-blob-store.ts';
import { parseS3Url } from './s3-url.ts';

const SHA256 = /^[0-9a-f]{64}$/;

/** The store of an s3://bucket/prefix URL (openBlobStore's S3 half). */
export function openS3BlobStore(url: string, s3: S3Config, scratchDir: string): S3BlobStore {
  const { bucket, prefix } = parseS3Url(url);
  return new S3BlobStore({
    client: s3Client(s3),
    bucket,
    prefix,
    scratchDir,
    partSize: s3.partBytes,
    queueSize: s3.partConcurrency,
    readAttempts: s3.maxAttempts,
    retryBaseMs: 200,
    presignSeconds: s3.downloads === 'presigned' ? s3.presignSeconds : undefined,
    cacheBytes: s3.cacheBytes,
  });
}

/** The SDK client for S3 or an S3-compatible server (path-style when an endpoint is given). */
export function s3Client(s3: S3Config): S3Client {
  return new S3Client({
    region: s3.region,
    ...(s3.endpoint && { endpoint: s3.endpoint, forcePathStyle: true }),
    maxAttempts: s3.maxAttempts,
    retryMode: 'standard',
    // Checksums only where S3 requires them: several S3-compatible servers reject the newer defaults.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export interface S3BlobStoreOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix without slashes at either end; '' for the bucket's root. */
  prefix: string;
  /** Local scratch: staged uploads (`tmp/`) and downloaded blobs for child processes (`ab/cd/<sha256>`). */
  scratchDir: string;
  /** Multipart part size (S3's minimum is 5 MiB) and parts in flight per upload. */
  partSize: number;
  queueSize: number;
  /** Whole-object reads retried after a broken body (the SDK retries requests, not a body cut halfway). */
  readAttempts: number;
  retryBaseMs: number;
  /** Set: downloads for clients are presigned GET URLs valid this long; unset: streamed through the API. */
  presignSeconds: number | undefined;
  /** The local copies are trimmed to this many bytes, least recently used first. */
  cacheBytes: number;
}

/**
 * Content-addressed blobs in an S3-compatible bucket under `prefix/ab/cd/<sha256>`, the folder store's
 * layout. Uploads are staged on local disk while hashed (the key is the hash, known only at the end),
 * then streamed up in parts. Every read is checked against its address: a changed object is an error,
 * never bytes served as if they were the blob.
 */
export class S3BlobStore implements BlobStore {
  /** The local side: staging and the download cache share the folder store's code and layout. */
  private readonly local: FsBlobStore;
  /** The local copies and when each was last asked for; built from the folder on first use. */
  private cache: Map<string, { bytes: number; used: number }> | undefined;
  private cacheTotal = 0;
  /** A counter, not a clock: two uses in one millisecond still have an order. */
  private uses = 0;

  constructor(private readonly options: S3BlobStoreOptions) {
    this.local = new FsBlobStore(options.scratchDir);
  }

  get description(): string {
    return `s3://${this.options.bucket}/${this.options.prefix}`;
  }

  async stage(source: Readable | Buffer, options?: StageOptions): Promise<StagedBlob> {
    const staged = await this.local.stage(source, options);
    return {
      ...staged,
      commit: async () => {
        try {
          if (!(await this.has(staged.sha256))) await this.upload(staged.sha256, staged.tempPath);
        } finally {
          // The API keeps no copy: its disk holds only what is being uploaded right now.
          await staged.discard();
        }
      },
    };
  }

  async put(source: Readable | Buffer, options?: { maxBytes?: number }) {
    const staged = await this.stage(source, options);
    await staged.commit();
    return { sha256: staged.sha256, bytes: staged.bytes };
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await this.options.client.send(
        new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.key(sha256) }),
      );
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async read(sha256: string): Promise<Buffer> {
    return this.withRetries(async () => {
      const chunks: Buffer[] = [];
      const hash = createHash('sha256');
      for await (const chunk of await this.body(sha256)) {
        hash.update(chunk as Buffer);
        chunks.push(chunk as Buffer);
      }
      checkDigest(sha256, hash.digest('hex'));
      return Buffer.concat(chunks);
    });
  }

  /** The bytes as they arrive; the stream fails at its end if they are not the blob's. */
  stream(sha256: string): Readable {
    const out = new PassThrough();
    const hash = createHash('sha256');
    const verify = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
      flush(done) {
        const actual = hash.digest('hex');
        done(actual === sha256 ? null : new BlobIntegrityError(sha256, actual));
      },
    });
    this.body(sha256).then(
      (body) => pipeline(body, verify, out).catch((err) => out.destroy(err)),
      (err) => out.destroy(err),
    );
    return out;
  }

  /** Downloads once into the scratch folder (checked while written), then serves the local copy. */
  async localPath(sha256: string): Promise<string> {
    const cache = await this.cacheIndex();
    if (await this.local.has(sha256)) {
      const entry = cache.get(sha256);
      if (entry) entry.used = ++this.uses;
      return this.local.localPath(sha256);
    }
    const bytes = await this.withRetries(async () => {
      const staged = await this.local.stage(await this.body(sha256));
      if (staged.sha256 !== sha256) {
        await staged.discard();
        checkDigest(sha256, staged.sha256);
      }
      await staged.commit();
      return staged.bytes;
    });
    if (!cache.has(sha256)) this.cacheTotal += bytes;
    cache.set(sha256, { bytes, used: ++this.uses });
    await this.trimCache(sha256);
    return this.local.localPath(sha256);
  }

  /**
   * Removes the least recently used local copies past `cacheBytes`, never `keep`. Users of a copy that must
   * outlive it (a training job's images) hold a hard link of their own (src/adapters/link-file.ts).
   */
  private async trimCache(keep: string): Promise<void> {
    const cache = await this.cacheIndex();
    if (this.cacheTotal <= this.options.cacheBytes) return;
    const oldest = [...cache.entries()].filter(([sha]) => sha !== keep).sort((a, b) => a[1].used - b[1].used);
    for (const [sha, { bytes }] of oldest) {
      if (this.cacheTotal <= this.options.cacheBytes) break;
      await this.local.delete(sha);
      cache.delete(sha);
      this.cacheTotal -= bytes;
    }
  }

  private async cacheIndex(): Promise<Map<string, { bytes: number; used: number }>> {
    if (!this.cache) {
      const found = new Map<string, { bytes: number; used: number }>();
      for await (const { sha256, bytes } of this.local.list()) found.set(sha256, { bytes, used: 0 });
      if (!this.cache) {
        this.cache = found;
        this.cacheTotal = [...found.values()].reduce((a, e) => a + e.bytes, 0);
      }
    }
    return this.cache;
  }

  async delete(sha256: string): Promise<void> {
    await this.options.client.send(
      new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(sha256) }),
    );
    await this.local.delete(sha256);
    const entry = this.cache?.get(sha256);
    if (entry) {
      this.cache?.delete(sha256);
      this.cacheTotal -= entry.bytes;
    }
  }

  sweepStaged(olderThanMs: number): Promise<number> {
    return this.local.sweepStaged(olderThanMs);
  }

  async *list(): AsyncIterable<BlobInfo> {
    const { client, bucket } = this.options;
    const prefix = this.options.prefix ? `${this.options.prefix}/` : '';
    for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix }))
      for (const object of page.Contents ?? []) {
        const name = object.Key?.slice(object.Key.lastIndexOf('/') + 1) ?? '';
        if (SHA256.test(name) && object.Key === this.key(name))
          yield { sha256: name, bytes: object.Size ?? 0 };
      }
  }

  async downloadUrl(sha256: string, as: { contentType: string; fileName?: string }) {
    if (this.options.presignSeconds === undefined) return undefined;
    const command = new GetObjectCommand({
      Bucket: this.options.bucket,
      Key: this.key(sha256),
      ResponseContentType: as.contentType,
      ...(as.fileName && {
        ResponseContentDisposition: `attachment; filename="${as.fileName.replace(/"/g, '')}"`,
      }),
    });
    return getSignedUrl(this.options.client, command, { expiresIn: this.options.presignSeconds });
  }

  /** Streams the file up: one PUT when small, parts in parallel when larger than a part. */
  private async upload(sha256: string, file: string): Promise<void> {
    const { size } = await fs.stat(file);
    const upload = new Upload({
      client: this.options.client,
      params: {
        Bucket: this.options.bucket,
        Key: this.key(sha256),
        Body: createReadStream(file),
        ContentLength: size,
      },
      partSize: this.options.partSize,
      queueSize: this.options.queueSize,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  private async body(sha256: string): Promise<Readable> {
    const res = await this.options.client.send(
      new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(sha256) }),
    );
    return res.Body as Readable;
  }

  /** Retries a whole read whose connection broke; an integrity failure or a missing blob is final. */
  private async withRetries<T>(read: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await read();
      } catch (err) {
        if (err instanceof BlobIntegrityError || isNotFound(err) || attempt >= this.options.readAttempts)
          throw err;
        const delay = this.options.retryBaseMs * 2 ** (attempt - 1);
        await new Promise((r) => setTimeout(r, delay * (0.5 + Math.random() / 2)));
      }
    }
  }

  private key(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256 digest: ${sha256}`);
    const relative = path.posix.join(sha256.slice(0, 2), sha256.slice(2, 4), sha256);
    return this.options.prefix ? `${this.options.prefix}/${relative}` : relative;
  }
}

function checkDigest(expected: string, actual: string): void {
  if (actual !== expected) throw new BlobIntegrityError(expected, actual);
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}
