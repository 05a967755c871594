import { describe, expect, it } from 'vitest';
import { brushRleToMask } from '../../src/coco/brush-rle.ts';
import { area, compress, decode, decompress, encode, iou, type Rle } from '../../src/coco/coco-rle.ts';
import {
  brushResult,
  LabelConfigError,
  type MaskTag,
  parseLabelConfig,
  polygonResults,
  resultToMask,
} from '../../src/coco/label-studio.ts';

const CONFIG = `<View>
  <Header value="Segment"/>
  <Image name="img" value="$photo" zoom="true"/>
  <BrushLabels name="brush" toName="img"><Label value="Cat" background="red"/><Label value="Dog"/></BrushLabels>
  <View><PolygonLabels name="poly" toName="img" strokeWidth="3"><Label value="Cat"/></PolygonLabels></View>
  <Choices name="c" toName="img"><Choice value="x"/></Choices>
</View>`;

function rectMask(width: number, height: number, x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (let y = y0; y < y1; y++) mask.fill(1, y * width + x0, y * width + x1);
  return mask;
}

describe('parseLabelConfig', () => {
  it('finds every mask tag with its image data key and labels, nested or not', () => {
    expect(parseLabelConfig(CONFIG)).toEqual([
      { type: 'BrushLabels', fromName: 'brush', toName: 'img', dataKey: 'photo', labels: ['Cat', 'Dog'] },
      { type: 'PolygonLabels', fromName: 'poly', toName: 'img', dataKey: 'photo', labels: ['Cat'] },
    ]);
  });

  it('finds none in a config without masks, and refuses a tag labelling no image', () => {
    expect(
      parseLabelConfig('<View><Image name="i" value="$i"/><Choices name="c" toName="i"/></View>'),
    ).toEqual([]);
    expect(() => parseLabelConfig('<View><BrushLabels name="b" toName="nothing"/></View>')).toThrow(
      LabelConfigError,
    );
  });
});

describe('results', () => {
  const tag: MaskTag = {
    type: 'BrushLabels',
    fromName: 'brush',
    toName: 'img',
    dataKey: 'photo',
    labels: ['Cat'],
  };
  const mask = rectMask(40, 30, 5, 6, 25, 20);
  const segmentation = compress(encode(mask, 30, 40));

  it('a brush result carries the mask as Label Studio RLE and comes back as the same mask', () => {
    const result = brushResult(tag, { label: 'Cat', score: 0.7, segmentation }, 'r1');
    expect(result).toMatchObject({
      type: 'brushlabels',
      from_name: 'brush',
      to_name: 'img',
      original_width: 40,
      original_height: 30,
      score: 0.7,
    });
    expect(brushRleToMask(result.value.rle as number[], 40, 30)).toEqual(mask);
    const back = resultToMask(result, 40, 30);
    expect('rle' in back && decode(back.rle)).toEqual(mask);
  });

  it('a polygon result outlines the mask in percent and rasterises back close to it', () => {
    const [result, ...more] = polygonResults(
      { ...tag, type: 'PolygonLabels' },
      { label: 'Cat', score: 0.5, segmentation },
      'p',
    );
    expect(more).toEqual([]);
    const points = result.value.points as number[][];
    expect(points.every(([x, y]) => x >= 0 && x <= 100 && y >= 0 && y <= 100)).toBe(true);
    const back = resultToMask(result, 40, 30);
    if (!('rle' in back)) throw new Error(back.skipped);
    expect(iou([back.rle], [encode(mask, 30, 40)], [false])[0][0]).toBeGreaterThan(0.9);
  });

  it('one polygon per separate part', () => {
    const both = rectMask(40, 30, 2, 2, 8, 8).map((v, i) => v | rectMask(40, 30, 20, 20, 30, 28)[i]);
    const results = polygonResults(
      { ...tag, type: 'PolygonLabels' },
      { label: 'Cat', score: 1, segmentation: compress(encode(both, 30, 40)) },
      'p',
    );
    expect(results.length).toBe(2);
    const total = results.reduce(
      (a, r) => a + area((resultToMask(r, 40, 30) as unknown as { rle: Rle }).rle),
      0,
    );
    expect(total).toBeGreaterThan(0.8 * area(decompress(compress(encode(both, 30, 40)))));
  });

  it('skips what is not a mask of this image, saying why', () => {
    expect(resultToMask({ type: 'choices', value: {} }, 40, 30)).toEqual({
      skipped: 'type choices is not a mask',
    });
    const other = brushResult(tag, { label: 'Cat', score: 1, segmentation }, 'x');
    expect(resultToMask(other, 41, 30)).toEqual({ skipped: 'a brush mask of 40x30 on an image of 41x30' });
    expect(
      resultToMask({ type: 'polygonlabels', value: { points: [[1, 1]], polygonlabels: ['Cat'] } }, 40, 30),
    ).toHaveProperty('skipped');
    expect(resultToMask({ type: 'brushlabels', value: { rle: [1, 2] } }, 40, 30)).toEqual({
      skipped: 'a brushlabels result without a label',
    });
  });
});
