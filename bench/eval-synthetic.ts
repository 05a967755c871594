/**
 * Deterministic synthetic COCO segm case for the eval benchmark: polygon ground truth (some
 * crowd regions as uncompressed RLE), detections as compressed RLE + bbox (the detectron2 /
 * mmdet result layout), jittered true positives, duplicates, wrong classes and false positives.
 */
import { compress, fromPolygons, toBbox } from '../src/coco/coco-rle.ts';

export interface SyntheticOptions {
  images: number;
  detections: number;
  categories: number;
  seed: number;
}

export interface SyntheticCase {
  gt: { images: unknown[]; annotations: unknown[]; categories: unknown[] };
  dt: unknown[];
}

/** mulberry32: small, fast, and the same sequence on every platform. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

export function makeSyntheticCase(o: SyntheticOptions): SyntheticCase {
  const rnd = prng(o.seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const blob = (cx: number, cy: number, r: number): number[] => {
    const n = int(8, 24);
    const pts: number[] = [];
    for (let i = 0; i < n; i++) {
      const a = (2 * Math.PI * i) / n + (rnd() - 0.5) * 0.3;
      const rr = r * (0.6 + 0.4 * rnd());
      pts.push(round2(cx + rr * Math.cos(a)), round2(cy + rr * Math.sin(a)));
    }
    return pts;
  };
  const radius = (): number => Math.exp(Math.log(4) + rnd() * Math.log(150 / 4));
  const categories = Array.from({ length: o.categories }, (_, k) => ({ id: k + 1, name: `class_${k + 1}` }));
  const images: { id: number; width: number; height: number; file_name: string }[] = [];
  const annotations: unknown[] = [];
  const dt: unknown[] = [];
  const detection = (imageId: number, cat: number, polygon: number[], h: number, w: number): void => {
    const rle = fromPolygons([polygon], h, w);
    dt.push({
      image_id: imageId,
      category_id: cat,
      segmentation: compress(rle),
      bbox: toBbox(rle),
      score: Math.round(rnd() * 1000) / 1000,
    });
  };
  for (let i = 0; i < o.images; i++) {
    const h = int(360, 640);
    const w = int(480, 800);
    const imageId = 100000 + i;
    images.push({ id: imageId, width: w, height: h, file_name: `${imageId}.jpg` });
    const nObj = rnd() < 0.05 ? 0 : int(1, 13);
    for (let j = 0; j < nObj; j++) {
      const cat = int(1, o.categories);
      const r = radius();
      const cx = rnd() * w;
      const cy = rnd() * h;
      const polygon = blob(cx, cy, r);
      const rle = fromPolygons([polygon], h, w);
      const crowd = rnd() < 0.01;
      annotations.push({
        id: annotations.length + 1,
        image_id: imageId,
        category_id: cat,
        segmentation: crowd ? { size: [h, w], counts: rle.counts } : [polygon],
        area: rle.counts.reduce((s, c, k) => (k % 2 ? s + c : s), 0),
        bbox: toBbox(rle),
        iscrowd: crowd ? 1 : 0,
      });
      if (crowd || rnd() > 0.85) continue;
      const jit = (p: number[]): number[] => p.map((v) => round2(v + (rnd() - 0.5) * r * 0.4));
      detection(imageId, rnd() < 0.1 ? int(1, o.categories) : cat, jit(polygon), h, w);
      if (rnd() < 0.1) detection(imageId, cat, jit(polygon), h, w);
    }
  }
  dt.length = Math.min(dt.length, o.detections);
  while (dt.length < o.detections) {
    const img = images[int(0, images.length - 1)];
    detection(
      img.id,
      int(1, o.categories),
      blob(rnd() * img.width, rnd() * img.height, radius()),
      img.height,
      img.width,
    );
  }
  return { gt: { images, annotations, categories }, dt };
}
