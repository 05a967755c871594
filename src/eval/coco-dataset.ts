/**
 * COCO ground truth and detection results, validated and held column by column (typed arrays)
 * because the evaluator scans them in tight loops. Loading follows pycocotools' COCO and
 * COCO.loadRes; geometry (masks, derived areas and boxes) is resolved per IoU type on demand.
 */
import { bboxInto, segmentationInto } from '../coco/segmentation.ts';
import { validationError } from '../errors/problem.ts';
import { MaskStore } from './mask-store.ts';

export type IouType = 'segm' | 'bbox';

export interface CocoImage {
  id: number;
  width: number;
  height: number;
}

export interface CocoCategory {
  id: number;
  name: string;
}

export interface AnnotationTable {
  readonly count: number;
  /** JSON path of the annotation list, for error messages: `$.annotations` or `$`. */
  readonly path: string;
  readonly id: Float64Array;
  /** Index into the dataset's `images`. */
  readonly image: Int32Array;
  readonly categoryId: Float64Array;
  readonly iscrowd: Uint8Array;
  /** Detection confidence; 0 for ground truth. */
  readonly score: Float64Array;
  /** NaN where the ground truth gives none; resolved from the geometry when evaluated. */
  readonly area: Float64Array;
  /** [x, y, w, h] per annotation, NaN where absent. */
  readonly bbox: Float64Array;
  /** Raw COCO segmentation values (undefined where absent), rasterised on first segm evaluation. */
  readonly segmentation: unknown[];
  /** Results given as boxes rasterise the box when they carry no segmentation (loadRes). */
  readonly boxIsMask: boolean;
  /** Rasterised masks (at the image size), filled on demand by ensureMasks. */
  readonly masks: MaskStore;
}

export interface CocoDataset {
  images: CocoImage[];
  imageIndexById: Map<number, number>;
  categories: CocoCategory[];
  annotations: AnnotationTable;
}

/** Detections loaded against one ground truth (pycocotools' loadRes). */
export interface CocoResults {
  gt: CocoDataset;
  annotations: AnnotationTable;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function field(obj: Json, key: string, path: string): unknown {
  if (!(key in obj)) throw validationError(`${path}.${key}`, 'is required');
  return obj[key];
}

function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw validationError(path, 'must be a number');
  return v;
}

function size(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw validationError(path, 'must be a non-negative integer');
  }
  return v;
}

function list(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw validationError(path, 'must be an array');
  return v;
}

function entry(v: unknown, path: string): Json {
  if (!isObject(v)) throw validationError(path, 'must be an object');
  return v;
}

/**
 * The annotation being validated, turned into a JSON path only for an error message: building
 * paths eagerly would cost several strings per annotation on inputs of 100k annotations.
 */
class Loc {
  i = 0;

  constructor(readonly list: string) {}

  path(key?: string): string {
    return key === undefined ? `${this.list}[${this.i}]` : `${this.list}[${this.i}].${key}`;
  }
}

function entryAt(v: unknown, loc: Loc): Json {
  if (!isObject(v)) throw validationError(loc.path(), 'must be an object');
  return v;
}

