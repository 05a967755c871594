/**
 * Label Studio's brush masks: the `@thi.ng/rle-pack` bitstream (the library Label Studio's editor
 * decodes them with) of the row-major mask with each pixel repeated as R, G, B, A. Label Studio draws
 * the alpha channel; its SDK writes 255 (or the mask's value) into all four channels.
 */
import { decodeBinary, encodeBinary } from '@thi.ng/rle-pack';

/** The value a foreground pixel gets in every channel. */
const FOREGROUND = 255;

/** A row-major mask (non-zero is foreground) of width*height as Label Studio's `rle` array of bytes. */
export function maskToBrushRle(mask: ArrayLike<number>, width: number, height: number): number[] {
  const pixels = width * height;
  if (mask.length !== pixels) throw new Error(`the mask has ${mask.length} pixels, not ${width}x${height}`);
  const rgba = new Uint8Array(pixels * 4);
  for (let p = 0; p < pixels; p++) if (mask[p]) rgba.fill(FOREGROUND, p * 4, p * 4 + 4);
  return Array.from(encodeBinary(rgba, rgba.length, 8));
}

export class BrushRleError extends Error {}

/**
 * Label Studio's `rle` back to a row-major 0/1 mask: foreground where the alpha channel is non-zero.
 * Refuses a stream whose length does not match the image (a mask of another image) or that is cut off.
 */
export function brushRleToMask(rle: ArrayLike<number>, width: number, height: number): Uint8Array {
  const bytes = Uint8Array.from(rle);
  if (bytes.length < 7) throw new BrushRleError('is shorter than its header');
  const declared = new DataView(bytes.buffer).getUint32(0);
  const pixels = width * height;
  if (declared !== pixels * 4)
    throw new BrushRleError(
      `holds ${declared} values, not ${pixels * 4} (4 per pixel of ${width}x${height})`,
    );
  let values: ArrayLike<number>;
  try {
    values = decodeBinary(bytes);
  } catch (err) {
    throw new BrushRleError(`does not decode: ${(err as Error).message}`);
  }
  const mask = new Uint8Array(pixels);
  for (let p = 0; p < pixels; p++) mask[p] = values[p * 4 + 3] ? 1 : 0;
  return mask;
}
