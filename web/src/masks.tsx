import { useEffect, useRef } from 'preact/hooks';
import { decode, decompress } from '../../src/coco/coco-rle.ts';

export interface DrawnMask {
  segmentation: { size: number[]; counts: string };
  label: string;
  crowd?: boolean;
}

const COLORS = [
  [230, 25, 75],
  [60, 180, 75],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
];

/**
 * An image with its masks painted over it on a canvas (COCO RLE decoded in the page by the same code the
 * server uses), numbered in the order given; the legend is the caller's.
 */
export function MaskedImage({ src, masks, alt }: { src: string; masks: DrawnMask[]; alt: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    if (!c || masks.length === 0) return;
    const [h, w] = masks[0].segmentation.size;
    c.width = w;
    c.height = h;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    const pixels = ctx.createImageData(w, h);
    masks.forEach((m, i) => {
      const bits = decode(decompress({ size: [h, w], counts: m.segmentation.counts }));
      const [r, g, b] = COLORS[i % COLORS.length];
      for (let p = 0; p < bits.length; p++) {
        if (!bits[p]) continue;
        pixels.data.set([r, g, b, m.crowd ? 60 : 120], p * 4);
      }
    });
    ctx.putImageData(pixels, 0, 0);
  }, [masks]);
  return (
    <div class="masked">
      <img src={src} alt={alt} />
      <canvas ref={canvas} />
    </div>
  );
}

export const maskColor = (i: number) => `rgb(${COLORS[i % COLORS.length].join(',')})`;
