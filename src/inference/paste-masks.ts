/**
 * torchvision's `paste_masks_in_image` for one detection, straight to COCO RLE: an MxM mask of
 * probabilities (the mask head's output, the `roi` export form) is padded by one zero pixel, resized
 * bilinearly into its box expanded by (M+2)/M and thresholded; only the box's pixels are computed, and
 * the runs are written without a full-image plane.
 *
 * Arithmetic follows PyTorch's float32 CPU kernels step by step (Math.fround): `expand_boxes`, the
 * int64 truncation of the box, and `upsample_bilinear2d` with align_corners=False (source index
 * `scale * (dst + 0.5) - 0.5` clamped at 0, scale = in / out), so the pasted pixels match torchvision's.
 */

const f = Math.fround;

export interface PastedMask {
  /** COCO RLE counts, column-major, starting with a run of zeros (pycocotools' order). */
  counts: Uint32Array;
  /** Pixels above the threshold. */
  area: number;
}

/** Where each output pixel along one axis reads from the padded mask, and with which weights. */
interface AxisTaps {
  i0: Int32Array;
  i1: Int32Array;
  w0: Float32Array;
  w1: Float32Array;
}

/** PyTorch's compute_indices_weights_linear for `count` outputs starting at output index `first`. */
function axisTaps(inSize: number, outSize: number, first: number, count: number): AxisTaps {
  const scale = f(inSize / outSize);
  const taps = {
    i0: new Int32Array(count),
    i1: new Int32Array(count),
    w0: new Float32Array(count),
    w1: new Float32Array(count),
  };
  for (let k = 0; k < count; k++) {
    const src = Math.max(f(f(scale * f(first + k + 0.5)) - 0.5), 0);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const lambda = Math.min(Math.max(f(src - i0), 0), 1);
    taps.i0[k] = i0;
    taps.i1[k] = i0 < inSize - 1 ? i0 + 1 : i0;
    taps.w1[k] = lambda;
    taps.w0[k] = f(1 - lambda);
  }
  return taps;
}

/** torchvision's expand_boxes then `.to(torch.int64)` (truncation toward zero), in float32. */
export function expandedBox(box: ArrayLike<number>, scale: number): [number, number, number, number] {
  const halfW = f(f(f(box[2] - box[0]) * 0.5) * scale);
  const halfH = f(f(f(box[3] - box[1]) * 0.5) * scale);
  const cx = f(f(box[2] + box[0]) * 0.5);
  const cy = f(f(box[3] + box[1]) * 0.5);
  // `| 0` truncates like int64 conversion and never yields -0
  return [f(cx - halfW) | 0, f(cy - halfH) | 0, f(cx + halfW) | 0, f(cy + halfH) | 0];
}

/** The MxM mask with a zero border: (M+2)^2, as torchvision's expand_masks pads it. */
function padded(masks: Float32Array, offset: number, m: number): Float32Array {
  const p = m + 2;
  const out = new Float32Array(p * p);
  for (let y = 0; y < m; y++) out.set(masks.subarray(offset + y * m, offset + (y + 1) * m), (y + 1) * p + 1);
  return out;
}

/**
 * Pastes detection `index` of `masks` ([N,1,M,M] probabilities) into a `height` x `width` image at
 * `box` (x1, y1, x2, y2 in image pixels) and keeps pixels above `threshold`.
 */
export function pasteMask(
  masks: Float32Array,
  index: number,
  m: number,
  box: ArrayLike<number>,
  height: number,
  width: number,
  threshold: number,
): PastedMask {
  const p = m + 2;
  const [bx0, by0, bx1, by1] = expandedBox(box, f(p / m));
  const w = Math.max(bx1 - bx0 + 1, 1);
  const h = Math.max(by1 - by0 + 1, 1);
  const x0 = Math.max(bx0, 0);
  const x1 = Math.min(bx1 + 1, width);
  const y0 = Math.max(by0, 0);
  const y1 = Math.min(by1 + 1, height);
  if (x1 <= x0 || y1 <= y0) return { counts: Uint32Array.of(height * width), area: 0 };
  const src = padded(masks, index * m * m, m);
  const cols = axisTaps(p, w, x0 - bx0, x1 - x0);
  const rows = axisTaps(p, h, y0 - by0, y1 - y0);
  return runsOf(src, p, cols, rows, { x0, x1, y0, y1, height, width }, threshold);
}

interface Region {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  height: number;
  width: number;
}

/**
 * The width pass of the bilinear resize for every padded source row: p x (output columns) values, so
 * each output pixel is one weighted sum of two of them (the same float32 operations in the same order
 * as computing both passes per pixel).
 */
function acrossRows(src: Float32Array, p: number, cols: AxisTaps): Float32Array {
  const n = cols.i0.length;
  const out = new Float32Array(p * n);
  for (let row = 0; row < p; row++) {
    for (let c = 0; c < n; c++) {
      out[row * n + c] = f(
        f(src[row * p + cols.i0[c]] * cols.w0[c]) + f(src[row * p + cols.i1[c]] * cols.w1[c]),
      );
    }
  }
  return out;
}

/** Thresholded bilinear samples of the region, as column-major runs over the whole image. */
function runsOf(
  src: Float32Array,
  p: number,
  cols: AxisTaps,
  rows: AxisTaps,
  region: Region,
  threshold: number,
): PastedMask {
  const { x0, x1, y0, y1, height, width } = region;
  const counts: number[] = [];
  let value = 0;
  let runStart = 0;
  let area = 0;
  const contiguous = y0 === 0 && y1 === height;
  const across = acrossRows(src, p, cols);
  const n = x1 - x0;
  for (let x = x0; x < x1; x++) {
    const c = x - x0;
    for (let y = y0; y < y1; y++) {
      const r = y - y0;
      const top = across[rows.i0[r] * n + c];
      const bottom = across[rows.i1[r] * n + c];
      const v = f(f(top * rows.w0[r]) + f(bottom * rows.w1[r])) > threshold ? 1 : 0;
      area += v;
      if (v !== value) {
        const at = x * height + y;
        counts.push(at - runStart);
        runStart = at;
        value = v;
      }
    }
    // pixels below the region and above it in the next column are background
    const end = x * height + y1;
    if (value === 1 && !contiguous && end < height * width) {
      counts.push(end - runStart);
      runStart = end;
      value = 0;
    }
  }
  // a region that spans whole columns can end on foreground: the columns after it are background
  if (value === 1 && x1 < width) {
    counts.push(x1 * height - runStart);
    runStart = x1 * height;
  }
  counts.push(height * width - runStart);
  return { counts: Uint32Array.from(counts), area };
}
