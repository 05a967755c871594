/**
 * Difficulty presets of the synthetic dataset. FROZEN at SYNTH_VERSION 1.0.0: tuned once,
 * by eye on contact sheets, before any model was trained on the data. Changing them after
 * seeing results would tune the benchmark to the answers we like, so a change must be a
 * new dataset version (bump SYNTH_VERSION, say why) and never a quiet edit. The object
 * is frozen at runtime too, so nothing can adjust a preset in place. The same holds for
 * everything else that decides pixels (shapes.ts outlines, background.ts, render.ts);
 * test/dataset/synth.test.ts pins a fingerprint of the output to catch silent drift.
 */

export const SYNTH_VERSION = '1.0.0';

export type Difficulty = 'easy' | 'medium' | 'hard';
export const DIFFICULTIES: readonly Difficulty[] = ['easy', 'medium', 'hard'];

type Range = readonly [number, number];

export interface DifficultyParams {
  /** Objects attempted per image; occlusion limits may drop some, never all. */
  objects: Range;
  /** Shape scale as a fraction of the image side, drawn log-uniformly (so small ones are common). */
  scale: Range;
  /** Instances whose visible pixels fall under this are dropped (and left unlabelled). */
  minVisibleArea: number;
  /** Chance that an object is placed next to an earlier one, so occlusion is common. */
  clusterChance: number;
  /** Placement is retried until every earlier object keeps this fraction of its pixels. */
  minVisibleFraction: number;
  /** Fraction of a shape that must lie inside the frame. */
  minInFrameFraction: number;
  /** Least RGB distance between an object's colour and what lies under it. */
  minContrast: number;
  /** Strength (0-1) and count of texture layers (stripes, blobs, value noise) over the gradient. */
  textureStrength: number;
  textureLayers: Range;
  /** Thin distractor strokes (lines, arcs, squiggles) painted under the objects. */
  strokes: Range;
  /** Standard deviation of per-pixel, per-channel Gaussian noise, in 0-255 units. */
  noiseSigma: number;
  /** Linear brightness ramp across each object, +/- this fraction. */
  shading: number;
  /** Saturation ceiling of background colours; colourful backgrounds hide objects better. */
  backgroundSaturation: number;
}

const PRESETS: Record<Difficulty, DifficultyParams> = {
  easy: {
    objects: [1, 6],
    scale: [0.06, 0.17],
    minVisibleArea: 20,
    clusterChance: 0.1,
    minVisibleFraction: 0.7,
    minInFrameFraction: 0.9,
    minContrast: 90,
    textureStrength: 0.25,
    textureLayers: [0, 1],
    strokes: [0, 0],
    noiseSigma: 4,
    shading: 0,
    backgroundSaturation: 0.3,
  },
  medium: {
    objects: [1, 6],
    scale: [0.03, 0.17],
    minVisibleArea: 20,
    clusterChance: 0.35,
    minVisibleFraction: 0.4,
    minInFrameFraction: 0.7,
    minContrast: 60,
    textureStrength: 0.5,
    textureLayers: [1, 2],
    strokes: [2, 5],
    noiseSigma: 9,
    shading: 0.15,
    backgroundSaturation: 0.6,
  },
  hard: {
    objects: [1, 6],
    scale: [0.025, 0.17],
    minVisibleArea: 20,
    clusterChance: 0.5,
    minVisibleFraction: 0.25,
    minInFrameFraction: 0.55,
    minContrast: 40,
    textureStrength: 0.8,
    textureLayers: [2, 3],
    strokes: [5, 10],
    noiseSigma: 15,
    shading: 0.25,
    backgroundSaturation: 0.9,
  },
};

const deepFreeze = <T extends object>(o: T): T => {
  for (const v of Object.values(o)) if (typeof v === 'object' && v !== null) deepFreeze(v);
  return Object.freeze(o);
};

export const DIFFICULTY_PARAMS: Readonly<Record<Difficulty, Readonly<DifficultyParams>>> =
  deepFreeze(PRESETS);
