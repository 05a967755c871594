/**
 * CVAT's two mask encodings. Pure: masks in and out are row-major 0/1 of the whole image.
 *
 * - The shape encoding (`points` of a LabeledShape of type "mask", cvat-sdk's `encode_mask` and
 *   `decode_mask`): run lengths over the row-major crop of a box, starting with a run of 0s, followed
 *   by the box as x1, y1, x2, y2 with x2 and y2 inclusive.
 * - The detector encoding (the `mask` a nuclio detector answers): the row-major 0/1 crop itself,
 *   followed by xtl, ytl, xbr, ybr (inclusive). CVAT turns it into the shape encoding on its side.
 */

/** Inclusive box: x1, y1, x2, y2 (pixel indices). */
export type CvatBox = [number, number, number, number];

/** The tight inclusive box of the non-zero pixels, or null for an empty mask. */
export function maskBox(mask: Uint8Array, width: number, height: number): CvatBox | null {
  let x1 = width;
  let y1 = height;
  let x2 = -1;
  let y2 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (!mask[row + x]) continue;
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      y2 = y;
    }
  }
  return x2 < 0 ? null : [x1, y1, x2, y2];
}

/**
 * cvat-sdk's `encode_mask(bitmap, bbox)`: `bbox` is [x1, y1, x2, y2] with x2, y2 exclusive and may be
 * fractional (floored / ceiled like the SDK). Without it, the tight box of the mask; an empty mask
 * encodes as the 1x1 box at the origin, like the SDK.
 */
export function encodeCvatShapeMask(
  mask: Uint8Array,
  width: number,
  height: number,
  bbox?: [number, number, number, number],
): number[] {
  let box: CvatBox;
  if (bbox) {
    box = [Math.floor(bbox[0]), Math.floor(bbox[1]), Math.ceil(bbox[2]) - 1, Math.ceil(bbox[3]) - 1];
    if (
      !(
        box[0] >= 0 &&
        box[0] <= box[2] &&
        box[2] < width &&
        box[1] >= 0 &&
        box[1] <= box[3] &&
        box[3] < height
      )
    )
      throw new RangeError('bbox has invalid coordinates');
  } else box = maskBox(mask, width, height) ?? [0, 0, 0, 0];
  const runs: number[] = [];
  let current = 0;
  let run = 0;
  for (let y = box[1]; y <= box[3]; y++)
    for (let x = box[0]; x <= box[2]; x++) {
      const bit = mask[y * width + x] ? 1 : 0;
      if (bit === current) run++;
      else {
        runs.push(run);
        current = bit;
        run = 1;
      }
    }
  // A crop starting with 1 starts with an empty run of 0s, as in the SDK.
  runs.push(run);
  return [...runs, ...box];
}

/** cvat-sdk's `decode_mask(encoded, image_width, image_height)`: the whole-image row-major mask. */
export function decodeCvatShapeMask(encoded: readonly number[], width: number, height: number): Uint8Array {
  if (encoded.length < 5) throw new RangeError('too few elements in encoded mask');
  if (!encoded.every(Number.isInteger)) throw new RangeError('non-integer value in encoded mask');
  const runs = encoded.slice(0, -4);
  const [x1, y1, x2, y2] = encoded.slice(-4);
  if (!(x1 >= 0 && x1 <= x2 && x2 < width && y1 >= 0 && y1 <= y2 && y2 < height))
    throw new RangeError('invalid encoded bounding box');
  const cropWidth = x2 - x1 + 1;
  const total = cropWidth * (y2 - y1 + 1);
  if (runs.reduce((a, b) => a + b, 0) !== total)
    throw new RangeError('encoded bitmap does not match encoded bounding box');
  const mask = new Uint8Array(width * height);
  let i = 0;
  runs.forEach((length, r) => {
    // Odd runs are 1s: the SDK's alternating_bools start with False.
    if (r % 2 === 1)
      for (let k = i; k < i + length; k++)
        mask[(y1 + Math.floor(k / cropWidth)) * width + x1 + (k % cropWidth)] = 1;
    i += length;
  });
  return mask;
}

/** The detector encoding of a mask, or null when the mask is empty (a detector answers no shape then). */
export function toCvatDetectorMask(mask: Uint8Array, width: number, height: number): number[] | null {
  const box = maskBox(mask, width, height);
  if (!box) return null;
  const [x1, y1, x2, y2] = box;
  const out: number[] = [];
  for (let y = y1; y <= y2; y++) for (let x = x1; x <= x2; x++) out.push(mask[y * width + x] ? 1 : 0);
  out.push(x1, y1, x2, y2);
  return out;
}

/** The whole-image mask of a detector encoding. */
export function fromCvatDetectorMask(encoded: readonly number[], width: number, height: number): Uint8Array {
  const [x1, y1, x2, y2] = encoded.slice(-4);
  const cropWidth = x2 - x1 + 1;
  if (!(x1 >= 0 && x1 <= x2 && x2 < width && y1 >= 0 && y1 <= y2 && y2 < height))
    throw new RangeError('invalid detector mask box');
  if (encoded.length - 4 !== cropWidth * (y2 - y1 + 1))
    throw new RangeError('detector mask length does not match its box');
  const mask = new Uint8Array(width * height);
  for (let k = 0; k < encoded.length - 4; k++)
    if (encoded[k]) mask[(y1 + Math.floor(k / cropWidth)) * width + x1 + (k % cropWidth)] = 1;
  return mask;
}
