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
