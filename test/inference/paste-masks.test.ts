import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../../src/coco/coco-rle.ts';
import { encodeCore } from '../../src/coco/rle-core.ts';
import { loadConfig } from '../../src/config.ts';
import { expandedBox, pasteMask } from '../../src/inference/paste-masks.ts';
import { ensureTrainerEnv } from '../helpers/training.ts';

/** torchvision's own paste_masks_in_image (eager), thresholded: the reference the TypeScript paste follows. */
const TORCHVISION_PASTE = `
import json, sys, torch
from torchvision.models.detection.roi_heads import paste_masks_in_image
spec = json.load(sys.stdin)
masks = torch.tensor(spec["masks"], dtype=torch.float32).reshape(-1, 1, spec["m"], spec["m"])
boxes = torch.tensor(spec["boxes"], dtype=torch.float32).reshape(-1, 4)
pasted = paste_masks_in_image(masks, boxes, (spec["height"], spec["width"]))[:, 0] > spec["threshold"]
print(json.dumps([p.flatten().int().tolist() for p in pasted]))
`;

const M = 28;

/** Deterministic pseudo-random numbers (a seeded LCG), so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Smooth blobs (what a mask head makes) plus noise, so many pixels sit near the threshold. */
function randomMask(next: () => number): number[] {
  const [cx, cy, r] = [4 + next() * 20, 4 + next() * 20, 4 + next() * 10];
  return Array.from({ length: M * M }, (_, i) => {
    const d = Math.hypot((i % M) - cx, Math.floor(i / M) - cy) / r;
    return Math.min(1, Math.max(0, 1 / (1 + Math.exp(6 * (d - 1))) + (next() - 0.5) * 0.2));
  });
}

interface Case {
  height: number;
  width: number;
  boxes: number[][];
  masks: number[][];
}

function cases(): Case[] {
  const next = rng(18);
  const random = (height: number, width: number, n: number): Case => {
    // clipped to the image, as torchvision's postprocess_detections leaves every box
    const boxes = Array.from({ length: n }, () => {
      const [x, y] = [next() * (width - 1), next() * (height - 1)];
      return [
        x,
        y,
        Math.min(width, x + 0.5 + next() * width * 0.6),
        Math.min(height, y + 0.5 + next() * height * 0.6),
      ];
    });
    return { height, width, boxes, masks: boxes.map(() => randomMask(next)) };
  };
  // edges: the whole image, one past every side (the expanded box always is), sub-pixel and zero-size boxes, a corner
  const edges: number[][] = [
    [0, 0, 63, 47],
    [-20.3, -7.9, 80.6, 60.2],
    [10.2, 10.7, 10.9, 11.1],
    [30, 20, 30, 20],
    [55.5, 40.25, 64, 48],
    [0.49, 0.51, 12.5, 33.3],
  ];
  return [
    random(48, 64, 40),
    random(160, 160, 40),
    random(37, 91, 30),
    { height: 48, width: 64, boxes: edges, masks: edges.map(() => randomMask(next)) },
  ];
}

function torchvisionPaste(c: Case, threshold: number): number[][] {
  const python = loadConfig().trainer.python;
  const input = JSON.stringify({ ...c, m: M, threshold, masks: c.masks.flat(), boxes: c.boxes.flat() });
  const r = spawnSync(python, ['-c', TORCHVISION_PASTE], { input, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

describe('pasteMask (torchvision paste_masks_in_image in TypeScript)', () => {
  beforeAll(() => ensureTrainerEnv(), 600_000);

  it('gives the pixels torchvision gives, as the RLE of the whole mask', () => {
    let compared = 0;
    let different = 0;
    for (const c of cases()) {
      const masks = Float32Array.from(c.masks.flat());
      const reference = torchvisionPaste(c, 0.5);
      c.boxes.forEach((box, i) => {
        const { counts, area } = pasteMask(masks, i, M, Float32Array.from(box), c.height, c.width, 0.5);
        const ours = decode({ size: [c.height, c.width], counts: [...counts] });
        const want = reference[i];
        // the RLE is exactly what encoding the full plane gives (runs start with background, no empty runs inside)
        expect([...counts]).toEqual([...encodeCore(ours, c.height, c.width)]);
        expect(area).toBe(ours.reduce((a, v) => a + v, 0));
        for (let p = 0; p < want.length; p++) if (want[p] !== ours[p]) different++;
        compared += want.length;
      });
    }
    expect(compared).toBeGreaterThan(500_000);
    // float32 arithmetic in the same order as PyTorch's kernel: at most a pixel whose value rounds across 0.5
    expect(different / compared).toBeLessThan(1e-5);
  }, 120_000);

  it('expands and truncates boxes as torchvision does (toward zero, also below zero)', () => {
    const scale = Math.fround(30 / 28);
    expect(expandedBox([10, 20, 38, 48], scale)).toEqual([9, 19, 39, 49]);
    // centre 0.5, half-width 1.07: -0.57 truncates to 0, not -1
    expect(expandedBox([-0.5, -0.5, 1.5, 1.5], scale)).toEqual([0, 0, 1, 1]);
  });

  it('pastes an empty box as an empty mask covering the image', () => {
    const masks = new Float32Array(M * M).fill(1);
    const pasted = pasteMask(masks, 0, M, [200, 200, 210, 210], 48, 64, 0.5);
    expect(pasted).toEqual({ counts: Uint32Array.of(48 * 64), area: 0 });
  });
});
