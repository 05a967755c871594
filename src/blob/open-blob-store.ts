import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../config.ts';
import type { BlobStore } from './blob-store.ts';
import { FsBlobStore } from './fs-blob-store.ts';
import { S3BlobStore } from './s3-blob-store.ts';

export interface BlobLocation {
  bucket: string;
  prefix: string;
}

/** `s3://bucket/some/prefix` -> bucket and prefix (no slashes at its ends); anything else is an error. */
export function parseS3Url(url: string): BlobLocation {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match) throw new Error(`not an s3://bucket/prefix URL: "${url}"`);
  return { bucket: match[1], prefix: (match[2] ?? '').replace(/^\/+|\/+$/g, '') };
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

/**
 * The store for `url`: an s3:// URL, or a folder (a path or `file://`). `scratchDir` is local disk for
 * an S3 store's staged uploads and downloads.
 */
export function openBlobStore(url: string, s3: S3Config, scratchDir: string): BlobStore {
  if (!url.startsWith('s3://')) return new FsBlobStore(path.resolve(url.replace(/^file:\/\//, '')));
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

/** The store a process uses: VLM_LOOP_BLOB_URL when set, else the folder VLM_LOOP_BLOB_DIR. */
export function configuredBlobStore(config: {
  blobUrl: string | undefined;
  blobDir: string;
  dataDir: string;
  s3: S3Config;
}): BlobStore {
  return openBlobStore(
    config.blobUrl ?? config.blobDir,
    config.s3,
    path.join(config.dataDir, 'blob-scratch'),
  );
}
