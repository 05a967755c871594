import type { Metadata } from 'sharp';

export const ALLOWED_FORMATS = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  tiff: 'image/tiff',
} as const;

export interface ProbedImage {
  mimeType: string;
  /** Display size, after EXIF orientation: the frame that masks are drawn in. */
  width: number;
  height: number;
}

export class ImageRejectedError extends Error {}

/**
 * Proves a file is an image we accept: an allowed format whose header declares at most `maxPixels`
 * (so a decompression bomb is refused before decoding) and whose pixels decode to the end. From a buffer
 * when the caller has the bytes in memory: from a path libvips opens and reads the file once per step.
 */
export async function probeImage(file: string | Buffer, maxPixels: number): Promise<ProbedImage> {
  // Loaded on first use: a process that never probes an image never maps libvips (docs/architecture.md).
  const sharp = (await import('sharp')).default;
  let meta: Metadata;
  try {
    // No pixel limit here: only the header is read, and our own check below says what the limit is.
    meta = await sharp(file, { limitInputPixels: false }).metadata();
  } catch {
    throw new ImageRejectedError('is not a decodable image');
  }
  const mimeType = meta.format ? ALLOWED_FORMATS[meta.format as keyof typeof ALLOWED_FORMATS] : undefined;
  if (!mimeType)
    throw new ImageRejectedError(`has format ${meta.format ?? 'unknown'}; allowed: JPEG, PNG, WebP, TIFF`);
  if (!meta.width || !meta.height) throw new ImageRejectedError('declares no size');
  if (meta.width * meta.height > maxPixels)
    throw new ImageRejectedError(
      `declares ${meta.width}x${meta.height} pixels, more than the limit of ${maxPixels}`,
    );
  try {
    // A small decode reads every byte of the file, which catches truncation without holding full-size pixels.
    await sharp(file, { failOn: 'truncated', limitInputPixels: maxPixels })
      .resize(64, 64, { fit: 'inside' })
      .raw()
      .toBuffer();
  } catch (err) {
    throw new ImageRejectedError(`does not decode: ${(err as Error).message.split('\n')[0]}`);
  }
  const rotated = (meta.orientation ?? 1) >= 5;
  return { mimeType, width: rotated ? meta.height : meta.width, height: rotated ? meta.width : meta.height };
}
