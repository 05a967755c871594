import { bboxCore } from '../coco/rle-core.ts';
import type { RunSink } from '../coco/segmentation.ts';

/**
 * The masks of one annotation table in a single growing buffer: annotation i's runs are
 * data[start[i] .. start[i] + length[i]), at its image's size. No object per mask, so
 * rasterising tens of thousands of masks costs no garbage collection.
 */
export class MaskStore implements RunSink {
  data = new Uint32Array(1 << 16);
  private used = 0;
  readonly start: Int32Array;
  readonly length: Int32Array;
  /**
   * A box containing each mask (its column range, full height): the IoU prefilter. pycocotools
   * prefilters with the exact rleToBbox, but any box containing the mask gives the same IoUs
   * (disjoint masks have IoU 0 either way), and this one costs no division per run.
   */
  readonly boxes: Float64Array;
  readonly area: Float64Array;

  constructor(count: number) {
    this.start = new Int32Array(count).fill(-1);
    this.length = new Int32Array(count);
    this.boxes = new Float64Array(4 * count);
    this.area = new Float64Array(count);
  }

  /** Grows the buffer once to hold `n` more counts, when the caller knows roughly how many are coming. */
  expect(n: number): void {
    this.reserve(n);
  }

  has(i: number): boolean {
    return this.start[i] >= 0;
  }

  reserve(n: number): number {
    if (this.used + n > this.data.length) {
      const grown = new Uint32Array(Math.max(2 * this.data.length, this.used + n));
      grown.set(this.data.subarray(0, this.used));
      this.data = grown;
    }
    return this.used;
  }

  /** Records the `len` counts just written at the reserved offset as mask i of an image `h` high. */
  commit(i: number, len: number, h: number): void {
    const off = this.used;
    this.start[i] = off;
    this.length[i] = len;
    this.used += len;
    const d = this.data;
    let pos = 0;
    let first = -1;
    let last = -1;
    let area = 0;
    for (let j = 0; j < len; j++) {
      const c = d[off + j];
      if (j & 1 && c > 0) {
        if (first < 0) first = pos;
        last = pos + c - 1;
        area += c;
      }
      pos += c;
    }
    this.area[i] = area;
    const b = 4 * i;
    if (first < 0 || h === 0) {
      this.boxes[b] = this.boxes[b + 1] = this.boxes[b + 2] = this.boxes[b + 3] = 0;
      return;
    }
    const x0 = Math.floor(first / h);
    this.boxes[b] = x0;
    this.boxes[b + 1] = 0;
    this.boxes[b + 2] = Math.floor(last / h) - x0 + 1;
    this.boxes[b + 3] = h;
  }

  /** pycocotools' toBbox of mask i. */
  exactBox(i: number, h: number, w: number, out: Float64Array, off: number): void {
    bboxCore(this.data, this.start[i], this.length[i], h, w, out, off);
  }
}
