import type { IouType } from './coco-dataset.ts';
import { linspace } from './numpy.ts';

/** pycocotools' Params for segm/bbox (setDetParams), after evaluate() normalised ids. */
export interface EvalParams {
  iouType: IouType;
  useCats: boolean;
  /** Sorted unique image ids evaluated. */
  imgIds: number[];
  /** Sorted unique category ids; with useCats=false accumulation treats them as one category (-1). */
  catIds: number[];
  iouThrs: number[];
  recThrs: number[];
  maxDets: number[];
  areaRng: [number, number][];
  areaRngLbl: string[];
}

export const IOU_THRS = linspace(0.5, 0.95, 10);
export const REC_THRS = linspace(0, 1, 101);
export const MAX_DETS = [1, 10, 100];
export const AREA_RNG: [number, number][] = [
  [0, 1e10],
  [0, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e10],
];
export const AREA_LBL = ['all', 'small', 'medium', 'large'];

export const sortedUnique = (ids: Iterable<number>): number[] => [...new Set(ids)].sort((a, b) => a - b);
