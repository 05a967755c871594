import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * A path to the image's pixels in display orientation, the frame our masks are in. Most files are
 * already upright and are used in place; an EXIF-rotated one gets an upright PNG copy in `cacheDir`,
 * since the trainer (PIL) reads pixels as stored.
 */
export async function uprightImagePath(
  file: string,
  mimeType: string,
  cacheDir: string,
  key: string,
): Promise<string> {
  if (mimeType === 'image/png') return file;
  const sharp = (await import('sharp')).default; // loaded on first use (docs/architecture.md)
  const { orientation } = await sharp(file, { limitInputPixels: false }).metadata();
  if (!orientation || orientation === 1) return file;
  const dest = path.join(cacheDir, `${key}.png`);
  if (
    await fs.stat(dest).then(
      () => true,
      () => false,
    )
  )
    return dest;
  await fs.mkdir(cacheDir, { recursive: true });
  const tmp = `${dest}.${process.pid}.tmp`;
  await sharp(file, { limitInputPixels: false }).rotate().png().toFile(tmp);
  await fs.rename(tmp, dest);
  return dest;
}
