/**
 * Label Studio's side of masks: the labelling config (which tags carry masks, which image they label,
 * which label names they allow) and the `result` entries of predictions and annotations, to and from
 * COCO RLE. Brush masks use the rle-pack stream (brush-rle.ts); polygons use percent coordinates.
 */
import { contours } from 'd3-contour';
import { XMLParser } from 'fast-xml-parser';
import { brushRleToMask, maskToBrushRle } from './brush-rle.ts';
import { type CompressedRle, decode, decompress, encode, fromPolygons, type Rle } from './coco-rle.ts';

export type MaskTagType = 'BrushLabels' | 'PolygonLabels';

export interface MaskTag {
  type: MaskTagType;
  /** The control tag's name (`from_name` of its results). */
  fromName: string;
  /** The Image tag it labels (`to_name`). */
  toName: string;
  /** The task data key holding that image's URL (`$image` -> `image`). */
  dataKey: string;
  labels: string[];
}

interface XmlNode {
  [tag: string]: XmlNode[] | Record<string, string> | undefined;
}

export class LabelConfigError extends Error {}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true });

/** Every BrushLabels/PolygonLabels tag of a labelling config with its Image tag's data key and its labels. */
export function parseLabelConfig(xml: string): MaskTag[] {
  let tree: XmlNode[];
  try {
    tree = parser.parse(xml) as XmlNode[];
  } catch (err) {
    throw new LabelConfigError(`is not XML: ${(err as Error).message}`);
  }
  const elements: { tag: string; attrs: Record<string, string>; children: XmlNode[] }[] = [];
  const walk = (nodes: XmlNode[]) => {
    for (const node of nodes) {
      const tag = Object.keys(node).find((k) => k !== ':@');
      if (!tag) continue;
      const children = (node[tag] as XmlNode[] | undefined) ?? [];
      elements.push({ tag, attrs: (node[':@'] as Record<string, string> | undefined) ?? {}, children });
      walk(children);
    }
  };
  walk(tree);
  const images = new Map(
    elements.filter((e) => e.tag === 'Image').map((e) => [e.attrs.name, e.attrs.value ?? '']),
  );
  const tags: MaskTag[] = [];
  for (const e of elements) {
    if (e.tag !== 'BrushLabels' && e.tag !== 'PolygonLabels') continue;
    const value = images.get(e.attrs.toName);
    if (value === undefined) throw new LabelConfigError(`${e.tag} "${e.attrs.name}" labels no Image tag`);
    const labels = e.children.flatMap((c) =>
      'Label' in c ? [(c[':@'] as Record<string, string>).value] : [],
    );
    tags.push({
      type: e.tag,
      fromName: e.attrs.name,
      toName: e.attrs.toName,
      dataKey: value.replace(/^\$/, ''),
      labels: labels.filter((l): l is string => typeof l === 'string'),
    });
  }
  return tags;
}

/** One prediction to send: its label name, score and mask. */
export interface MaskPrediction {
  label: string;
  score: number;
  segmentation: CompressedRle;
}

export type LabelStudioResult = Record<string, unknown> & { type: string; value: Record<string, unknown> };

/** A `brushlabels` result: the mask as Label Studio's RLE, in the image's pixel frame. */
export function brushResult(tag: MaskTag, p: MaskPrediction, id: string): LabelStudioResult {
  const [height, width] = p.segmentation.size;
  return {
    id,
    from_name: tag.fromName,
    to_name: tag.toName,
    type: 'brushlabels',
    original_width: width,
    original_height: height,
    image_rotation: 0,
    score: p.score,
    value: {
      format: 'rle',
      rle: maskToBrushRle(decode(decompress(p.segmentation)), width, height),
      brushlabels: [p.label],
    },
  };
}

/**
 * `polygonlabels` results: one per outer ring of the mask's outline (points in percent of the image);
 * holes are not represented, as a Label Studio polygon has none.
 */
export function polygonResults(tag: MaskTag, p: MaskPrediction, id: string): LabelStudioResult[] {
  const [height, width] = p.segmentation.size;
  const mask = decode(decompress(p.segmentation));
  const [outline] = contours().size([width, height]).thresholds([0.5])(Array.from(mask));
  return outline.coordinates
    .map((polygon) => polygon[0].slice(0, -1))
    .filter((ring) => ring.length >= 3)
    .map((ring, k) => ({
      id: `${id}-${k}`,
      from_name: tag.fromName,
      to_name: tag.toName,
      type: 'polygonlabels',
      original_width: width,
      original_height: height,
      image_rotation: 0,
      score: p.score,
      value: {
        points: ring.map(([x, y]) => [(100 * x) / width, (100 * y) / height]),
        polygonlabels: [p.label],
        closed: true,
      },
    }));
}

/** An annotation result as a COCO mask, or why it cannot be one (another type, another image size). */
export type ResultMask = { label: string; rle: Rle } | { skipped: string };

/** A brushlabels or polygonlabels result (annotation or prediction) as a mask of `width` x `height`. */
export function resultToMask(result: Record<string, unknown>, width: number, height: number): ResultMask {
  const value = (result.value ?? {}) as Record<string, unknown>;
  const type = String(result.type ?? '');
  if (type !== 'brushlabels' && type !== 'polygonlabels') return { skipped: `type ${type} is not a mask` };
  const labels = value[type];
  const label = Array.isArray(labels) && typeof labels[0] === 'string' ? labels[0] : undefined;
  if (!label) return { skipped: `a ${type} result without a label` };
  if (type === 'brushlabels') {
    const rw = Number(result.original_width ?? width);
    const rh = Number(result.original_height ?? height);
    if (rw !== width || rh !== height)
      return { skipped: `a brush mask of ${rw}x${rh} on an image of ${width}x${height}` };
    if (!Array.isArray(value.rle)) return { skipped: 'a brush result without rle' };
    return { label, rle: encode(brushRleToMask(value.rle as number[], width, height), height, width) };
  }
  const points = value.points;
  if (!Array.isArray(points) || points.length < 3) return { skipped: 'a polygon with fewer than 3 points' };
  const xy = (points as number[][]).flatMap(([x, y]) => [(x * width) / 100, (y * height) / 100]);
  if (xy.some((v) => !Number.isFinite(v))) return { skipped: 'a polygon with non-numeric points' };
  return { label, rle: fromPolygons([xy], height, width) };
}