function numAt(obj: Json, key: string, loc: Loc): number {
  const v = obj[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw validationError(loc.path(key), key in obj ? 'must be a number' : 'is required');
}

function putBbox(v: unknown, out: Float64Array, i: number, loc: Loc): void {
  if (Array.isArray(v) && v.length === 4) {
    let ok = true;
    for (let j = 0; j < 4; j++) {
      const x = v[j];
      ok &&= typeof x === 'number' && Number.isFinite(x);
      out[4 * i + j] = x;
    }
    if (ok) return;
  }
  throw validationError(loc.path('bbox'), 'must be [x, y, width, height] numbers');
}

function iscrowdOf(v: unknown, loc: Loc): number {
  if (v === undefined || v === 0 || v === false) return 0;
  if (v === 1 || v === true) return 1;
  throw validationError(loc.path('iscrowd'), 'must be 0 or 1');
}

function newTable(count: number, path: string, boxIsMask: boolean): AnnotationTable {
  return {
    count,
    path,
    id: new Float64Array(count),
    image: new Int32Array(count),
    categoryId: new Float64Array(count),
    iscrowd: new Uint8Array(count),
    score: new Float64Array(count),
    area: new Float64Array(count).fill(Number.NaN),
    bbox: new Float64Array(4 * count).fill(Number.NaN),
    segmentation: new Array(count),
    boxIsMask,
    masks: new MaskStore(count),
  };
}

/** Validates a COCO ground-truth object; errors name the JSON path (`$.annotations[3].bbox`). */
export function loadCocoGt(json: unknown): CocoDataset {
  const root = entry(json, '$');
  const images = list(field(root, 'images', '$'), '$.images').map((v, i) => {
    const p = `$.images[${i}]`;
    const img = entry(v, p);
    return {
      id: num(field(img, 'id', p), `${p}.id`),
      width: size(field(img, 'width', p), `${p}.width`),
      height: size(field(img, 'height', p), `${p}.height`),
    };
  });
  const imageIndexById = new Map<number, number>();
  images.forEach((img, i) => {
    if (imageIndexById.has(img.id))
      throw validationError(`$.images[${i}].id`, `duplicate image id ${img.id}`);
    imageIndexById.set(img.id, i);
  });
  const categories = list(field(root, 'categories', '$'), '$.categories').map((v, i) => {
    const p = `$.categories[${i}]`;
    const cat = entry(v, p);
    const name = cat.name ?? '';
    if (typeof name !== 'string') throw validationError(`${p}.name`, 'must be a string');
    return { id: num(field(cat, 'id', p), `${p}.id`), name };
  });
  const catIds = new Set<number>();
  categories.forEach((c, i) => {
    if (catIds.has(c.id)) throw validationError(`$.categories[${i}].id`, `duplicate category id ${c.id}`);
    catIds.add(c.id);
  });
  const anns = list(field(root, 'annotations', '$'), '$.annotations');
  return { images, imageIndexById, categories, annotations: loadGtAnnotations(anns, imageIndexById, catIds) };
}

function loadGtAnnotations(
  anns: unknown[],
  imageIndexById: Map<number, number>,
  catIds: Set<number>,
): AnnotationTable {
  const t = newTable(anns.length, '$.annotations', false);
  const seen = new Set<number>();
  const loc = new Loc('$.annotations');
  for (let i = 0; i < anns.length; i++) {
    loc.i = i;
    const ann = entryAt(anns[i], loc);
    const id = numAt(ann, 'id', loc);
    if (seen.has(id)) throw validationError(loc.path('id'), `duplicate annotation id ${id}`);
    seen.add(id);
    t.id[i] = id;
    const imageId = numAt(ann, 'image_id', loc);
    const image = imageIndexById.get(imageId);
    if (image === undefined)
      throw validationError(loc.path('image_id'), `image ${imageId} is not in $.images`);
    t.image[i] = image;
    const cat = numAt(ann, 'category_id', loc);
    if (!catIds.has(cat))
      throw validationError(loc.path('category_id'), `category ${cat} is not in $.categories`);
    t.categoryId[i] = cat;
    t.iscrowd[i] = iscrowdOf(ann.iscrowd, loc);
    if (ann.area !== undefined) t.area[i] = numAt(ann, 'area', loc);
    if (ann.bbox !== undefined) putBbox(ann.bbox, t.bbox, i, loc);
    t.segmentation[i] = ann.segmentation;
  }
  return t;
}

/**
 * pycocotools' loadRes: the first result decides the mode. With a non-empty `bbox` every area is
 * w*h (segm evaluation included) and a missing segmentation is the box; otherwise every result
 * needs a segmentation, its area is the mask area and a missing bbox is the mask's tight box.
 * Results for categories outside the ground truth are kept but never evaluated, as in pycocotools.
 */
export function loadCocoResults(gt: CocoDataset, json: unknown, iouType: IouType): CocoResults {
  const anns = list(json, '$');
  const first = anns.length > 0 ? entry(anns[0], '$[0]') : {};
  const boxMode = 'bbox' in first && !(Array.isArray(first.bbox) && first.bbox.length === 0);
  if (anns.length > 0 && !boxMode && !('segmentation' in first)) {
    throw validationError('$[0]', 'a result needs a bbox or a segmentation');
  }
  const t = newTable(anns.length, '$', boxMode);
  if (iouType === 'segm' || !boxMode) t.masks.expect(compressedLength(anns));
  const loc = new Loc('$');
  for (let i = 0; i < anns.length; i++) {
    loc.i = i;
    const ann = entryAt(anns[i], loc);
    const imageId = numAt(ann, 'image_id', loc);
    const image = gt.imageIndexById.get(imageId);
    if (image === undefined)
      throw validationError(loc.path('image_id'), `image ${imageId} is not in the ground truth`);
    t.id[i] = i + 1;
    t.image[i] = image;
    t.categoryId[i] = numAt(ann, 'category_id', loc);
    t.score[i] = numAt(ann, 'score', loc);
    t.segmentation[i] = ann.segmentation;
    if (boxMode) {
      if (!('bbox' in ann)) throw validationError(loc.path('bbox'), 'is required');
      putBbox(ann.bbox, t.bbox, i, loc);
      t.area[i] = t.bbox[4 * i + 2] * t.bbox[4 * i + 3];
    } else {
      const img = gt.images[image];
      rasterise(t, i, img);
      t.area[i] = t.masks.area[i];
      const hasBox = Array.isArray(ann.bbox) && ann.bbox.length > 0;
      if (hasBox) putBbox(ann.bbox, t.bbox, i, loc);
      else t.masks.exactBox(i, img.height, img.width, t.bbox, 4 * i);
    }
  }
  if (iouType === 'segm') ensureMasks(t, gt.images, allRows(t.count));
  return { gt, annotations: t };
}

/** Total length of the compressed RLE strings among `anns`: enough room for their runs. */
function compressedLength(anns: unknown[]): number {
  let n = 0;
  for (const ann of anns) {
    const seg = isObject(ann) ? ann.segmentation : undefined;
    if (isObject(seg) && typeof seg.counts === 'string') n += seg.counts.length;
  }
  return n;
}

function allRows(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

function rasterise(t: AnnotationTable, i: number, img: CocoImage): void {
  if (t.masks.has(i)) return;
  const seg = t.segmentation[i];
  const { height: h, width: w } = img;
  let len: number;
  if (seg === undefined && t.boxIsMask) len = bboxInto(t.bbox.subarray(4 * i, 4 * i + 4), h, w, t.masks);
  else if (seg === undefined) throw validationError(`${t.path}[${i}].segmentation`, 'is required');
  else len = segmentationInto(seg, h, w, () => `${t.path}[${i}].segmentation`, t.masks);
  t.masks.commit(i, len, h);
}

/** Rasterises the masks of `rows` once (cached on the table); throws with the JSON path of bad ones. */
export function ensureMasks(t: AnnotationTable, images: CocoImage[], rows: ArrayLike<number>): void {
  for (let j = 0; j < rows.length; j++) rasterise(t, rows[j], images[t.image[rows[j]]]);
}

/**
 * Readies `rows` for evaluation: masks for segm (for `maskRows`, which default to all of them),
 * boxes checked for bbox. Returns the areas used for the area ranges: the given ones, else
 * (ground truth without `area`) the mask area for segm or w*h for bbox.
 */
export function prepareRows(
  ds: CocoDataset,
  t: AnnotationTable,
  iouType: IouType,
  rows: ArrayLike<number>,
  maskRows: ArrayLike<number> = rows,
): Float64Array {
  if (iouType === 'segm') ensureMasks(t, ds.images, maskRows);
  const area = t.area.slice();
  for (let j = 0; j < rows.length; j++) {
    const i = rows[j];
    if (iouType === 'bbox' && Number.isNaN(t.bbox[4 * i]))
      throw validationError(`${t.path}[${i}].bbox`, 'is required');
    if (!Number.isNaN(area[i])) continue;
    if (iouType === 'segm') ensureMasks(t, ds.images, [i]);
    area[i] = iouType === 'segm' ? t.masks.area[i] : t.bbox[4 * i + 2] * t.bbox[4 * i + 3];
  }
  return area;
}

/** Validates every segmentation up front, for callers that want errors before evaluating. */
export function prepareSegmentations(ds: CocoDataset | CocoResults): void {
  const images = 'images' in ds ? ds.images : ds.gt.images;
  ensureMasks(ds.annotations, images, allRows(ds.annotations.count));
}
