/** The fields of a stored label that a COCO annotation is made of. */
export interface StoredLabelFields {
  id: number;
  imageId: number;
  categoryId: number;
  height: number;
  width: number;
  rle: string;
  area: number;
  bbox: number[];
  iscrowd: boolean;
}

/** A stored label as a COCO instances annotation (compressed RLE), as the trainer and COCOeval read it. */
export function toCocoAnnotation(l: StoredLabelFields) {
  return {
    id: l.id,
    image_id: l.imageId,
    category_id: l.categoryId,
    segmentation: { size: [l.height, l.width] as [number, number], counts: l.rle },
    area: l.area,
    bbox: l.bbox,
    iscrowd: l.iscrowd ? 1 : 0,
  };
}
