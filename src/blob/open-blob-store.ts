import path from 'node:path';
import type { S3Config } from '../config.ts';
import type { BlobStore } from './blob-store.ts';
import { FsBlobStore } from './fs-blob-store.ts';

export { type BlobLocation, parseS3Url } from './s3-url.ts';

/**
 * The store for `url`: an s3:// URL, or a folder (a path or `file://`). `scratchDir` is local disk for
 * an S3 store's staged uploads and downloads. The AWS SDK (some 10 MiB of memory) loads only for S3.
 */
export async function openBlobStore(url: string, s3: S3Config, scratchDir: string): Promise<BlobStore> {
  if (!url.startsWith('s3://')) return new FsBlobStore(path.resolve(url.replace(/^file:\/\//, '')));
  const { openS3BlobStore } = await import('./s3-blob-store.ts');
  return openS3BlobStore(url, s3, scratchDir);
}

/** The store a process uses: VLM_LOOP_BLOB_URL when set, else the folder VLM_LOOP_BLOB_DIR. */
export function configuredBlobStore(config: {
  blobUrl: string | undefined;
  blobDir: string;
  dataDir: string;
  s3: S3Config;
}): Promise<BlobStore> {
  return openBlobStore(
    config.blobUrl ?? config.blobDir,
    config.s3,
    path.join(config.dataDir, 'blob-scratch'),
  );
}
