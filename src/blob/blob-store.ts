import type { Readable } from 'node:stream';

export interface StageOptions {
  maxBytes?: number;
  keepBytes?: number;
}

export interface StagedBlob {
  sha256: string;
  bytes: number;
  /** A local file holding the bytes until commit or discard, so callers can inspect them first. */
  tempPath: string;
  /**
   * The same bytes in memory, when the caller asked for them (`keepBytes`) and the blob is no larger:
   * an inspection then reads no file (an upload's check decodes from here).
   */
  contents?: Buffer;
  /** Moves the bytes under their content address; a no-op when that blob already exists. */
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * Content-addressed storage for images and model files. The folder implementation is the default;
 * an S3-compatible store implements the same interface.
 */
export interface BlobStore {
  /**
   * Streams `source` to a temporary place while hashing it; fails past `maxBytes`. A blob of at most
   * `keepBytes` also comes back in memory (`contents`).
   */
  stage(source: Readable | Buffer, options?: StageOptions): Promise<StagedBlob>;
  put(source: Readable | Buffer, options?: { maxBytes?: number }): Promise<{ sha256: string; bytes: number }>;
  has(sha256: string): Promise<boolean>;
  read(sha256: string): Promise<Buffer>;
  stream(sha256: string): Readable;
  /** A local file path with the blob's bytes, for child processes (trainer, onnxruntime). */
  localPath(sha256: string): Promise<string>;
  delete(sha256: string): Promise<void>;
  /**
   * Removes what killed processes and abandoned uploads left staged: every file of a process of this host
   * that no longer runs, and any file last written more than `olderThanMs` ago. Other live processes may
   * share the store and be staging right now; a live upload writes to its file and so keeps it young.
   */
  sweepStaged(olderThanMs: number): Promise<number>;
  /** Every stored blob, in no particular order (`vlm-loop blobs migrate`). */
  list(): AsyncIterable<BlobInfo>;
  /**
   * A URL a client may fetch the blob from directly (a presigned GET), or undefined when downloads are
   * streamed through the API.
   */
  downloadUrl(sha256: string, as: { contentType: string; fileName?: string }): Promise<string | undefined>;
  /** Where the blobs are, for logs: a folder or an s3:// URL. */
  readonly description: string;
}

export interface BlobInfo {
  sha256: string;
  bytes: number;
}

/** Bytes read back under an address that are not the blob's: the object was changed or damaged. */
export class BlobIntegrityError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`blob ${expected} is damaged: its bytes hash to ${actual}`);
  }
}

export class BlobTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`blob exceeds ${maxBytes} bytes`);
  }
}
