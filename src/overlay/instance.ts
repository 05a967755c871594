import type { Bbox, CompressedRle } from '../coco/coco-rle.ts';

/** One predicted instance, as the segmentation model produced it: what an overlay draws and a judge judges. */
export interface Instance {
  categoryId: number;
  categoryName: string;
  score: number;
  bbox: Bbox;
  segmentation: CompressedRle;
}
